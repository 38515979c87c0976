package catalogtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/pgtest"
)

// NewServiceFunc builds the implementation under test over a fresh,
// migrated database.
type NewServiceFunc func(t *testing.T, pool *pgxpool.Pool) catalog.Service

// Exercise is the contract every catalog.Service must keep, the local one
// and the remote client alike. It proves invariants 1 and 2 of the design:
// stock never goes negative, listed = available + held + sold, and N racing
// buyers for the last k copies make exactly k reservations. The calling
// package needs pgtest.Main as its TestMain.
func Exercise(t *testing.T, newService NewServiceFunc) {
	t.Helper()
	type bundle struct {
		svc  catalog.Service
		pool *pgxpool.Pool
	}
	setup := func(t *testing.T) (*bundle, context.Context) {
		t.Helper()
		pool := pgtest.New(t)
		return &bundle{svc: newService(t, pool), pool: pool}, context.Background()
	}
	var orders atomic.Int64
	nextOrder := func() int64 { return 1_000_000 + orders.Add(1) }
	const buyer = auth.UserID(424_242)
	reserve := func(svc catalog.Service, order int64, lines ...catalog.Line) error {
		return svc.Reserve(context.Background(), catalog.Reservation{OrderID: order, BuyerID: buyer, Lines: lines})
	}
	allHeld := func(t *testing.T, svc catalog.Service) []int64 {
		t.Helper()
		held, err := svc.HeldOrders(context.Background(), 0, catalog.MaxHeldPage)
		require.NoError(t, err)
		return held
	}

	t.Run("WantAlerts", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		const shopper = auth.UserID(31)
		n, err := b.svc.WantAlerts(ctx, shopper)
		require.NoError(t, err)
		require.Zero(t, n)
		CreateWant(ctx, t, b.pool, &WantOpts{UserID: shopper, Words: "dune"})
		CreateWant(ctx, t, b.pool, &WantOpts{UserID: shopper, ISBN: "9780441013593"})
		book := CreateBook(ctx, t, b.pool, &BookOpts{Title: "Dune", Author: "Frank Herbert", ISBN: "9780441013593"})
		require.Equal(t, 2, MatchWants(ctx, t, b.pool, book.ID), "by words and by ISBN")
		n, err = b.svc.WantAlerts(ctx, shopper)
		require.NoError(t, err)
		require.Equal(t, 2, n)
		n, err = b.svc.WantAlerts(ctx, 0)
		require.NoError(t, err)
		require.Zero(t, n, "a visitor has no wants")
	})

	t.Run("Books", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		book := CreateBook(ctx, t, b.pool, &BookOpts{SellerID: 7, SellerName: "Ada", Title: "Dune", Author: "Frank Herbert", PriceCents: 1250, Copies: 3, Condition: catalog.ConditionFine})
		got, err := b.svc.Books(ctx, []catalog.BookID{book.ID, 999_999})
		require.NoError(t, err)
		require.Len(t, got, 1)
		g := got[book.ID]
		require.Equal(t, book.ID, g.ID)
		require.Equal(t, auth.UserID(7), g.SellerID)
		require.Equal(t, catalog.StatusActive, g.Status)
		require.False(t, g.Hidden)
		require.WithinDuration(t, book.UpdatedAt, g.UpdatedAt, time.Millisecond)
		require.Equal(t, "Dune", g.Title)
		require.Equal(t, "Frank Herbert", g.Author)
		require.Equal(t, "Ada", g.SellerName)
		require.Equal(t, int64(1250), g.PriceCents)
		require.Equal(t, "USD", g.Currency)
		require.Equal(t, 3, g.Available)
		require.Equal(t, catalog.ConditionFine, g.Condition)
		require.True(t, g.Buyable())

		empty, err := b.svc.Books(ctx, nil)
		require.NoError(t, err)
		require.Empty(t, empty)
	})

	t.Run("BooksOfDisabledSellerAreHidden", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		book := CreateBook(ctx, t, b.pool, &BookOpts{SellerID: 8})
		SetSellerDisabled(ctx, t, b.pool, 8, true)
		got, err := b.svc.Books(ctx, []catalog.BookID{book.ID})
		require.NoError(t, err)
		require.True(t, got[book.ID].Hidden)
		require.False(t, got[book.ID].Buyable())
		err = reserve(b.svc, nextOrder(), LineOf(book, 1))
		require.ErrorIs(t, err, catalog.ErrNotForSale)
	})

	t.Run("Reserve", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		one := CreateBook(ctx, t, b.pool, &BookOpts{Copies: 3})
		two := CreateBook(ctx, t, b.pool, &BookOpts{Copies: 2})
		order := nextOrder()
		lines := []catalog.Line{LineOf(one, 2), LineOf(two, 1)}
		require.NoError(t, reserve(b.svc, order, lines...))
		require.Equal(t, Counts{Listed: 3, Available: 1, Held: 2}, StockOf(ctx, t, b.pool, one.ID))
		require.Equal(t, Counts{Listed: 2, Available: 1, Held: 1}, StockOf(ctx, t, b.pool, two.ID))

		// A replay, even with other lines, holds nothing more.
		require.NoError(t, reserve(b.svc, order, lines...))
		require.NoError(t, reserve(b.svc, order, LineOf(two, 1)))
		require.Equal(t, Counts{Listed: 3, Available: 1, Held: 2}, StockOf(ctx, t, b.pool, one.ID))
		require.Equal(t, Counts{Listed: 2, Available: 1, Held: 1}, StockOf(ctx, t, b.pool, two.ID))

		require.Equal(t, []int64{order}, allHeld(t, b.svc))
	})

	t.Run("ReserveMergesRepeatedBooks", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		book := CreateBook(ctx, t, b.pool, &BookOpts{Copies: 3})
		require.NoError(t, reserve(b.svc, nextOrder(), LineOf(book, 1), LineOf(book, 2)))
		require.Equal(t, Counts{Listed: 3, Available: 0, Held: 3}, StockOf(ctx, t, b.pool, book.ID))
	})

	t.Run("ReserveOutOfStockChangesNothing", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		plenty := CreateBook(ctx, t, b.pool, &BookOpts{Copies: 5})
		scarce := CreateBook(ctx, t, b.pool, &BookOpts{Copies: 1, Title: "Scarce"})
		order := nextOrder()
		err := reserve(b.svc, order, LineOf(plenty, 2), LineOf(scarce, 2))
		require.ErrorIs(t, err, catalog.ErrOutOfStock)
		require.Contains(t, apperr.As(err).Message, "Scarce")
		require.Equal(t, Counts{Listed: 5, Available: 5}, StockOf(ctx, t, b.pool, plenty.ID))
		require.Equal(t, Counts{Listed: 1, Available: 1}, StockOf(ctx, t, b.pool, scarce.ID))
		require.Empty(t, allHeld(t, b.svc))

		// The same order may try again once the lines fit.
		require.NoError(t, reserve(b.svc, order, LineOf(scarce, 1)))
		require.Equal(t, Counts{Listed: 1, Available: 0, Held: 1}, StockOf(ctx, t, b.pool, scarce.ID))
	})

	t.Run("ReserveNotForSale", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		for name, status := range map[string]catalog.Status{"Paused": catalog.StatusPaused, "Draft": catalog.StatusDraft, "Archived": catalog.StatusArchived} {
			book := CreateBook(ctx, t, b.pool, &BookOpts{Status: status, Copies: 2})
			err := reserve(b.svc, nextOrder(), LineOf(book, 1))
			require.ErrorIs(t, err, catalog.ErrNotForSale, name)
			require.Equal(t, Counts{Listed: 2, Available: 2}, StockOf(ctx, t, b.pool, book.ID), name)
		}
		hidden := CreateBook(ctx, t, b.pool, &BookOpts{Copies: 2})
		_, err := b.pool.Exec(ctx, "UPDATE catalog.books SET hidden_reason = 'spam' WHERE id = $1", int64(hidden.ID))
		require.NoError(t, err)
		err = reserve(b.svc, nextOrder(), LineOf(hidden, 1))
		require.ErrorIs(t, err, catalog.ErrNotForSale)

		err = reserve(b.svc, nextOrder(), catalog.Line{BookID: 987_654, Quantity: 1})
		require.ErrorIs(t, err, catalog.ErrNotForSale)
	})

	t.Run("ReserveInvalidLines", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		book := CreateBook(ctx, t, b.pool, &BookOpts{Copies: 2})
		for name, lines := range map[string][]catalog.Line{
			"Empty":     nil,
			"Zero":      {LineOf(book, 0)},
			"Negative":  {LineOf(book, -3)},
			"Huge":      {LineOf(book, 1_000_000)},
			"TwoPrices": {LineOf(book, 1), func() catalog.Line { l := LineOf(book, 1); l.PriceCents++; return l }()},
		} {
			err := reserve(b.svc, nextOrder(), lines...)
			require.Equal(t, apperr.Invalid, apperr.KindOf(err), name)
		}
		require.Equal(t, Counts{Listed: 2, Available: 2}, StockOf(ctx, t, b.pool, book.ID))
	})

	t.Run("ReserveRefusesWhatChanged", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		book := CreateBook(ctx, t, b.pool, &BookOpts{Title: "Middlemarch", PriceCents: 1000, Copies: 3})
		other := CreateBook(ctx, t, b.pool, &BookOpts{Copies: 3})
		seen := LineOf(book, 1)
		SetPrice(ctx, t, b.pool, book.ID, 990000)
		err := reserve(b.svc, nextOrder(), LineOf(other, 1), seen)
		require.ErrorIs(t, err, catalog.ErrChanged)
		require.Contains(t, apperr.As(err).Message, "Middlemarch")
		require.Contains(t, apperr.As(err).Message, "$9,900.00")
		require.Equal(t, Counts{Listed: 3, Available: 3}, StockOf(ctx, t, b.pool, other.ID), "nothing is held")

		renamed := seen
		renamed.PriceCents = 990000
		renamed.Title = "Middlemarch (abridged)"
		require.ErrorIs(t, reserve(b.svc, nextOrder(), renamed), catalog.ErrChanged)
		resold := seen
		resold.PriceCents = 990000
		resold.SellerID++
		require.ErrorIs(t, reserve(b.svc, nextOrder(), resold), catalog.ErrChanged)

		// At the price now asked, the same order goes through.
		order := nextOrder()
		require.NoError(t, reserve(b.svc, order, LineOf(other, 1), LineOf(ReadBook(ctx, t, b.pool, book.ID), 1)))
		require.Equal(t, Counts{Listed: 3, Available: 2, Held: 1}, StockOf(ctx, t, b.pool, book.ID))
	})

	t.Run("ReserveRefusesOwnListing", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		own := CreateBook(ctx, t, b.pool, &BookOpts{SellerID: buyer, Title: "Mine", Copies: 2})
		other := CreateBook(ctx, t, b.pool, &BookOpts{Copies: 2})
		err := reserve(b.svc, nextOrder(), LineOf(other, 1), LineOf(own, 1))
		require.ErrorIs(t, err, catalog.ErrOwnListing)
		require.Equal(t, apperr.Forbidden, apperr.KindOf(err))
		require.Contains(t, apperr.As(err).Message, "Mine")
		require.Equal(t, Counts{Listed: 2, Available: 2}, StockOf(ctx, t, b.pool, other.ID))
		require.Empty(t, allHeld(t, b.svc))
	})

	t.Run("HeldOrdersPaged", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		book := CreateBook(ctx, t, b.pool, &BookOpts{Copies: 7})
		var want []int64
		for range 7 {
			order := nextOrder()
			require.NoError(t, reserve(b.svc, order, LineOf(book, 1)))
			want = append(want, order)
		}
		require.NoError(t, b.svc.Release(ctx, want[3]))
		want = append(want[:3], want[4:]...)
		var got []int64
		after := int64(0)
		for pages := 0; ; pages++ {
			require.Less(t, pages, 10, "paging ends")
			page, err := b.svc.HeldOrders(ctx, after, 4)
			require.NoError(t, err)
			require.LessOrEqual(t, len(page), 4)
			if len(page) == 0 {
				break
			}
			got = append(got, page...)
			after = page[len(page)-1]
		}
		require.Equal(t, want, got, "every held order once, ascending")
		for _, limit := range []int{0, -1, catalog.MaxHeldPage + 1} {
			_, err := b.svc.HeldOrders(ctx, 0, limit)
			require.Equal(t, apperr.Invalid, apperr.KindOf(err), limit)
		}
	})

	t.Run("Release", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		book := CreateBook(ctx, t, b.pool, &BookOpts{Copies: 2})
		order := nextOrder()
		require.NoError(t, reserve(b.svc, order, LineOf(book, 2)))
		require.NoError(t, b.svc.Release(ctx, order))
		require.Equal(t, Counts{Listed: 2, Available: 2}, StockOf(ctx, t, b.pool, book.ID))
		require.NoError(t, b.svc.Release(ctx, order))
		require.Equal(t, Counts{Listed: 2, Available: 2}, StockOf(ctx, t, b.pool, book.ID))
		// A released order does not hold again by replaying Reserve.
		require.NoError(t, reserve(b.svc, order, LineOf(book, 2)))
		require.Equal(t, Counts{Listed: 2, Available: 2}, StockOf(ctx, t, b.pool, book.ID))
		notHeld, err := b.svc.Confirm(ctx, []int64{order})
		require.NoError(t, err)
		require.Equal(t, []int64{order}, notHeld, "a released order has nothing to confirm")
		require.NoError(t, b.svc.Release(ctx, nextOrder()), "an unknown order holds nothing")
		require.Empty(t, allHeld(t, b.svc))
	})

	t.Run("Confirm", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		edition := CreateBook(ctx, t, b.pool, &BookOpts{Copies: 6, ISBN: "9780141439518", PriceCents: 700})
		other := CreateBook(ctx, t, b.pool, &BookOpts{Copies: 2})
		early, twice, both, released, unknown, later := nextOrder(), nextOrder(), nextOrder(), nextOrder(), nextOrder(), nextOrder()
		require.NoError(t, reserve(b.svc, early, LineOf(edition, 2)))
		require.NoError(t, reserve(b.svc, twice, LineOf(edition, 1)))
		require.NoError(t, reserve(b.svc, both, LineOf(edition, 1), LineOf(other, 2)))
		require.NoError(t, reserve(b.svc, released, LineOf(edition, 1)))
		require.NoError(t, b.svc.Release(ctx, released))
		require.NoError(t, reserve(b.svc, later, LineOf(edition, 1)))
		Sell(ctx, t, b.svc, early)

		// One batch of orders confirmed before, held (two of them of the
		// same listing as well as another, one named twice), released and
		// unknown; sent again as a retried job would: every held order
		// sells its copies once, the others are reported, each call alike.
		batch := []int64{unknown, twice, early, released, both, twice}
		for range 2 {
			notHeld, err := b.svc.Confirm(ctx, batch)
			require.NoError(t, err)
			require.Equal(t, []int64{released, unknown}, notHeld, "the orders that hold nothing, ascending")
			require.Equal(t, Counts{Listed: 6, Available: 1, Held: 1, Sold: 4}, StockOf(ctx, t, b.pool, edition.ID))
			require.Equal(t, Counts{Listed: 2, Sold: 2}, StockOf(ctx, t, b.pool, other.ID))
			require.Equal(t, map[int64]int{early: 2, twice: 1, both: 1}, salesOf(ctx, t, b.pool, edition.ID),
				"one sale per order and edition, recorded once")
		}
		require.NoError(t, b.svc.Release(ctx, both), "release after confirm is a no-op")
		require.Equal(t, Counts{Listed: 2, Sold: 2}, StockOf(ctx, t, b.pool, other.ID))
		require.Equal(t, []int64{later}, allHeld(t, b.svc), "an order left out of the batch still holds")

		notHeld, err := b.svc.Confirm(ctx, nil)
		require.NoError(t, err)
		require.Empty(t, notHeld)
		_, err = b.svc.Confirm(ctx, make([]int64, catalog.MaxConfirm+1))
		require.Equal(t, apperr.Invalid, apperr.KindOf(err))
		require.Equal(t, []int64{later}, allHeld(t, b.svc))
	})

	t.Run("SetSellerStats", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		book := CreateBook(ctx, t, b.pool, &BookOpts{SellerID: 61, SellerName: "Ines"})
		v2 := catalog.SellerStats{SellerID: 61, Ratings: 2, RatingSum: 9, Sales: 3, Version: 2}
		require.NoError(t, b.svc.SetSellerStats(ctx, v2))
		require.Equal(t, v2, StatsOf(ctx, t, b.pool, 61))
		require.NoError(t, b.svc.SetSellerStats(ctx, v2), "a repeat is harmless")

		// A push that crossed a newer one on the wire changes nothing.
		require.NoError(t, b.svc.SetSellerStats(ctx, catalog.SellerStats{SellerID: 61, Ratings: 1, RatingSum: 5, Sales: 1, Version: 1}))
		require.Equal(t, v2, StatsOf(ctx, t, b.pool, 61))
		v3 := catalog.SellerStats{SellerID: 61, Ratings: 3, RatingSum: 10, Sales: 3, Version: 3}
		require.NoError(t, b.svc.SetSellerStats(ctx, v3))
		require.Equal(t, v3, StatsOf(ctx, t, b.pool, 61))
		require.InDelta(t, 3.33, v3.Average(), 0.01)
		require.Equal(t, "Ines", ReadBook(ctx, t, b.pool, book.ID).SellerName, "stats leave the name alone")

		// A seller the catalog has not met yet is recorded, named later.
		first := catalog.SellerStats{SellerID: 62, Ratings: 1, RatingSum: 4, Sales: 1, Version: 7}
		require.NoError(t, b.svc.SetSellerStats(ctx, first))
		require.Equal(t, first, StatsOf(ctx, t, b.pool, 62))

		for name, bad := range map[string]catalog.SellerStats{
			"NoSeller":      {Ratings: 1, RatingSum: 3, Version: 9},
			"SumBelowCount": {SellerID: 61, Ratings: 2, RatingSum: 1, Version: 9},
			"SumAboveFive":  {SellerID: 61, Ratings: 1, RatingSum: 6, Version: 9},
			"NegativeSales": {SellerID: 61, Sales: -1, Version: 9},
			"NoVersion":     {SellerID: 61},
		} {
			require.Equal(t, apperr.Invalid, apperr.KindOf(b.svc.SetSellerStats(ctx, bad)), name)
		}
		require.Equal(t, v3, StatsOf(ctx, t, b.pool, 61))
	})

	t.Run("SellerOnSale", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		var onSale []catalog.BookID
		for i := range 5 {
			onSale = append(onSale, CreateBook(ctx, t, b.pool, &BookOpts{SellerID: 71, SellerName: "Jun", Title: fmt.Sprintf("On sale %d", i)}).ID)
		}
		CreateBook(ctx, t, b.pool, &BookOpts{SellerID: 71, Status: catalog.StatusPaused})
		CreateBook(ctx, t, b.pool, &BookOpts{SellerID: 72})
		sold := CreateBook(ctx, t, b.pool, &BookOpts{SellerID: 71, Copies: 1})
		require.NoError(t, reserve(b.svc, nextOrder(), LineOf(sold, 1)))

		p1, err := b.svc.SellerOnSale(ctx, 71, 1, 3)
		require.NoError(t, err)
		require.Equal(t, "Jun", p1.Seller.Name)
		require.Equal(t, auth.UserID(71), p1.Seller.ID)
		require.False(t, p1.Seller.MemberSince.IsZero())
		require.True(t, p1.HasNext)
		p2, err := b.svc.SellerOnSale(ctx, 71, 2, 3)
		require.NoError(t, err)
		require.False(t, p2.HasNext)
		var got []catalog.BookID
		for _, l := range append(p1.Listings, p2.Listings...) {
			require.Equal(t, auth.UserID(71), l.SellerID)
			require.True(t, l.Buyable())
			got = append(got, l.ID)
		}
		require.Equal(t, []catalog.BookID{onSale[4], onSale[3], onSale[2], onSale[1], onSale[0]}, got, "on sale only, newest first")

		_, err = b.svc.SellerOnSale(ctx, 99_999, 1, 3)
		require.ErrorIs(t, err, catalog.ErrNotFound)
		for _, pp := range [][2]int{{0, 3}, {1, 0}, {1, catalog.MaxSellerPage + 1}, {1001, 3}} {
			_, err := b.svc.SellerOnSale(ctx, 71, pp[0], pp[1])
			require.Equal(t, apperr.Invalid, apperr.KindOf(err), pp)
		}
	})

	t.Run("RaceForTheLastCopies", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		copies := []int{1, 2, 3, 5}
		books := make([]catalog.Book, len(copies))
		for i, c := range copies {
			books[i] = CreateBook(ctx, t, b.pool, &BookOpts{Copies: c, SellerID: 50})
		}
		const buyers = 64
		type result struct {
			order int64
			book  int
			err   error
		}
		results := make([]result, buyers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range buyers {
			results[i] = result{order: nextOrder(), book: i % len(books)}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r := &results[i]
				r.err = reserve(b.svc, r.order, LineOf(books[r.book], 1))
			}()
		}
		close(start)
		wg.Wait()

		won := make([]int, len(books))
		var winners []int64
		for _, r := range results {
			if r.err == nil {
				won[r.book]++
				winners = append(winners, r.order)
				continue
			}
			require.ErrorIs(t, r.err, catalog.ErrOutOfStock)
		}
		require.Equal(t, copies, won, "exactly k buyers win the last k copies")
		for i, bk := range books {
			require.Equal(t, Counts{Listed: copies[i], Held: copies[i]}, StockOf(ctx, t, b.pool, bk.ID))
		}

		// Replays of every call, racing each other, change nothing.
		runAll := func(fn func(r result) error) []error {
			errs := make([]error, len(results))
			var wg sync.WaitGroup
			for i, r := range results {
				wg.Add(1)
				go func() { defer wg.Done(); errs[i] = fn(r) }()
			}
			wg.Wait()
			return errs
		}
		runAll(func(r result) error {
			return reserve(b.svc, r.order, LineOf(books[r.book], 1))
		})
		for i, bk := range books {
			require.Equal(t, Counts{Listed: copies[i], Held: copies[i]}, StockOf(ctx, t, b.pool, bk.ID))
		}
		require.ElementsMatch(t, winners, allHeld(t, b.svc))

		// Winners with an even order id pay, the others cancel; every call
		// runs twice at once.
		for range 2 {
			errs := runAll(func(r result) error {
				if r.order%2 == 0 {
					notHeld, err := b.svc.Confirm(ctx, []int64{r.order})
					if err == nil && len(notHeld) > 0 {
						err = catalog.ErrNotHeld
					}
					return err
				}
				return b.svc.Release(ctx, r.order)
			})
			for i, e := range errs {
				if results[i].err == nil || results[i].order%2 != 0 {
					require.NoError(t, e)
				} else {
					require.True(t, errors.Is(e, catalog.ErrNotHeld), fmt.Sprint(e))
				}
			}
		}
		sold := make([]int, len(books))
		for _, r := range results {
			if r.err == nil && r.order%2 == 0 {
				sold[r.book]++
			}
		}
		for i, bk := range books {
			c := StockOf(ctx, t, b.pool, bk.ID)
			require.Equal(t, Counts{Listed: copies[i], Available: copies[i] - sold[i], Sold: sold[i]}, c)
			require.Equal(t, c.Listed, c.Available+c.Held+c.Sold)
		}
		require.Empty(t, allHeld(t, b.svc))
	})
}

// salesOf reads the copies of a listing each order's recorded sale counts.
func salesOf(ctx context.Context, t *testing.T, pool *pgxpool.Pool, id catalog.BookID) map[int64]int {
	t.Helper()
	rows, err := pool.Query(ctx, "SELECT order_id, quantity FROM catalog.sales WHERE book_id = $1", int64(id))
	require.NoError(t, err)
	sales := map[int64]int{}
	for rows.Next() {
		var order int64
		var n int
		require.NoError(t, rows.Scan(&order, &n))
		sales[order] = n
	}
	require.NoError(t, rows.Err())
	return sales
}
