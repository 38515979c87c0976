package service_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
)

const dune = "9780441013593"

func TestService_EditionFacts(t *testing.T) {
	t.Parallel()
	t.Run("CommonestValueOfEachField", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{ISBN: dune, Title: "Dune", Author: "Frank Herbert", Year: 1990, Language: "en"})
		catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{ISBN: dune, Title: "Dune", Author: "F. Herbert", Language: "en", Status: catalog.StatusArchived})
		catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{ISBN: dune, Title: "DUNE (Ace)", Author: "Frank Herbert", Year: 1990, Language: "fr"})
		catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{ISBN: "9780141439518", Title: "Pride and Prejudice", Year: 2003})
		e, err := b.svc.EditionFacts(ctx, "0-441-01359-7")
		require.NoError(t, err, "an ISBN-10 finds the edition stored as ISBN-13")
		require.Equal(t, service.KnownEdition{ISBN: dune, Title: "Dune", Author: "Frank Herbert", Language: "en", Year: 1990, Listings: 3}, e,
			"sold-out and archived listings count; a listing without a year does not outvote those with one")
	})
	t.Run("TieGoesToTheNewest", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{ISBN: dune, Title: "Dune", Year: 1965})
		catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{ISBN: dune, Title: "Dune (40th anniversary)", Year: 2005})
		e, err := b.svc.EditionFacts(ctx, dune)
		require.NoError(t, err)
		require.Equal(t, "Dune (40th anniversary)", e.Title)
		require.Equal(t, 2005, e.Year)
	})
	t.Run("WithheldListingsLeftOut", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		hidden := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{ISBN: dune, Title: "Spam spam spam"})
		require.NoError(t, b.svc.Hide(ctx, b.admin, hidden.ID, "spam"))
		catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{ISBN: dune, Title: "A draft", Status: catalog.StatusDraft})
		catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{ISBN: dune, Title: "Banned seller's", SellerID: 77})
		catalogtest.SetSellerDisabled(ctx, t, b.pool, 77, true)
		e, err := b.svc.EditionFacts(ctx, "0441013597")
		require.ErrorIs(t, err, service.ErrUnknownEdition, "hidden, draft and disabled sellers' listings say nothing")
		require.Equal(t, service.KnownEdition{ISBN: dune}, e, "the ISBN as the shop stores it, to show")
		catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{ISBN: dune, Title: "Dune"})
		e, err = b.svc.EditionFacts(ctx, dune)
		require.NoError(t, err)
		require.Equal(t, "Dune", e.Title)
		require.Equal(t, 1, e.Listings)
		require.Zero(t, e.Year, "no listing gave a year")
	})
	t.Run("BadISBN", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		_, err := b.svc.EditionFacts(ctx, "9780441013594")
		require.Contains(t, fieldsOf(t, err)["isbn"], "check digit")
		_, err = b.svc.EditionFacts(ctx, "dune")
		require.Contains(t, fieldsOf(t, err), "isbn")
	})
}

func TestService_Guide(t *testing.T) {
	t.Parallel()
	t.Run("Empty", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		g, err := b.svc.Guide(ctx, dune, catalog.ConditionGood)
		require.NoError(t, err)
		require.Equal(t, service.PriceGuide{ISBN: dune, Condition: catalog.ConditionGood, SalesDays: 180}, g)
	})
	t.Run("RangeAndMedian", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		good := func(cents int64, copies int) catalog.Book {
			return catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{ISBN: dune, PriceCents: cents, Copies: copies, Condition: catalog.ConditionGood})
		}
		good(800, 2)
		good(1500, 1)
		soldOut := good(100, 1)
		sell(t, b, soldOut.ID, 1)
		hidden := good(50, 1)
		require.NoError(t, b.svc.Hide(ctx, b.admin, hidden.ID, "fake"))
		paused := good(60, 1)
		catalogtest.SetStatus(ctx, t, b.pool, paused.ID, catalog.StatusPaused)
		catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{ISBN: dune, PriceCents: 70, Condition: catalog.ConditionGood, SellerID: 78})
		catalogtest.SetSellerDisabled(ctx, t, b.pool, 78, true)
		catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{ISBN: dune, PriceCents: 9000, Condition: catalog.ConditionFine})
		many := good(1200, 5)
		sell(t, b, many.ID, 3)
		sell(t, b, good(2000, 1).ID, 1)

		g, err := b.svc.Guide(ctx, dune, catalog.ConditionGood)
		require.NoError(t, err)
		require.Equal(t, 3, g.OnSale, "the 8.00, 15.00 and 12.00 listings; not sold out, hidden, paused, disabled or Fine ones")
		require.Equal(t, 5, g.OnSaleCopies)
		require.Equal(t, int64(800), g.MinCents)
		require.Equal(t, int64(1500), g.MaxCents)
		require.Equal(t, 5, g.Sold, "1 at 1.00, 3 at 12.00, 1 at 20.00")
		require.Equal(t, int64(1200), g.MedianCents)

		all, err := b.svc.Guide(ctx, dune, "")
		require.NoError(t, err)
		require.Equal(t, int64(9000), all.MaxCents, "no condition: every grade")
		require.Equal(t, 4, all.OnSale)
	})
	t.Run("MedianOfAnEvenCountAndPricePaid", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		a := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{ISBN: dune, PriceCents: 1000})
		c := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{ISBN: dune, PriceCents: 1501})
		sell(t, b, a.ID, 1)
		order := orderSeq.Add(1)
		catalogtest.Hold(ctx, t, b.svc, b.pool, order, c.ID, 1)
		catalogtest.SetPrice(ctx, t, b.pool, c.ID, 99_000)
		catalogtest.Sell(ctx, t, b.svc, order)
		catalogtest.Sell(ctx, t, b.svc, order) // a repeated confirm records nothing twice
		g, err := b.svc.Guide(ctx, dune, catalog.ConditionGood)
		require.NoError(t, err)
		require.Equal(t, 2, g.Sold)
		require.Equal(t, int64(1251), g.MedianCents, "the middle of 10.00 and 15.01, each at the price held, rounded to a cent")
	})
	t.Run("OldAndHiddenSalesLeftOut", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		old := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{ISBN: dune, PriceCents: 300})
		sell(t, b, old.ID, 1)
		// The test clock stands at 2026-06-01: this sale is 181 days old.
		_, err := b.pool.Exec(ctx, "UPDATE catalog.sales SET sold_at = $2 WHERE book_id = $1", int64(old.ID), time.Date(2025, 12, 2, 12, 0, 0, 0, time.UTC))
		require.NoError(t, err)
		fraud := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{ISBN: dune, PriceCents: 100_000})
		sell(t, b, fraud.ID, 1)
		require.NoError(t, b.svc.Hide(ctx, b.admin, fraud.ID, "shill sale"))
		noISBN := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{PriceCents: 700})
		sell(t, b, noISBN.ID, 1)
		g, err := b.svc.Guide(ctx, dune, catalog.ConditionGood)
		require.NoError(t, err)
		require.Zero(t, g.Sold)
		require.Zero(t, g.MedianCents)
		var n int
		require.NoError(t, b.pool.QueryRow(ctx, "SELECT count(*) FROM catalog.sales").Scan(&n))
		require.Equal(t, 2, n, "a listing without an ISBN records no edition sale")
	})
	t.Run("Invalid", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		_, err := b.svc.Guide(ctx, dune, "mint")
		require.Contains(t, fieldsOf(t, err), "condition")
		_, err = b.svc.Guide(ctx, "123", catalog.ConditionGood)
		require.Equal(t, apperr.Invalid, apperr.KindOf(err))
		require.Contains(t, fieldsOf(t, err), "isbn")
	})
}

var orderSeq atomic.Int64

// sell confirms an order of quantity copies of a listing at its price now,
// as a paid checkout does.
func sell(t *testing.T, b *bundle, id catalog.BookID, quantity int) {
	t.Helper()
	order := orderSeq.Add(1)
	catalogtest.Hold(t.Context(), t, b.svc, b.pool, order, id, quantity)
	catalogtest.Sell(t.Context(), t, b.svc, order)
}
