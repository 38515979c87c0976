package service_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/pgtest"
)

// orderUpdates counts the updates of orders.orders rows so far, and how
// many of them were HOT.
func (b *bundle) orderUpdates(t *testing.T) (all, hot int64) {
	t.Helper()
	s := pgtest.Stats(t, b.pool, "orders.orders")
	return s.Updated, s.HOT
}

// TestService_StepsAreHOTUpdates: the steps of an order after it is placed
// change no indexed column, so Postgres writes each as a HOT update (a new
// version on the same page, no index entry), except the payment, which
// ends the order's wait and so takes it out of the sweeper's index.
func TestService_StepsAreHOTUpdates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	step := func(name string, wantHOT bool, f func()) {
		t.Helper()
		all, hot := b.orderUpdates(t)
		f()
		all2, hot2 := b.orderUpdates(t)
		require.Equal(t, int64(1), all2-all, "%s updates the order once", name)
		if wantHOT {
			require.Equal(t, int64(1), hot2-hot, "%s is a HOT update", name)
		} else {
			require.Zero(t, hot2-hot, "%s changes an indexed column", name)
		}
	}
	var o service.Order
	step("pending→awaiting_payment", true, func() { o = b.place(t, "k", 1, service.PaymentInput{Method: orders.MethodWallet}) })
	step("awaiting_payment→paid", false, func() { require.NoError(t, b.svc.Charge(ctx, o.ID, o.Payment.Method)) })
	step("paid→shipped", true, func() { require.Equal(t, 1, b.carry(t)) })
	for range 2 { // in transit, out for delivery: the order stays shipped
		all, _ := b.orderUpdates(t)
		require.Equal(t, 1, b.carry(t))
		all2, _ := b.orderUpdates(t)
		require.Equal(t, all, all2)
	}
	step("shipped→delivered", true, func() { require.Equal(t, 1, b.carry(t)) })
}

// TestService_UserCartPutWritesNoCart: putting a book in a user's cart
// that exists, and reading the cart, write nothing to the cart's row; the
// first put creates it.
func TestService_UserCartPutWritesNoCart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	owner := service.Owner{UserID: b.buyer.ID}
	require.NoError(t, b.svc.SetQuantity(ctx, owner, b.book.ID, 1)) // creates the cart
	before := pgtest.Stats(t, b.pool, "orders.carts")
	require.NoError(t, b.svc.SetQuantity(ctx, owner, b.book.ID, 2))
	require.NoError(t, b.svc.AddItem(ctx, owner, b.book.ID, 1))
	cart, err := b.svc.Cart(ctx, owner)
	require.NoError(t, err)
	require.Equal(t, 3, cart.Count)
	after := pgtest.Stats(t, b.pool, "orders.carts")
	require.Zero(t, after.Updated-before.Updated, "the cart's row is read, not rewritten")
}
