package service_test

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/photos"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type bundle struct {
	svc    *service.Service
	pool   *pgxpool.Pool
	photos *photos.Mem
	seller auth.User
	other  auth.User
	admin  auth.User
}

func setup(t *testing.T) (*bundle, context.Context) {
	t.Helper()
	pool := pgtest.New(t)
	mem := photos.NewMemStore()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	svc := service.New(pool, &service.Options{MaxPriceCents: 500_000, Photos: mem, NowFunc: func() time.Time { return now }})
	return &bundle{
		svc: svc, pool: pool, photos: mem,
		seller: auth.User{ID: 11, Name: "Sally Seller", Role: auth.RoleMember, EmailVerified: true},
		other:  auth.User{ID: 12, Name: "Otto Other", Role: auth.RoleMember, EmailVerified: true},
		admin:  auth.User{ID: 13, Name: "Ada Admin", Role: auth.RoleAdmin, EmailVerified: true},
	}, context.Background()
}

func validInput() service.Input {
	return service.Input{
		Title: "Le Petit Prince", Author: "Antoine de Saint-Exupéry", ISBN: "0-14-143951-3",
		Condition: catalog.ConditionVeryGood, ConditionNote: "Name on flyleaf", PriceCents: 1250,
		Copies: 2, Description: "A classic.", Language: "fr", Year: 1943,
	}
}

func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	e := apperr.As(err)
	require.NotNil(t, e, "want an apperr, got %v", err)
	require.Equal(t, apperr.Invalid, e.Kind, err.Error())
	return e.Fields
}

func TestService_Create(t *testing.T) {
	t.Parallel()
	t.Run("Valid", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		l, err := b.svc.Create(ctx, b.seller, validInput())
		require.NoError(t, err)
		require.Equal(t, "9780141439518", l.ISBN)
		require.Equal(t, catalog.StatusActive, l.Status)
		require.Equal(t, 2, l.Available)
		require.Equal(t, 2, l.Listed)
		require.Equal(t, "Sally Seller", l.SellerName)
		require.Equal(t, "USD", l.Currency)
		require.Equal(t, 1943, l.Year)
	})
	t.Run("Draft", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		in := validInput()
		in.Draft = true
		l, err := b.svc.Create(ctx, b.seller, in)
		require.NoError(t, err)
		require.Equal(t, catalog.StatusDraft, l.Status)
		require.False(t, l.Buyable())
	})
	t.Run("UnverifiedSellerDraftsOnly", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		unverified := b.seller
		unverified.EmailVerified = false
		_, err := b.svc.Create(ctx, unverified, validInput())
		require.ErrorIs(t, err, service.ErrUnverified)
		in := validInput()
		in.Draft = true
		l, err := b.svc.Create(ctx, unverified, in)
		require.NoError(t, err, "a draft keeps what was typed")
		_, err = b.svc.SetStatus(ctx, unverified, l.ID, catalog.StatusActive)
		require.ErrorIs(t, err, service.ErrUnverified)
		l, err = b.svc.SetStatus(ctx, b.seller, l.ID, catalog.StatusActive)
		require.NoError(t, err, "once verified, the draft is published")
		require.Equal(t, catalog.StatusActive, l.Status)
	})
	t.Run("SignedOut", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		_, err := b.svc.Create(ctx, auth.User{}, validInput())
		require.ErrorIs(t, err, auth.ErrUnauthenticated)
	})
	t.Run("Invalid", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		cases := map[string]struct {
			edit  func(*service.Input)
			field string
		}{
			"NoTitle":          {func(i *service.Input) { i.Title = "  " }, "title"},
			"LongTitle":        {func(i *service.Input) { i.Title = strings.Repeat("x", 10_000) }, "title"},
			"NoAuthor":         {func(i *service.Input) { i.Author = "" }, "author"},
			"BadISBNCheck":     {func(i *service.Input) { i.ISBN = "978-0-14-143951-9" }, "isbn"},
			"BadISBNShape":     {func(i *service.Input) { i.ISBN = "12345" }, "isbn"},
			"BadCondition":     {func(i *service.Input) { i.Condition = "mint" }, "condition"},
			"ZeroPrice":        {func(i *service.Input) { i.PriceCents = 0 }, "price_cents"},
			"NegativePrice":    {func(i *service.Input) { i.PriceCents = -100 }, "price_cents"},
			"PriceOverMax":     {func(i *service.Input) { i.PriceCents = 500_001 }, "price_cents"},
			"ZeroCopies":       {func(i *service.Input) { i.Copies = 0 }, "copies"},
			"ThousandCopies":   {func(i *service.Input) { i.Copies = 1000 }, "copies"},
			"FutureYear":       {func(i *service.Input) { i.Year = 2027 }, "year"},
			"AncientYear":      {func(i *service.Input) { i.Year = 1200 }, "year"},
			"UnknownLanguage":  {func(i *service.Input) { i.Language = "klingon" }, "language"},
			"LongNote":         {func(i *service.Input) { i.ConditionNote = strings.Repeat("é", service.MaxNote+1) }, "condition_note"},
			"LongDescription":  {func(i *service.Input) { i.Description = strings.Repeat("d", service.MaxDescription+1) }, "description"},
			"InvalidUTF8Title": {func(i *service.Input) { i.Title = "bad \xff" }, "title"},
			"BidiTitle":        {func(i *service.Input) { i.Title = "\u202enimdA" }, "title"},
			"InvisibleAuthor":  {func(i *service.Input) { i.Author = "Tolk\u200bien" }, "author"},
			"TwoLineTitle":     {func(i *service.Input) { i.Title = "one\ntwo" }, "title"},
			"NULDescription":   {func(i *service.Input) { i.Description = "a\x00b" }, "description"},
		}
		for name, c := range cases {
			in := validInput()
			c.edit(&in)
			_, err := b.svc.Create(ctx, b.seller, in)
			require.Contains(t, fieldsOf(t, err), c.field, name)
		}
		n, err := b.svc.CountListings(ctx)
		require.NoError(t, err)
		require.Zero(t, n, "nothing invalid is stored")
	})
	t.Run("InjectionStoredAsText", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		in := validInput()
		in.Title = `<script>alert(1)</script>'; DROP TABLE catalog.books;--`
		in.Author = "مؤلف ‏עברית"
		l, err := b.svc.Create(ctx, b.seller, in)
		require.NoError(t, err)
		got, err := b.svc.Listing(ctx, l.ID)
		require.NoError(t, err)
		require.Equal(t, in.Title, got.Title)
		require.Equal(t, in.Author, got.Author)
	})
}

func TestService_Update(t *testing.T) {
	t.Parallel()
	t.Run("BySeller", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		l, err := b.svc.Create(ctx, b.seller, validInput())
		require.NoError(t, err)
		in := validInput()
		in.Title, in.PriceCents, in.Copies, in.ISBN = "New title", 999, 5, ""
		got, err := b.svc.Update(ctx, b.seller, l.ID, service.EditOf(in))
		require.NoError(t, err)
		require.Equal(t, "New title", got.Title)
		require.Equal(t, int64(999), got.PriceCents)
		require.Equal(t, 5, got.Available)
		require.Empty(t, got.ISBN)
	})
	t.Run("ByOtherUserIsNotFoundAndChangesNothing", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		l, err := b.svc.Create(ctx, b.seller, validInput())
		require.NoError(t, err)
		in := validInput()
		in.Title = "Hijacked"
		_, err = b.svc.Update(ctx, b.other, l.ID, service.EditOf(in))
		require.ErrorIs(t, err, catalog.ErrNotFound)
		_, err = b.svc.Update(ctx, b.other, l.ID, service.Edit{})
		require.ErrorIs(t, err, catalog.ErrNotFound, "authorization is checked before validation")
		_, err = b.svc.SetStatus(ctx, b.other, l.ID, catalog.StatusPaused)
		require.ErrorIs(t, err, catalog.ErrNotFound)
		_, err = b.svc.Delete(ctx, b.other, l.ID)
		require.ErrorIs(t, err, catalog.ErrNotFound)
		_, err = b.svc.AddPhoto(ctx, b.other, l.ID, catalogtest.JPEG(10, 10))
		require.ErrorIs(t, err, catalog.ErrNotFound)
		got, err := b.svc.Listing(ctx, l.ID)
		require.NoError(t, err)
		require.Equal(t, l.Title, got.Title)
		require.Equal(t, catalog.StatusActive, got.Status)
		require.Empty(t, got.Photos)
	})
	t.Run("Unknown", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		_, err := b.svc.Update(ctx, b.seller, 4242, service.EditOf(validInput()))
		require.ErrorIs(t, err, catalog.ErrNotFound)
	})
	// A sold-out listing's seller fixes its text and price with no copy
	// left; a new listing needs one.
	t.Run("SoldOut", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		in := validInput()
		in.Copies = 1
		l, err := b.svc.Create(ctx, b.seller, in)
		require.NoError(t, err)
		catalogtest.Hold(ctx, t, b.svc, b.pool, 1, l.ID, 1)
		catalogtest.Sell(ctx, t, b.svc, 1)
		in.Copies, in.Description = 0, "Foxed, but complete."
		require.NoError(t, b.svc.ValidateEdit(in))
		require.Contains(t, fieldsOf(t, b.svc.Validate(in))["copies"], "between 1 and")
		got, err := b.svc.Update(ctx, b.seller, l.ID, service.EditOf(in))
		require.NoError(t, err)
		require.Equal(t, "Foxed, but complete.", got.Description)
		require.True(t, got.SoldOut())
		require.Equal(t, 1, got.Sold)
		in.Copies = -1
		_, err = b.svc.Update(ctx, b.seller, l.ID, service.EditOf(in))
		require.Contains(t, fieldsOf(t, err)["copies"], "between 0 and")

		// A listing with copies is not emptied by an edit: it is paused or
		// deleted.
		other, err := b.svc.Create(ctx, b.seller, validInput())
		require.NoError(t, err)
		in.Copies = 0
		_, err = b.svc.Update(ctx, b.seller, other.ID, service.EditOf(in))
		require.Contains(t, fieldsOf(t, err)["copies"], "between 1 and")
	})
	t.Run("CopiesNotBelowHeld", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		in := validInput()
		in.Copies = 5
		l, err := b.svc.Create(ctx, b.seller, in)
		require.NoError(t, err)
		catalogtest.Hold(ctx, t, b.svc, b.pool, 1, l.ID, 3)
		in.Copies = 2
		_, err = b.svc.Update(ctx, b.seller, l.ID, service.EditOf(in))
		require.Contains(t, fieldsOf(t, err)["copies"], "hold 3 copies")
		in.Copies = 3
		got, err := b.svc.Update(ctx, b.seller, l.ID, service.EditOf(in))
		require.NoError(t, err)
		require.Equal(t, 0, got.Available)
		require.Equal(t, 3, got.Held)
		require.True(t, got.SoldOut())
		catalogtest.Sell(ctx, t, b.svc, 1)
		in.Copies = 4
		got, err = b.svc.Update(ctx, b.seller, l.ID, service.EditOf(in))
		require.NoError(t, err)
		require.Equal(t, 4, got.Available)
		require.Equal(t, 3, got.Sold)
		require.Equal(t, 7, got.Listed, "listed = available + held + sold")
	})
	// openForm creates a listing of copies and returns it with a save as
	// its edit form does, which carries the copies it was opened on.
	openForm := func(t *testing.T, copies int) (*bundle, context.Context, service.Listing, func(in service.Input, base int) (service.Listing, error)) {
		t.Helper()
		b, ctx := setup(t)
		in := validInput()
		in.Copies = copies
		l, err := b.svc.Create(ctx, b.seller, in)
		require.NoError(t, err)
		return b, ctx, l, func(in service.Input, base int) (service.Listing, error) {
			e := service.EditOf(in)
			e.CopiesBase = &base
			return b.svc.Update(ctx, b.seller, l.ID, e)
		}
	}
	t.Run("StaleFormNeverPutsSoldCopiesBack", func(t *testing.T) {
		// The case: the form opens on 3 copies, one sells, the
		// seller saves having changed only the description.
		t.Parallel()
		b, ctx, l, save := openForm(t, 3)
		base := l.Copies()
		catalogtest.Hold(ctx, t, b.svc, b.pool, 1, l.ID, 1)
		catalogtest.Sell(ctx, t, b.svc, 1)

		in := validInput()
		in.Copies = 3
		in.Description = "Spine slightly faded."
		got, err := save(in, base)
		require.NoError(t, err)
		require.Equal(t, "Spine slightly faded.", got.Description)
		require.Equal(t, catalogtest.Counts{Listed: 3, Available: 2, Sold: 1}, catalogtest.StockOf(ctx, t, b.pool, l.ID))

		in.Copies = 5
		_, err = save(in, base)
		require.ErrorIs(t, err, service.ErrStaleCopies)
		require.Equal(t, apperr.Conflict, apperr.KindOf(err))
		require.Contains(t, apperr.As(err).Fields["copies"], "you have 2 copies now, not 3: a sale or another edit changed them since you last saw them")
		require.Equal(t, catalogtest.Counts{Listed: 3, Available: 2, Sold: 1}, catalogtest.StockOf(ctx, t, b.pool, l.ID), "a refused edit changes nothing")

		_, err = save(in, got.Copies())
		require.NoError(t, err)
		require.Equal(t, catalogtest.Counts{Listed: 6, Available: 5, Sold: 1}, catalogtest.StockOf(ctx, t, b.pool, l.ID))
	})
	t.Run("StaleFormAfterAnotherEditClaimsNoSale", func(t *testing.T) {
		// The audit's case: two tabs open on 5 copies, one saves 2, the
		// other then saves 6; nothing sold, so the message must not say so.
		t.Parallel()
		b, ctx, l, save := openForm(t, 5)
		in := validInput()
		in.Copies = 2
		_, err := save(in, 5)
		require.NoError(t, err)
		in.Copies = 6
		_, err = save(in, 5)
		require.ErrorIs(t, err, service.ErrStaleCopies)
		require.Equal(t, "you have 2 copies now, not 5: a sale or another edit changed them since you last saw them; enter the copies you have now", apperr.As(err).Fields["copies"])

		// Copies only come back by an edit, so a rise names no sale.
		in.Copies = 7
		_, err = save(in, 1)
		require.ErrorIs(t, err, service.ErrStaleCopies)
		require.Equal(t, "you have 2 copies now, not 1: another edit changed them since you last saw them; enter the copies you have now", apperr.As(err).Fields["copies"])
		require.Equal(t, catalogtest.Counts{Listed: 2, Available: 2}, catalogtest.StockOf(ctx, t, b.pool, l.ID), "refused edits change nothing")
	})
	t.Run("OnlyTheFieldsSentWhileCopiesSell", func(t *testing.T) {
		// The concurrent PATCHes of the description while orders
		// ship: listed stays 40.
		t.Parallel()
		b, ctx := setup(t)
		in := validInput()
		in.Copies = 40
		l, err := b.svc.Create(ctx, b.seller, in)
		require.NoError(t, err)
		line := catalogtest.LineOf(catalogtest.ReadBook(ctx, t, b.pool, l.ID), 1)
		errs := make(chan error, 20)
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Go(func() {
				d := fmt.Sprintf("edit %d", i)
				_, err := b.svc.Update(ctx, b.seller, l.ID, service.Edit{Description: &d})
				errs <- err
			})
			wg.Go(func() {
				order := int64(i + 1)
				err := b.svc.Reserve(ctx, catalog.Reservation{OrderID: order, Lines: []catalog.Line{line}})
				if err == nil {
					_, err = b.svc.Confirm(ctx, []int64{order})
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.Equal(t, catalogtest.Counts{Listed: 40, Available: 30, Sold: 10}, catalogtest.StockOf(ctx, t, b.pool, l.ID))
		got, err := b.svc.Listing(ctx, l.ID)
		require.NoError(t, err)
		require.Equal(t, l.Title, got.Title, "fields not sent keep their values")
		require.Equal(t, l.PriceCents, got.PriceCents)
	})
}

// TestService_SaleKeepsTheListingOnItsPage: a sale changes only the
// listing's stock, which no index holds, and its page keeps room for the
// new version (fillfactor), so the update is HOT: no index entry is added,
// and a newest-first search still reads listings of one age from one page.
// On full pages the new version would move to another. The listings are
// short enough that both new versions of a sale (held, then sold) fit in
// the free tenth without the first being pruned, which waits while another
// snapshot (an autoanalyze of the fresh rows) may still see it.
func TestService_SaleKeepsTheListingOnItsPage(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	_, err := b.pool.Exec(ctx, `INSERT INTO catalog.books (seller_id, title, author, description, condition, price_cents, listed, available)
		SELECT 1, 'Garden ' || g, 'Ann Author', repeat('A story about a garden. ', 3), 'good', 1000, 3, 3 FROM generate_series(1, 600) g`)
	require.NoError(t, err)
	page := func(id catalog.BookID) (n int) {
		t.Helper()
		require.NoError(t, b.pool.QueryRow(ctx, "SELECT (ctid::text::point)[0]::int FROM catalog.books WHERE id = $1", id).Scan(&n))
		return n
	}
	// One listing in 40, on pages the listings after them filled.
	for id := catalog.BookID(40); id <= 400; id += 40 {
		before := page(id)
		line := catalogtest.LineOf(catalogtest.ReadBook(ctx, t, b.pool, id), 1)
		require.NoError(t, b.svc.Reserve(ctx, catalog.Reservation{OrderID: int64(id), Lines: []catalog.Line{line}}))
		_, err := b.svc.Confirm(ctx, []int64{int64(id)})
		require.NoError(t, err)
		require.Equal(t, before, page(id), "listing %d moved", id)
	}
}

func TestService_Lifecycle(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	in := validInput()
	in.Draft = true
	l, err := b.svc.Create(ctx, b.seller, in)
	require.NoError(t, err)

	_, err = b.svc.SetStatus(ctx, b.seller, l.ID, catalog.StatusPaused)
	require.ErrorIs(t, err, service.ErrState, "a draft is published before it can pause")
	got, err := b.svc.SetStatus(ctx, b.seller, l.ID, catalog.StatusActive)
	require.NoError(t, err)
	require.Equal(t, catalog.StatusActive, got.Status)
	got, err = b.svc.SetStatus(ctx, b.seller, l.ID, catalog.StatusPaused)
	require.NoError(t, err)
	require.Equal(t, catalog.StatusPaused, got.Status)
	require.Equal(t, catalog.StatusPaused, got.Status)
	got, err = b.svc.SetStatus(ctx, b.seller, l.ID, catalog.StatusPaused)
	require.NoError(t, err, "repeating a transition is harmless")
	require.Equal(t, catalog.StatusPaused, got.Status)
	got, err = b.svc.SetStatus(ctx, b.seller, l.ID, catalog.StatusActive)
	require.NoError(t, err)
	require.Equal(t, catalog.StatusActive, got.Status)
	_, err = b.svc.SetStatus(ctx, b.seller, l.ID, catalog.StatusArchived)
	require.Equal(t, apperr.Invalid, apperr.KindOf(err))
	_, err = b.svc.SetStatus(ctx, b.seller, l.ID, catalog.StatusDraft)
	require.Equal(t, apperr.Invalid, apperr.KindOf(err))
}

func TestService_Delete(t *testing.T) {
	t.Parallel()
	t.Run("WithoutOrdersDeletes", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		l, err := b.svc.Create(ctx, b.seller, validInput())
		require.NoError(t, err)
		_, err = b.svc.AddPhoto(ctx, b.seller, l.ID, catalogtest.JPEG(50, 80))
		require.NoError(t, err)
		require.Equal(t, 2, b.photos.Len())
		archived, err := b.svc.Delete(ctx, b.seller, l.ID)
		require.NoError(t, err)
		require.False(t, archived)
		_, err = b.svc.Listing(ctx, l.ID)
		require.ErrorIs(t, err, catalog.ErrNotFound)
		require.Zero(t, b.photos.Len(), "the photo files go too")
	})
	t.Run("WithOrdersArchives", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		l, err := b.svc.Create(ctx, b.seller, validInput())
		require.NoError(t, err)
		catalogtest.Hold(ctx, t, b.svc, b.pool, 7, l.ID, 1)
		catalogtest.Sell(ctx, t, b.svc, 7)
		archived, err := b.svc.Delete(ctx, b.seller, l.ID)
		require.NoError(t, err)
		require.True(t, archived)
		got, err := b.svc.Listing(ctx, l.ID)
		require.NoError(t, err)
		require.Equal(t, catalog.StatusArchived, got.Status)
		books, err := b.svc.Books(ctx, []catalog.BookID{l.ID})
		require.NoError(t, err)
		require.Equal(t, "Le Petit Prince", books[l.ID].Title, "orders still see what they bought")

		_, err = b.svc.Update(ctx, b.seller, l.ID, service.EditOf(validInput()))
		require.ErrorIs(t, err, service.ErrArchived)
		_, err = b.svc.SetStatus(ctx, b.seller, l.ID, catalog.StatusActive)
		require.ErrorIs(t, err, service.ErrArchived)
		_, err = b.svc.Delete(ctx, b.seller, l.ID)
		require.ErrorIs(t, err, service.ErrArchived)
	})
}

func TestService_Hide(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	l, err := b.svc.Create(ctx, b.seller, validInput())
	require.NoError(t, err)
	require.ErrorIs(t, b.svc.Hide(ctx, b.other, l.ID, "spam"), service.ErrNotAdmin)
	require.Contains(t, fieldsOf(t, b.svc.Hide(ctx, b.admin, l.ID, "  ")), "reason")
	for _, bad := range []string{"nul\x00byte", "bad \xff byte", "\u202eesrever"} {
		require.Contains(t, fieldsOf(t, b.svc.Hide(ctx, b.admin, l.ID, bad)), "reason", "%q", bad)
	}
	require.ErrorIs(t, b.svc.Hide(ctx, b.admin, 999_999, "spam"), catalog.ErrNotFound)
	require.NoError(t, b.svc.Hide(ctx, b.admin, l.ID, "Counterfeit copy"))
	// A second hide is refused, naming the reason its seller keeps seeing.
	err = b.svc.Hide(ctx, b.admin, l.ID, "Rude description")
	require.ErrorIs(t, err, service.ErrAlreadyHidden)
	require.Equal(t, apperr.Conflict, apperr.KindOf(err))
	require.Equal(t, "this listing is already hidden: Counterfeit copy; show it again first to hide it for another reason", apperr.As(err).Message)
	// Its seller may pause a hidden listing, never put it back on sale.
	paused, err := b.svc.Create(ctx, b.seller, validInput())
	require.NoError(t, err)
	require.NoError(t, b.svc.Hide(ctx, b.admin, paused.ID, "Shill sale"))
	_, err = b.svc.SetStatus(ctx, b.seller, paused.ID, catalog.StatusPaused)
	require.NoError(t, err)
	for range 2 {
		_, err = b.svc.SetStatus(ctx, b.seller, paused.ID, catalog.StatusActive)
		require.ErrorIs(t, err, service.ErrHiddenByAdmin)
		require.Contains(t, apperr.As(err).Message, "Shill sale")
	}
	_, err = b.svc.Delete(ctx, b.seller, paused.ID)
	require.NoError(t, err, "the checks below count one hidden listing")

	got, err := b.svc.Listing(ctx, l.ID)
	require.NoError(t, err)
	require.Equal(t, "Counterfeit copy", got.HiddenReason)
	require.True(t, got.Hidden)
	require.False(t, got.VisibleTo(auth.User{}, false))
	require.True(t, got.VisibleTo(b.seller, true), "the seller sees the reason")
	require.True(t, got.VisibleTo(b.admin, true))
	res, err := b.svc.Search(ctx, service.Query{})
	require.NoError(t, err)
	require.Empty(t, res.Listings)
	hidden, _, err := b.svc.AdminListings(ctx, b.admin, service.AdminFilter{State: service.StateHidden}, 1, 10)
	require.NoError(t, err)
	require.Len(t, hidden, 1)
	onSale, _, err := b.svc.AdminListings(ctx, b.admin, service.AdminFilter{State: service.StateOnSale}, 1, 10)
	require.NoError(t, err)
	require.Empty(t, onSale, "a hidden listing is not on sale, whatever its seller's status")
	_, _, err = b.svc.AdminListings(ctx, b.seller, service.AdminFilter{}, 1, 10)
	require.ErrorIs(t, err, service.ErrNotAdmin)
	require.Contains(t, fieldsOf(t, func() error {
		_, _, err := b.svc.AdminListings(ctx, b.admin, service.AdminFilter{State: "gone"}, 1, 10)
		return err
	}()), "state")

	_, _, err = b.svc.Unhide(ctx, b.seller, l.ID)
	require.ErrorIs(t, err, service.ErrNotAdmin)
	status, changed, err := b.svc.Unhide(ctx, b.admin, l.ID)
	require.NoError(t, err)
	require.True(t, changed)
	require.Equal(t, catalog.StatusActive, status, "its seller's status, back on sale")
	status, changed, err = b.svc.Unhide(ctx, b.admin, l.ID)
	require.NoError(t, err)
	require.False(t, changed, "it was no longer hidden")
	require.Equal(t, catalog.StatusActive, status)
	_, _, err = b.svc.Unhide(ctx, b.admin, 999_999)
	require.ErrorIs(t, err, catalog.ErrNotFound)
	res, err = b.svc.Search(ctx, service.Query{})
	require.NoError(t, err)
	require.Len(t, res.Listings, 1)
}

func TestService_AddPhoto(t *testing.T) {
	t.Parallel()
	t.Run("FormatsAreReencodedAndResized", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		l, err := b.svc.Create(ctx, b.seller, validInput())
		require.NoError(t, err)
		for _, c := range []struct {
			name string
			data []byte
		}{{"JPEG", catalogtest.JPEG(2400, 1600)}, {"PNG", catalogtest.PNG(30, 60)}, {"WebP", catalogtest.WebP}} {
			name, data := c.name, c.data
			p, err := b.svc.AddPhoto(ctx, b.seller, l.ID, data)
			require.NoError(t, err, name)
			f, err := b.photos.Open(ctx, strings.TrimPrefix(p.URL("large"), "/photos/"))
			require.NoError(t, err, name)
			img, err := jpeg.Decode(f)
			require.NoError(t, err, name)
			require.LessOrEqual(t, img.Bounds().Dx(), 1200, name)
			require.LessOrEqual(t, img.Bounds().Dy(), 1200, name)
		}
		got, err := b.svc.Listing(ctx, l.ID)
		require.NoError(t, err)
		require.Len(t, got.Photos, 3)
		require.Equal(t, 1200, got.Photos[0].Width, "photos keep their upload order")
		require.Equal(t, 800, got.Photos[0].Height)
		require.Equal(t, 30, got.Photos[1].Width, "small photos are not enlarged")
	})
	t.Run("MetadataIsStripped", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		l, err := b.svc.Create(ctx, b.seller, validInput())
		require.NoError(t, err)
		src := catalogtest.JPEG(40, 40)
		// An APP1 (EXIF) segment right after SOI, carrying a "GPS" marker.
		exif := append([]byte{0xFF, 0xE1, 0x00, 0x10}, []byte("Exif\x00\x00GPS-SECRET")...)
		withExif := append(append(append([]byte{}, src[:2]...), exif...), src[2:]...)
		p, err := b.svc.AddPhoto(ctx, b.seller, l.ID, withExif)
		require.NoError(t, err)
		f, err := b.photos.Open(ctx, strings.TrimPrefix(p.URL("large"), "/photos/"))
		require.NoError(t, err)
		var buf bytes.Buffer
		_, err = buf.ReadFrom(f)
		require.NoError(t, err)
		require.NotContains(t, buf.String(), "GPS-SECRET")
	})
	t.Run("Rejected", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		l, err := b.svc.Create(ctx, b.seller, validInput())
		require.NoError(t, err)
		big := make([]byte, 6<<20)
		copy(big, catalogtest.JPEG(10, 10))
		_, err = b.svc.AddPhoto(ctx, b.seller, l.ID, big)
		require.ErrorIs(t, err, service.ErrPhotoTooLarge)
		_, err = b.svc.AddPhoto(ctx, b.seller, l.ID, []byte("just some text, named photo.jpg"))
		require.ErrorIs(t, err, service.ErrPhotoType)
		truncated := catalogtest.JPEG(100, 100)[:200]
		_, err = b.svc.AddPhoto(ctx, b.seller, l.ID, truncated)
		require.ErrorIs(t, err, service.ErrPhotoType)
		_, err = b.svc.AddPhoto(ctx, b.seller, l.ID, []byte("GIF89a\x01\x00\x01\x00"))
		require.ErrorIs(t, err, service.ErrPhotoType)
		// The bomb: 301 KiB of PNG that decodes to 303 MiB.
		_, err = b.svc.AddPhoto(ctx, b.seller, l.ID, catalogtest.ZeroPNG(6300, 6300, 16, false))
		require.ErrorIs(t, err, service.ErrPhotoPixels)
		require.Contains(t, err.Error(), "6300×6300")
		require.Zero(t, b.photos.Len())
	})
	t.Run("TwelveMegapixelsInAnyForm", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		l, err := b.svc.Create(ctx, b.seller, validInput())
		require.NoError(t, err)
		_, err = b.svc.AddPhoto(ctx, b.seller, l.ID, catalogtest.ZeroPNG(4000, 3000, 8, false))
		require.NoError(t, err, "an 8-bit RGBA PNG")
		_, err = b.svc.AddPhoto(ctx, b.seller, l.ID, catalogtest.ZeroPNG(4000, 3000, 16, false))
		require.ErrorIs(t, err, service.ErrPhotoPixels, "a 16-bit one takes twice the memory")
	})
	t.Run("AtMostSix", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		l, err := b.svc.Create(ctx, b.seller, validInput())
		require.NoError(t, err)
		img := catalogtest.JPEG(20, 20)
		var last service.Photo
		for range service.MaxPhotos {
			last, err = b.svc.AddPhoto(ctx, b.seller, l.ID, img)
			require.NoError(t, err)
		}
		_, err = b.svc.AddPhoto(ctx, b.seller, l.ID, img)
		require.ErrorIs(t, err, service.ErrPhotoCount)
		require.ErrorIs(t, b.svc.DeletePhoto(ctx, b.other, l.ID, last.ID), catalog.ErrNotFound)
		require.NoError(t, b.svc.DeletePhoto(ctx, b.seller, l.ID, last.ID))
		require.ErrorIs(t, b.svc.DeletePhoto(ctx, b.seller, l.ID, last.ID), apperr.ErrNotFound)
		_, err = b.svc.AddPhoto(ctx, b.seller, l.ID, img)
		require.NoError(t, err)
	})
}

func TestService_Search(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	mk := func(o catalogtest.BookOpts) catalog.BookID {
		return catalogtest.CreateBook(ctx, t, b.pool, &o).ID
	}
	marquez := mk(catalogtest.BookOpts{Title: "Cien años de soledad", Author: "Gabriel García Márquez", Language: "es", PriceCents: 1500, Condition: catalog.ConditionFine})
	tolkien := mk(catalogtest.BookOpts{Title: "The Hobbit", Author: "J. R. R. Tolkien", ISBN: "9780261102217", PriceCents: 900, Condition: catalog.ConditionGood})
	rings := mk(catalogtest.BookOpts{Title: "The Lord of the Rings", Author: "J. R. R. Tolkien", PriceCents: 2500, Condition: catalog.ConditionPoor, Description: "Hobbit sequel"})
	paused := mk(catalogtest.BookOpts{Title: "Hobbit notes", Status: catalog.StatusPaused})
	_ = paused
	disabled := mk(catalogtest.BookOpts{Title: "Hobbit fan fiction", SellerID: 77})
	catalogtest.SetSellerDisabled(ctx, t, b.pool, 77, true)
	_ = disabled

	ids := func(q service.Query) []catalog.BookID {
		t.Helper()
		res, err := b.svc.Search(ctx, q)
		require.NoError(t, err)
		out := []catalog.BookID{}
		for _, l := range res.Listings {
			out = append(out, l.ID)
		}
		return out
	}
	require.Equal(t, []catalog.BookID{rings, tolkien, marquez}, ids(service.Query{}), "newest first, only what is on sale")
	require.Equal(t, []catalog.BookID{marquez}, ids(service.Query{Text: "garcia MARQUEZ"}), "accents and case do not matter")
	require.Equal(t, []catalog.BookID{marquez}, ids(service.Query{Text: "Años"}))
	require.Equal(t, []catalog.BookID{tolkien, rings}, ids(service.Query{Text: "hobbit"}), "a title match ranks above a description match")
	require.Equal(t, []catalog.BookID{tolkien}, ids(service.Query{Text: "978-0-261-10221-7"}), "an ISBN finds its edition")
	require.Equal(t, []catalog.BookID{tolkien}, ids(service.Query{Text: "9780261102217"}))
	require.Equal(t, []catalog.BookID{rings, tolkien}, ids(service.Query{Text: "tolkien", Sort: service.SortPriceDesc}))
	require.Equal(t, []catalog.BookID{tolkien, marquez, rings}, ids(service.Query{Sort: service.SortPriceAsc}))
	require.Equal(t, []catalog.BookID{tolkien, marquez}, ids(service.Query{MinCondition: catalog.ConditionGood}), "good or better")
	require.Equal(t, []catalog.BookID{marquez}, ids(service.Query{MinPrice: 1000, MaxPrice: 2000}))
	require.Equal(t, []catalog.BookID{marquez}, ids(service.Query{Language: "es"}))
	require.Empty(t, ids(service.Query{Text: "'; DROP TABLE catalog.books; --"}))
	require.Empty(t, ids(service.Query{Text: `"unbalanced OR -`}))

	res, err := b.svc.Search(ctx, service.Query{PerPage: 2})
	require.NoError(t, err)
	require.True(t, res.HasNext)
	res, err = b.svc.Search(ctx, service.Query{PerPage: 2, Page: 2})
	require.NoError(t, err)
	require.False(t, res.HasNext)
	require.Len(t, res.Listings, 1)

	for name, q := range map[string]service.Query{
		"LongText":      {Text: strings.Repeat("a", 201)},
		"BadCondition":  {MinCondition: "mint"},
		"NegativePrice": {MinPrice: -1},
		"MinOverMax":    {MinPrice: 500, MaxPrice: 100},
		"BadSort":       {Sort: "random"},
		"BadLanguage":   {Language: "xx"},
		"PageTooFar":    {Page: 5000},
	} {
		_, err := b.svc.Search(ctx, q)
		require.Equal(t, apperr.Invalid, apperr.KindOf(err), name)
	}
}

// TestService_SearchRowsAreTheirOwn: a listing without an ISBN, a year or
// photos, read after one that has them, shows none of them.
func TestService_SearchRowsAreTheirOwn(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	plain := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{Title: "Plain"})
	full := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{Title: "Full", ISBN: "9780261102217", Year: 1937})
	_, err := b.pool.Exec(ctx, `UPDATE catalog.books SET created_at = now() - make_interval(days => (id <> $1)::int) WHERE id IN ($1, $2)`, full.ID, plain.ID)
	require.NoError(t, err)
	_, err = b.pool.Exec(ctx, `INSERT INTO catalog.photos (book_id, key, width, height, position) VALUES ($1, 'full-1', 600, 900, 1)`, full.ID)
	require.NoError(t, err)
	res, err := b.svc.Search(ctx, service.Query{})
	require.NoError(t, err)
	require.Len(t, res.Listings, 2)
	got, other := res.Listings[0], res.Listings[1]
	require.Equal(t, []any{full.ID, "9780261102217", 1937, 1}, []any{got.ID, got.ISBN, got.Year, len(got.Photos)})
	require.Equal(t, []any{plain.ID, "", 0, 0}, []any{other.ID, other.ISBN, other.Year, len(other.Photos)})
}

// TestService_SearchPreparesOnlyABrowse: a browse's page (no words, no
// filters) is prepared once per connection and, in a shop of some size,
// still planned for its limit and offset on every run; a page that words or
// filters shape is never prepared, so each is planned for its values
// (SearchStatements).
func TestService_SearchPreparesOnlyABrowse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// One connection, whose prepared statements are the service's.
	cfg, err := pgxpool.ParseConfig(pgtest.NewURL(t))
	require.NoError(t, err)
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	svc := service.New(pool, nil)
	_, err = pool.Exec(ctx, `INSERT INTO catalog.books (seller_id, title, author, condition, price_cents, listed, available)
		SELECT 1, 'The Hobbit ' || g, 'J. R. R. Tolkien', 'good', 900, 1, 1 FROM generate_series(1, 2000) g`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, "ANALYZE catalog.books")
	require.NoError(t, err)
	shaped := []service.Query{{Text: "hobbit"}, {Text: "9780261102217"}, {Language: "en"}, {MinPrice: 100}, {MinCondition: catalog.ConditionGood}}
	for range 8 {
		for _, q := range append([]service.Query{{}, {Page: 2}}, shaped...) {
			_, err := svc.Search(ctx, q)
			require.NoError(t, err)
		}
	}
	browse := service.Query{}
	require.NoError(t, browse.Validate())
	var generic, custom int
	require.NoError(t, pool.QueryRow(ctx, `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1`,
		service.SearchStatements(browse).Page).Scan(&generic, &custom))
	require.Equal(t, 0, generic, "planned for its limit and offset")
	require.Equal(t, 16, custom, "pages 1 and 2, eight times each")
	for _, q := range shaped {
		require.NoError(t, q.Validate())
		var n int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM pg_prepared_statements WHERE statement = $1`,
			service.SearchStatements(q).Page).Scan(&n))
		require.Zero(t, n, "%+v is planned for its values", q)
	}
}

// TestService_SearchFindsWhatPeopleType: stop words, a word typed halfway,
// a misspelt word, and the count of matches.
func TestService_SearchFindsWhatPeopleType(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	mk := func(title, author string) catalog.BookID {
		return catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{Title: title, Author: author}).ID
	}
	machine := mk("The Time Machine", "H. G. Wells")
	mice := mk("Of Mice and Men", "John Steinbeck")
	middlemarch := mk("Middlemarch", "George Eliot")
	men := mk("Men Without Women", "Haruki Murakami")
	effi := mk("Effi Briest", "Theodor Fontane")
	search := func(text string) service.Results {
		t.Helper()
		res, err := b.svc.Search(ctx, service.Query{Text: text, Count: true})
		require.NoError(t, err)
		return res
	}
	ids := func(res service.Results) []catalog.BookID {
		out := []catalog.BookID{}
		for _, l := range res.Listings {
			out = append(out, l.ID)
		}
		return out
	}

	t.Run("StopWordsAlone", func(t *testing.T) {
		require.Contains(t, ids(search("the")), machine)
		require.Contains(t, ids(search("The")), machine)
		require.Equal(t, []catalog.BookID{mice}, ids(search("of")))
		require.Equal(t, []catalog.BookID{mice}, ids(search("and")))
	})
	t.Run("WholeWordsFirst", func(t *testing.T) {
		require.Equal(t, []catalog.BookID{machine, effi}, ids(search("the")),
			"the word itself before a longer one that starts with it (Theodor), though that is newer")
		require.Equal(t, []catalog.BookID{effi}, ids(search("theo")))
	})
	t.Run("StopWordHeavy", func(t *testing.T) {
		require.Equal(t, []catalog.BookID{mice}, ids(search("of mice and men")))
		require.Equal(t, []catalog.BookID{machine}, ids(search("the time machine")))
		require.ElementsMatch(t, []catalog.BookID{mice, men}, ids(search("men")))
	})
	t.Run("LastWordAsPrefix", func(t *testing.T) {
		require.Equal(t, []catalog.BookID{middlemarch}, ids(search("middlem")))
		require.Equal(t, []catalog.BookID{middlemarch}, ids(search("george eli")))
		require.Equal(t, []catalog.BookID{machine}, ids(search("time mach")))
		require.Empty(t, ids(search("mach time")), "only the last word is a prefix")
	})
	t.Run("DidYouMean", func(t *testing.T) {
		res := search("middlemarsh")
		require.Empty(t, res.Listings)
		require.Equal(t, "middlemarch", res.Suggestion)
		require.Equal(t, []catalog.BookID{middlemarch}, ids(search(res.Suggestion)))
		res = search("steinbek mice")
		require.Equal(t, "steinbeck mice", res.Suggestion, "known words are kept")
		require.Empty(t, search("zzzqqq").Suggestion, "no suggestion without a close word")
		require.Empty(t, search("middlemarch").Suggestion, "no suggestion when something matches")
		require.Equal(t, "middlemarch OR zzzqqq", search("middlemarsh OR zzzqqq").Suggestion, "an OR stays an OR")
	})
	t.Run("DidYouMeanOnlyWhatFindsABook", func(t *testing.T) {
		suggest := func(q service.Query) string {
			t.Helper()
			q.Count = true
			res, err := b.svc.Search(ctx, q)
			require.NoError(t, err)
			require.Empty(t, res.Listings)
			return res.Suggestion
		}
		require.Empty(t, suggest(service.Query{Text: "Éliot", MaxPrice: 1}),
			"a word known but for its accent is no correction, though the filters find nothing")
		require.Empty(t, suggest(service.Query{Text: "middlemarsh", Language: "fr"}),
			"middlemarch, but in French there is none")
		require.Equal(t, "middlemarch", suggest(service.Query{Text: "middlemarsh", Language: "en"}))
	})
	t.Run("Count", func(t *testing.T) {
		res := search("men")
		require.Equal(t, 2, res.Total)
		require.True(t, res.TotalExact)
		res, err := b.svc.Search(ctx, service.Query{})
		require.NoError(t, err)
		require.Zero(t, res.Total, "counted only when asked")
	})
}

// TestService_SearchCountsManyCheaply: a count is exact when the page
// shows the last match or when few match; past that it is the planner's
// estimate, so no count reads every match.
func TestService_SearchCountsManyCheaply(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	_, err := b.pool.Exec(ctx, `INSERT INTO catalog.books (seller_id, title, author, condition, price_cents, listed, available)
		SELECT 1, 'Garden ' || g, 'Ann Author', 'good', 1000, 1, 1 FROM generate_series(1, 5000) g`)
	require.NoError(t, err)
	_, err = b.pool.Exec(ctx, "ANALYZE catalog.books")
	require.NoError(t, err)
	count := func(q service.Query) service.Results {
		t.Helper()
		q.Count = true
		res, err := b.svc.Search(ctx, q)
		require.NoError(t, err)
		return res
	}
	res := count(service.Query{Text: "garden", PerPage: 5})
	require.Len(t, res.Listings, 5)
	require.False(t, res.TotalExact)
	require.InDelta(t, 5000, res.Total, 2500, "the planner's estimate")
	res = count(service.Query{Text: "garden 17"})
	require.True(t, res.TotalExact)
	require.Equal(t, 111, res.Total, "17, 170-179 and 1700-1799: the last word is a prefix")
	res = count(service.Query{Text: "garden 170", PerPage: 100})
	require.True(t, res.TotalExact, "all on the page")
	require.Equal(t, 11, res.Total)
	res = count(service.Query{Text: "garden 170", PerPage: 5})
	require.True(t, res.TotalExact, "all in the pool ranked by relevance")
	require.Equal(t, 11, res.Total)
	require.Len(t, res.Listings, 5)
	res = count(service.Query{Text: "garden 17", PerPage: 100, Page: 2})
	require.True(t, res.TotalExact, "the last page counts what came before")
	require.Equal(t, 111, res.Total)
	require.Len(t, res.Listings, 11)
}

// TestService_SearchRanksTheNewestPool: by relevance, the matches by title
// come first, then the others, each newest first among equals; paging walks
// every match once.
func TestService_SearchRanksTheNewestPool(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	// Listing g is g minutes old; even ones have the word in the title,
	// odd ones in the description only.
	n := service.RankPool + 50
	_, err := b.pool.Exec(ctx, `INSERT INTO catalog.books (seller_id, title, author, description, condition, price_cents, listed, available, created_at)
		SELECT 1, CASE WHEN g % 2 = 0 THEN 'Garden ' || g ELSE 'Notes ' || g END, 'Ann Author',
		  CASE WHEN g % 2 = 0 THEN '' ELSE 'About a garden.' END, 'good', 1000, 1, 1, now() - make_interval(mins => g)
		FROM generate_series(1, $1::int) g`, n)
	require.NoError(t, err)
	var got []string
	for page := 1; ; page++ {
		res, err := b.svc.Search(ctx, service.Query{Text: "garden", PerPage: 100, Page: page})
		require.NoError(t, err)
		for _, l := range res.Listings {
			got = append(got, l.Title)
		}
		if !res.HasNext {
			break
		}
	}
	var want []string
	for g := 2; g <= n; g += 2 {
		want = append(want, fmt.Sprintf("Garden %d", g))
	}
	for g := 1; g <= n; g += 2 {
		want = append(want, fmt.Sprintf("Notes %d", g))
	}
	require.Equal(t, want, got, "the title matches, then the description matches")
}

// TestService_SearchPutsTitlesFirst: a listing titled with the word comes
// before every listing that only mentions it, however many newer ones do.
func TestService_SearchPutsTitlesFirst(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	_, err := b.pool.Exec(ctx, `INSERT INTO catalog.books (seller_id, title, author, description, condition, price_cents, listed, available, created_at)
		SELECT 1, 'Notes ' || g, 'Ann Author', 'A walk over a dune at dusk.', 'good', 1000, 1, 1, now() - make_interval(mins => g)
		FROM generate_series(1, $1::int) g
		UNION ALL SELECT 1, 'Dune', 'Frank Herbert', 'Desert planet.', 'good', 1000, 1, 1, now() - interval '1 year'`, 3*service.RankPool)
	require.NoError(t, err)
	res, err := b.svc.Search(ctx, service.Query{Text: "dune", Count: true})
	require.NoError(t, err)
	require.NotEmpty(t, res.Listings)
	require.Equal(t, "Dune", res.Listings[0].Title, "the title match first")
	require.Equal(t, "Notes 1", res.Listings[1].Title, "then the newest description match")
	require.True(t, res.HasNext)
	require.Equal(t, 3*service.RankPool+1, res.Total)
}

func TestService_Edition(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	isbn := "9780141439518"
	dear := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{ISBN: isbn, PriceCents: 3000})
	cheap := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{ISBN: isbn, PriceCents: 500, SellerID: 2})
	catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{ISBN: isbn, Status: catalog.StatusPaused})
	catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{ISBN: "9780261102217"})
	got, list, err := b.svc.Edition(ctx, "0-14-143951-3")
	require.NoError(t, err)
	require.Equal(t, isbn, got)
	require.Len(t, list, 2)
	require.Equal(t, cheap.ID, list[0].ID, "cheapest first")
	require.Equal(t, dear.ID, list[1].ID)
	_, _, err = b.svc.Edition(ctx, "978-0-14-143951-9")
	require.Equal(t, apperr.Invalid, apperr.KindOf(err))
}

func TestService_SyncSellers(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	book := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: 5, SellerName: "Old name"})
	var feed authtest.Feed
	feed.Add(auth.User{ID: 5, Name: "New name"})
	feed.Add(auth.User{ID: 6, Name: "Someone"})
	feed.Add(auth.User{ID: 5, Name: "New name", Disabled: true})
	changes := feed.UserChanges
	n, err := b.svc.SyncSellers(ctx, changes)
	require.NoError(t, err)
	require.Equal(t, 3, n)
	got, err := b.svc.Listing(ctx, book.ID)
	require.NoError(t, err)
	require.Equal(t, "New name", got.SellerName)
	require.True(t, got.Hidden, "a disabled seller's listings are hidden")

	n, err = b.svc.SyncSellers(ctx, changes)
	require.NoError(t, err)
	require.Zero(t, n, "the cursor remembers where it stopped")

	feed.Add(auth.User{ID: 5, Name: "New name"})
	n, err = b.svc.SyncSellers(ctx, changes)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	got, err = b.svc.Listing(ctx, book.ID)
	require.NoError(t, err)
	require.False(t, got.Hidden)
}
