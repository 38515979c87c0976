package service_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
)

// flushStats makes every idle connection of the pool flush the counts of
// what it read and wrote, which each keeps until then.
func (b *bundle) flushStats(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for _, c := range b.pool.AcquireAllIdle(ctx) {
		_, err := c.Exec(ctx, "SELECT pg_stat_force_next_flush()")
		c.Release()
		require.NoError(t, err)
	}
}

// reads counts the rows read from table so far: by sequential scans, and
// the entries its indexes returned (dead rows' too, which a scan still
// reads and throws away).
func (b *bundle) reads(t *testing.T, table string) int64 {
	t.Helper()
	b.flushStats(t)
	var n int64
	require.NoError(t, b.pool.QueryRow(context.Background(), `
		SELECT coalesce(t.seq_tup_read, 0) + coalesce((SELECT sum(i.idx_tup_read) FROM pg_stat_user_indexes i WHERE i.relid = t.relid), 0)
		FROM pg_stat_user_tables t WHERE t.relid = $1::regclass`, table).Scan(&n))
	return n
}

// TestService_PlaceReadsOnlyItsCart: every checkout inserts a cart's lines
// and deletes them, so cart_items holds mostly dead rows between vacuums,
// and its statistics say it is nearly empty. Checking out and showing a
// cart must still read only the buyer's lines, not every line the table
// held since it was last vacuumed.
func TestService_PlaceReadsOnlyItsCart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	for _, q := range []string{
		"ALTER TABLE orders.cart_items SET (autovacuum_enabled = off)",
		"INSERT INTO orders.carts (user_id) SELECT 1000 + g FROM generate_series(1, 4000) g",
		"INSERT INTO orders.cart_items (cart_id, book_id, quantity, price_cents) SELECT c.id, g, 1, 100 FROM orders.carts c, generate_series(1, 5) g",
		"DELETE FROM orders.cart_items",
		"ANALYZE orders.carts, orders.cart_items",
	} {
		_, err := b.pool.Exec(ctx, q)
		require.NoError(t, err, q)
	}
	require.NoError(t, b.svc.SetQuantity(ctx, service.Owner{UserID: b.buyer.ID}, b.book.ID, 1))
	before := b.reads(t, "orders.cart_items")
	in := b.seen(t, checkoutInput("k", service.PaymentInput{Method: orders.MethodWallet}))
	_, err := b.svc.Place(ctx, b.buyer, in)
	require.NoError(t, err)
	require.Less(t, b.reads(t, "orders.cart_items")-before, int64(20), "the cart's lines, read to show them and to check out")
}
