package service_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/payment"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/pg"
)

// counted returns the bundle's service on a pool of the same database
// that counts its statements.
func (b *bundle) counted(t *testing.T) (*service.Service, *pg.Statements) {
	t.Helper()
	cfg := b.pool.Config()
	n := &pg.Statements{}
	cfg.ConnConfig.Tracer = n
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return service.New(pool, b.cat, riverClient(t, pool), &service.Options{ShippingStep: b.svc.Options().ShippingStep, NowFunc: b.clock.Now}), n
}

// TestService_Charge covers the payment step beyond the card scenarios of
// TestService_Place: a payment the processor is not asked about is settled
// by one statement that reads nothing first, which must still charge at
// most once, only the method the buyer chose last, and only an order
// still awaiting payment, and must still email the step.
func TestService_Charge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	wallet := service.PaymentInput{Method: orders.MethodWallet}

	t.Run("WalletInOneStatement", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.place(t, "k", 2, wallet)
		svc, n := b.counted(t)
		require.NoError(t, svc.Charge(ctx, o.ID, orders.MethodWallet))
		require.Equal(t, int64(1), n.Count(), "no read, no transaction: one statement moves, settles, charges and ships")
		require.NoError(t, svc.Charge(ctx, o.ID, orders.MethodWallet), "a retried job")

		got, err := b.svc.Get(ctx, b.buyer, o.ID)
		require.NoError(t, err)
		require.Equal(t, orders.StatusPaid, got.Status)
		require.Equal(t, "succeeded", got.Payment.Status)
		require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.charges WHERE order_id = $1 AND amount_cents = $2", o.ID, o.TotalCents))
		require.NotNil(t, got.Shipment)
		require.Regexp(t, `^SER[0-9A-F]{12}$`, got.Shipment.TrackingNumber)
		require.Len(t, got.Shipment.Events, 1)
		require.Equal(t, 1, b.carry(t), "the shipment is due a shipping step later")
		for _, user := range []int64{int64(b.buyer.ID), int64(b.seller.ID)} {
			require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.notifications WHERE order_id = $1 AND step = 'paid' AND user_id = $2", o.ID, user))
		}
	})

	t.Run("EmailsInTheSameTransaction", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		accounts := authtest.NewService(t, b.pool)
		b.buyer = authtest.CreateUser(ctx, t, b.pool, &authtest.UserOpts{Email: "ana@example.com", Name: "Ana"})
		b.seller = authtest.CreateUser(ctx, t, b.pool, &authtest.UserOpts{Email: "sam@example.com", Name: "Sam"})
		b.book = catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Dune", PriceCents: 1500, Copies: 3})
		_, err := b.svc.SyncRecipients(ctx, accounts.UserChanges)
		require.NoError(t, err)
		o := b.place(t, "k", 1, wallet)
		require.NoError(t, b.svc.Charge(ctx, o.ID, orders.MethodWallet))
		require.Equal(t, []string{fmt.Sprintf("Your order #%d was placed", o.ID), fmt.Sprintf("Your order #%d is paid", o.ID)}, b.emails(t, "ana@example.com"))
		require.Equal(t, []string{fmt.Sprintf("Order #%d is paid; it ships soon", o.ID)}, b.emails(t, "sam@example.com"))
		got, err := b.svc.Get(ctx, b.buyer, o.ID)
		require.NoError(t, err)
		require.Equal(t, orders.StatusPaid, got.Status)
		require.NotNil(t, got.Shipment)
	})

	t.Run("MethodChangedSinceSubmitted", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		// A wallet's job that outlived its payment, now a declined card's:
		// the card goes to the processor, which declines it.
		o := b.place(t, "k", 1, validCard("4000000000000002"))
		require.NoError(t, b.svc.Charge(ctx, o.ID, orders.MethodWallet))
		got, err := b.svc.Get(ctx, b.buyer, o.ID)
		require.NoError(t, err)
		require.Equal(t, orders.StatusPaymentFailed, got.Status)
		require.Equal(t, payment.ReasonDeclined, got.Payment.FailureReason)
		require.Zero(t, b.count(t, "SELECT count(*) FROM orders.charges"))
		require.Zero(t, b.count(t, "SELECT count(*) FROM orders.shipments"))
	})

	t.Run("CancelledFirst", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.place(t, "k", 1, wallet)
		require.NoError(t, b.svc.Cancel(ctx, b.buyer, o.ID))
		require.NoError(t, b.svc.Charge(ctx, o.ID, orders.MethodWallet))
		got, err := b.svc.Get(ctx, b.buyer, o.ID)
		require.NoError(t, err)
		require.Equal(t, orders.StatusCancelled, got.Status)
		require.Equal(t, "failed", got.Payment.Status)
		require.Zero(t, b.count(t, "SELECT count(*) FROM orders.charges"))
		require.Zero(t, b.count(t, "SELECT count(*) FROM orders.shipments"))
		require.Zero(t, b.count(t, "SELECT count(*) FROM orders.notifications WHERE step = 'paid'"))
	})
}
