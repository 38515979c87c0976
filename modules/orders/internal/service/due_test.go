package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
)

// TestService_CarryDue: the carrier's periodic job is queued only while a
// shipment has a step due, from payment to delivery.
func TestService_CarryDue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	requireDue := func(want bool, msg string) {
		t.Helper()
		due, err := b.svc.CarryDue(ctx)
		require.NoError(t, err)
		require.Equal(t, want, due, msg)
	}
	requireDue(false, "a shop without orders")
	o := b.place(t, "k", 1, service.PaymentInput{Method: orders.MethodWallet})
	require.NoError(t, b.svc.Charge(ctx, o.ID, o.Payment.Method))
	requireDue(false, "paid, its pick-up a shipping step away")
	for range 4 {
		b.clock.Add(b.svc.Options().ShippingStep)
		requireDue(true, "a step due")
		n, err := b.svc.Carry(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)
	}
	got, err := b.svc.Get(ctx, b.buyer, o.ID)
	require.NoError(t, err)
	require.Equal(t, orders.StatusDelivered, got.Status)
	b.clock.Add(time.Hour)
	requireDue(false, "delivered")
}

// TestService_SweepDue: the sweep is queued only when an order or a
// visitor cart is past its deadline or the catalog holds copies for some
// order; a shop at rest queues none.
func TestService_SweepDue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	requireDue := func(want bool, msg string) {
		t.Helper()
		due, err := b.svc.SweepDue(ctx)
		require.NoError(t, err)
		require.Equal(t, want, due, msg)
	}
	requireDue(false, "a shop at rest")

	require.NoError(t, b.svc.AddItem(ctx, service.Owner{VisitorID: "old-visitor-0123456789"}, b.book.ID, 1))
	requireDue(false, "a visitor cart in use")
	b.clock.Add(service.VisitorCartTTL + time.Minute)
	_, err := b.pool.Exec(ctx, "UPDATE orders.carts SET updated_at = now() - interval '31 days' WHERE visitor_id IS NOT NULL")
	require.NoError(t, err)
	requireDue(true, "a stale visitor cart")
	_, err = b.svc.Sweep(ctx)
	require.NoError(t, err)
	requireDue(false, "swept")

	o := b.place(t, "k", 1, validCard("4242424242424242"))
	requireDue(true, "copies held by an order awaiting payment")
	require.NoError(t, b.svc.Charge(ctx, o.ID, o.Payment.Method))
	for range 4 {
		b.carry(t)
	}
	requireDue(true, "copies held until the confirm job sells them")
	require.NoError(t, b.svc.ConfirmStock(ctx, []int64{o.ID}))
	requireDue(false, "delivered and sold")

	// A checkout that died after the catalog released its copies leaves
	// its order pending, with nothing held.
	o = b.place(t, "k2", 1, validCard("4242424242424242"))
	_, err = b.pool.Exec(ctx, "UPDATE orders.orders SET status = 'pending', waiting_since = $2, updated_at = $2 WHERE id = $1", o.ID, b.clock.Now())
	require.NoError(t, err)
	require.NoError(t, b.cat.Release(ctx, o.ID))
	requireDue(false, "pending, within the order timeout")
	b.clock.Add(b.svc.Options().StuckAfter + time.Second)
	requireDue(true, "pending past the order timeout")
}

// TestService_SweepClearsCartBacklog: one sweep deletes every stale
// visitor cart, however many, a batch a transaction, so that a backlog
// never outgrows the sweeps.
func TestService_SweepClearsCartBacklog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	_, err := b.pool.Exec(ctx, `INSERT INTO orders.carts (visitor_id, updated_at)
		SELECT 'visitor-' || lpad(g::text, 12, '0'), now() - interval '31 days' FROM generate_series(1, 2500) g`)
	require.NoError(t, err)
	require.NoError(t, b.svc.AddItem(ctx, service.Owner{VisitorID: "fresh-visitor-0123456789"}, b.book.ID, 1))
	res, err := b.svc.Sweep(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(2500), res.StaleCarts)
	var left int
	require.NoError(t, b.pool.QueryRow(ctx, "SELECT count(*) FROM orders.carts WHERE visitor_id IS NOT NULL").Scan(&left))
	require.Equal(t, 1, left, "the fresh cart stays")
}
