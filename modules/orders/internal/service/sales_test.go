package service_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
)

// scannedSales is how SellerStats counted a seller's sales before the
// count was kept as data: the delivered orders holding a line of theirs.
const scannedSales = `SELECT count(DISTINCT l.order_id) FROM orders.order_lines l
	JOIN orders.orders o ON o.id = l.order_id WHERE l.seller_id = $1 AND o.status = 'delivered'`

// order places and pays an order of one copy of each book, ready for the
// carrier.
func (b *bundle) order(t *testing.T, key string, books ...catalog.Book) int64 {
	t.Helper()
	ctx := context.Background()
	for _, bk := range books {
		require.NoError(t, b.svc.SetQuantity(ctx, service.Owner{UserID: b.buyer.ID}, bk.ID, 1))
	}
	o, err := b.svc.Place(ctx, b.buyer, b.seen(t, checkoutInput(key, service.PaymentInput{Method: orders.MethodWallet})))
	require.NoError(t, err)
	require.NoError(t, b.svc.Charge(ctx, o.ID, o.Payment.Method))
	return o.ID
}

func (b *bundle) sales(t *testing.T, seller auth.UserID) int {
	t.Helper()
	st, err := b.svc.SellerStats(context.Background(), seller)
	require.NoError(t, err)
	return st.Sales
}

// TestService_SellerSales checks that the sales the carrier counts as it
// delivers are what scanning the delivered orders counts: an order once
// per seller, however many of their books it holds.
func TestService_SellerSales(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	other := auth.UserID(4)
	emma := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Emma", PriceCents: 900, Copies: 3})
	dune := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: other, Title: "Dune", PriceCents: 1100, Copies: 3})

	b.order(t, "two-of-one-seller", b.book, emma)
	b.order(t, "two-sellers", b.book, dune)
	// Those two are picked up in the first round, this one a round later,
	// so a round of its own delivers it.
	b.carry(t)
	b.order(t, "later", dune)
	cancelled := b.order(t, "cancelled", emma)
	require.NoError(t, errOf(b.svc.Cancel(ctx, b.buyer, cancelled, "")))
	for range 3 {
		b.carry(t)
	}
	require.Equal(t, []int{2, 1}, []int{b.sales(t, b.seller.ID), b.sales(t, other)}, "the later order is still on its way")
	b.carry(t)

	require.Equal(t, []int{2, 2, 0}, []int{b.sales(t, b.seller.ID), b.sales(t, other), b.sales(t, 99)})
	for _, seller := range []auth.UserID{b.seller.ID, other} {
		require.Equal(t, b.count(t, scannedSales, seller), b.sales(t, seller), "seller %d", seller)
	}
}

// TestService_SellerSalesRetriedRound checks that a carrier's round that
// fails after counting the sales counts nothing: the round that delivers
// the orders again counts them once, and later rounds add nothing.
func TestService_SellerSalesRetriedRound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	id := b.order(t, "k", b.book)
	for range 3 {
		b.carry(t)
	}
	// The push is inserted after the count, in the same transaction.
	_, err := b.pool.Exec(ctx, `
		CREATE FUNCTION public.refuse_push() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'the push is refused'; END $$;
		CREATE TRIGGER refuse_push BEFORE INSERT ON river.river_job
		FOR EACH ROW WHEN (NEW.kind = 'orders.push_seller_stats') EXECUTE FUNCTION public.refuse_push()`)
	require.NoError(t, err)
	b.clock.Add(b.svc.Options().ShippingStep)
	_, err = b.svc.Carry(ctx)
	require.ErrorContains(t, err, "the push is refused")
	got, err := b.svc.Get(ctx, b.buyer, id)
	require.NoError(t, err)
	require.Equal(t, orders.StatusShipped, got.Status, "the failed round delivered nothing")
	require.Equal(t, 0, b.sales(t, b.seller.ID))

	_, err = b.pool.Exec(ctx, "DROP TRIGGER refuse_push ON river.river_job")
	require.NoError(t, err)
	require.Equal(t, []int{1, 0}, []int{b.carry(t), b.carry(t)}, "delivered, then nothing is due")
	require.Equal(t, 1, b.sales(t, b.seller.ID))
	require.Equal(t, 1, b.count(t, scannedSales, b.seller.ID))
}
