package service_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/pgtest"
)

// TestService_ReservationReadsItsListings: a reservation reads the
// listings it holds, not the catalog, whether its statement is planned
// for its values (its first calls on a connection) or runs the plan the
// connection then caches. Here one seller lists 1,000 books (a bookshop's
// stock, as in the bench): the cached plan, comparing the buyer with each
// listing's seller, expected no listing to pass, so it scanned them all and
// matched each against the lines, on every reservation.
func TestService_ReservationReadsItsListings(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	// Each reservation holds a listing of its own, one copy of two, so no
	// listing's row has dead versions whose index entries it would read.
	const n = 10
	modes := []string{"force_custom_plan", "force_generic_plan"}
	books := make([]catalog.Book, n*len(modes))
	for i := range books {
		books[i] = catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Copies: 2})
	}
	_, err := b.pool.Exec(ctx, `
		INSERT INTO catalog.books (seller_id, title, author, condition, price_cents, listed, available)
		SELECT seller_id, title || ' ' || g, author, condition, price_cents, listed, available
		FROM catalog.books, generate_series(1, 1000) g WHERE id = $1`, books[0].ID)
	require.NoError(t, err)
	_, err = b.pool.Exec(ctx, "ANALYZE catalog.books")
	require.NoError(t, err)
	var db string
	require.NoError(t, b.pool.QueryRow(ctx, "SELECT current_database()").Scan(&db))

	for m, mode := range modes {
		_, err := b.pool.Exec(ctx, `ALTER DATABASE "`+db+`" SET plan_cache_mode = `+mode)
		require.NoError(t, err)
		b.pool.Reset() // new connections plan by mode
		before := pgtest.Stats(t, b.pool, "catalog.books").Read
		for i, book := range books[m*n : (m+1)*n] {
			order := int64(100 + m*n + i)
			require.NoError(t, b.svc.Reserve(ctx, catalog.Reservation{OrderID: order, BuyerID: b.other.ID, Lines: []catalog.Line{catalogtest.LineOf(book, 1)}}))
		}
		read := pgtest.Stats(t, b.pool, "catalog.books").Read - before
		t.Logf("%s: %d reservations read %d listings", mode, n, read)
		// A listing is read to hold it and by its hold line's key check
		// (and a few dead index entries may be read with them); a scan of
		// the catalog reads 1,000 per reservation.
		require.LessOrEqual(t, read, int64(5*n), mode)
	}
	for _, book := range books {
		require.Equal(t, catalogtest.Counts{Listed: 2, Available: 1, Held: 1}, catalogtest.StockOf(ctx, t, b.pool, book.ID))
	}
}

// TestService_HoldStatsReadsOnlyHeldLines: the metrics count the copies
// held on every scrape, so they must read the lines of the orders holding
// copies now (a few hundred in flight), not hold_lines, which keeps the
// lines of every order since the shop opened.
func TestService_HoldStatsReadsOnlyHeldLines(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	book := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Copies: 2})
	require.NoError(t, b.svc.Reserve(ctx, catalog.Reservation{OrderID: 1, Lines: []catalog.Line{catalogtest.LineOf(book, 2)}}))
	// Order 1's hold copied: 300 orders in flight, 20,000 confirmed.
	_, err := b.pool.Exec(ctx, `
		WITH h AS (
			INSERT INTO catalog.holds (order_id, state)
			SELECT 1000 + g, CASE WHEN g <= 300 THEN 'held' ELSE 'confirmed' END FROM generate_series(1, 20300) g
			RETURNING order_id
		)
		INSERT INTO catalog.hold_lines (order_id, book_id, quantity, price_cents)
		SELECT h.order_id, l.book_id, l.quantity, l.price_cents FROM h, catalog.hold_lines l WHERE l.order_id = 1`)
	require.NoError(t, err)
	_, err = b.pool.Exec(ctx, "ANALYZE catalog.holds, catalog.hold_lines")
	require.NoError(t, err)

	before := pgtest.Stats(t, b.pool, "catalog.hold_lines").Read
	st, err := b.svc.HoldStats(ctx)
	require.NoError(t, err)
	require.Equal(t, []int64{301, 602}, []int64{st.Orders, st.Copies})
	require.LessOrEqual(t, pgtest.Stats(t, b.pool, "catalog.hold_lines").Read-before, st.Orders, "a line per order holding copies")
}

// aGrownShop fills the shop as a marketplace grows: b.seller's 600
// listings, listed first, then 2,400 newer ones of 200 other sellers, and
// 20,000 users in the catalog's copy of them (buyers have a row too), none
// disabled; then the planner's statistics of them all.
func aGrownShop(ctx context.Context, t *testing.T, b *bundle) {
	t.Helper()
	_, err := b.pool.Exec(ctx, `INSERT INTO catalog.sellers (id, name) SELECT g, 'User ' || g FROM generate_series(1000, 20999) g
		UNION ALL SELECT $1, $2`, int64(b.seller.ID), b.seller.Name)
	require.NoError(t, err)
	_, err = b.pool.Exec(ctx, `INSERT INTO catalog.books (seller_id, title, author, condition, price_cents, listed, available, created_at)
		SELECT CASE WHEN g <= 600 THEN $1 ELSE 1000 + g % 200 END, 'Book ' || g, 'Author ' || g, 'good', 1000, 1, 1,
		  timestamptz '2026-01-01' + make_interval(mins => g)
		FROM generate_series(1, 3000) g`, int64(b.seller.ID))
	require.NoError(t, err)
	_, err = b.pool.Exec(ctx, "ANALYZE catalog.books, catalog.sellers")
	require.NoError(t, err)
}

// TestService_BrowseReadsTheDisabledSellersOnly: a page of the catalog
// leaves out disabled sellers' listings by reading the disabled sellers,
// not a row for every user the shop has (20,000 here), plus the sellers of
// the page's listings.
func TestService_BrowseReadsTheDisabledSellersOnly(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	aGrownShop(ctx, t, b)
	before := pgtest.Stats(t, b.pool, "catalog.sellers").Read
	res, err := b.svc.Search(ctx, service.Query{})
	require.NoError(t, err)
	require.Len(t, res.Listings, service.DefaultPerPage)
	read := pgtest.Stats(t, b.pool, "catalog.sellers").Read - before
	require.LessOrEqual(t, read, int64(2*service.DefaultPerPage), "the page's sellers")
}

// TestService_SellerListsReadTheirPage: a page of a seller's listings,
// public (on sale) or their own (all), reads the listings it shows, when
// the seller holds a fifth of the shop, listed before the rest, and
// whether the statement is planned for the seller or runs the plan a
// connection caches for any. Planned for this seller, their own list
// walked the listings newest first by id, passing every other seller's
// newer listing; the cached plan of the page on sale read every listing of
// the seller, then sorted them.
func TestService_SellerListsReadTheirPage(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	aGrownShop(ctx, t, b)
	var db string
	require.NoError(t, b.pool.QueryRow(ctx, "SELECT current_database()").Scan(&db))
	const perPage = 24
	for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
		_, err := b.pool.Exec(ctx, `ALTER DATABASE "`+db+`" SET plan_cache_mode = `+mode)
		require.NoError(t, err)
		b.pool.Reset() // new connections plan by mode

		before := pgtest.Stats(t, b.pool, "catalog.books").Read
		page, err := b.svc.SellerOnSale(ctx, b.seller.ID, 2, perPage)
		require.NoError(t, err)
		require.Len(t, page.Listings, perPage)
		require.Equal(t, "Book 576", page.Listings[0].Title, "newest first")
		require.LessOrEqual(t, pgtest.Stats(t, b.pool, "catalog.books").Read-before, int64(3*perPage), mode+": on sale")

		before = pgtest.Stats(t, b.pool, "catalog.books").Read
		mine, hasNext, err := b.svc.SellerListings(ctx, b.seller, 2, perPage)
		require.NoError(t, err)
		require.True(t, hasNext)
		require.Len(t, mine, perPage)
		require.Equal(t, "Book 576", mine[0].Title, "newest first")
		require.LessOrEqual(t, pgtest.Stats(t, b.pool, "catalog.books").Read-before, int64(3*perPage), mode+": their own")
	}
}

// TestService_AdminSearchReadsItsMatches: the admin's search of listings
// reads the listings whose title and author, or seller's name, hold the
// text, accents and case ignored, not every listing with its seller.
func TestService_AdminSearchReadsItsMatches(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	aGrownShop(ctx, t, b)
	_, err := b.pool.Exec(ctx, "UPDATE catalog.sellers SET name = 'Łukasz Bücherwurm' WHERE id = 1007")
	require.NoError(t, err)
	search := func(text string) []string {
		t.Helper()
		ls, _, err := b.svc.AdminListings(ctx, b.admin, service.AdminFilter{Query: text}, 1, 50)
		require.NoError(t, err)
		titles := []string{}
		for _, l := range ls {
			titles = append(titles, l.Title)
		}
		return titles
	}

	before := pgtest.Stats(t, b.pool, "catalog.books").Read
	require.Empty(t, search("zzzz"))
	require.LessOrEqual(t, pgtest.Stats(t, b.pool, "catalog.books").Read-before, int64(10), "nothing matches")
	require.Equal(t, []string{"Book 2999"}, search("BOOK 2999 author"), "title and author as one text")
	before = pgtest.Stats(t, b.pool, "catalog.books").Read
	byName := search("lukasz bucher")
	require.Len(t, byName, 12, "by the seller's name, accents ignored")
	require.Equal(t, "Book 2807", byName[0], "newest first")
	require.LessOrEqual(t, pgtest.Stats(t, b.pool, "catalog.books").Read-before, int64(3*12), "the seller's listings")
}
