package service_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
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
	model := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Copies: 2})
	_, err := b.pool.Exec(ctx, `
		INSERT INTO catalog.books (seller_id, title, author, condition, price_cents, listed, available)
		SELECT seller_id, title || ' ' || g, author, condition, price_cents, listed, available
		FROM catalog.books, generate_series(1, 1000) g WHERE id = $1`, model.ID)
	require.NoError(t, err)
	_, err = b.pool.Exec(ctx, "ANALYZE catalog.books")
	require.NoError(t, err)
	var db string
	require.NoError(t, b.pool.QueryRow(ctx, "SELECT current_database()").Scan(&db))

	const n = 20
	order := int64(100)
	for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
		_, err := b.pool.Exec(ctx, `ALTER DATABASE "`+db+`" SET plan_cache_mode = `+mode)
		require.NoError(t, err)
		b.pool.Reset() // new connections plan by mode
		before := pgtest.Stats(t, b.pool, "catalog.books").Read
		for range n {
			order++
			require.NoError(t, b.svc.Reserve(ctx, catalog.Reservation{OrderID: order, BuyerID: b.other.ID, Lines: []catalog.Line{catalogtest.LineOf(model, 1)}}))
			require.NoError(t, b.svc.Release(ctx, order))
		}
		read := pgtest.Stats(t, b.pool, "catalog.books").Read - before
		t.Logf("%s: %d reservations and releases read %d listings", mode, n, read)
		// A listing is read to hold it, by its hold line's key check, and
		// to release it: 3 reads, and a few more for its row's dead
		// versions while other tests' snapshots keep them (a scan of the
		// catalog reads 1,000).
		require.LessOrEqual(t, read, int64(10*n), mode)
	}
	require.Equal(t, catalogtest.Counts{Listed: 2, Available: 2}, catalogtest.StockOf(ctx, t, b.pool, model.ID))
}
