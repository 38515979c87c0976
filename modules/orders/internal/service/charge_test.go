package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/payment"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/pg"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/riverfx"
	"github.com/bookstore/bookstore/platform/tracing"
)

// counted returns the bundle's service on a pool of the same database
// that counts its statements, inserting its jobs traced by tr (nil: off).
func (b *bundle) counted(t *testing.T, tr *tracing.Tracing) (*service.Service, *pg.Statements) {
	t.Helper()
	pool, n := pgtest.Counted(t, b.pool)
	rc, err := riverfx.NewInserter(pool, tr)
	require.NoError(t, err)
	o := b.svc.Options()
	return service.New(pool, b.cat, rc, &service.Options{ShippingStep: o.ShippingStep, BankTransferDelay: o.BankTransferDelay, NowFunc: b.clock.Now}), n
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
		svc, n := b.counted(t, nil)
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

	t.Run("PaymentsRunningTogetherInOneStatement", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ids := make([]int64, 3)
		for i := range ids {
			ids[i] = b.place(t, fmt.Sprint("k", i), 1, wallet).ID
		}
		svc, n := b.counted(t, nil)
		// The first payment's statement waits for its order's row, so the
		// payments that come meanwhile wait for the next batch.
		lock, err := b.pool.Begin(ctx)
		require.NoError(t, err)
		_, err = lock.Exec(ctx, "SELECT FROM orders.orders WHERE id = $1 FOR UPDATE", ids[0])
		require.NoError(t, err)
		errs := make(chan error, len(ids)+1)
		charge := func(id int64) {
			go func() { errs <- svc.Charge(ctx, id, orders.MethodWallet) }()
		}
		charge(ids[0])
		require.Eventually(t, func() bool { return n.Count() == 1 }, 10*time.Second, time.Millisecond)
		charge(ids[1])
		charge(ids[2])
		charge(ids[2]) // a job retried while its first run waits
		require.Eventually(t, func() bool { return service.PaymentsWaiting(svc) == 3 }, 10*time.Second, time.Millisecond)
		require.NoError(t, lock.Rollback(ctx))
		for range len(ids) + 1 {
			require.NoError(t, <-errs)
		}

		require.Equal(t, 3, b.count(t, "SELECT count(*) FROM orders.charges"), "each order charged once")
		require.Equal(t, 3, b.count(t, "SELECT count(*) FROM orders.shipments"))
		require.Equal(t, 6, b.count(t, "SELECT count(*) FROM orders.notifications WHERE step = 'paid'"))
		require.Equal(t, 3, b.count(t, "SELECT count(*) FROM orders.orders WHERE status = 'paid'"))
		// One statement paid the two that waited; the repeated payment
		// found its order paid and read why (a transaction that moved
		// nothing, the payment, the order): without the batch there
		// would be one more.
		require.Equal(t, int64(2+5), n.Count())
	})

	t.Run("CardPaymentsReadTogether", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ids := make([]int64, 3)
		for i := range ids {
			ids[i] = b.place(t, fmt.Sprint("k", i), 1, validCard("4242424242424242")).ID
		}
		svc, n := b.counted(t, nil)
		// The first charge's read waits for the payments table, so the
		// charges that come meanwhile wait for the next read; the orders'
		// rows hold every payment up after its read.
		reads, err := b.pool.Begin(ctx)
		require.NoError(t, err)
		defer func() { _ = reads.Rollback(ctx) }()
		_, err = reads.Exec(ctx, "LOCK TABLE orders.payments IN ACCESS EXCLUSIVE MODE")
		require.NoError(t, err)
		moves, err := b.pool.Begin(ctx)
		require.NoError(t, err)
		defer func() { _ = moves.Rollback(ctx) }()
		_, err = moves.Exec(ctx, "SELECT FROM orders.orders WHERE id = ANY($1) FOR UPDATE", ids)
		require.NoError(t, err)
		errs := make(chan error, len(ids))
		for i, id := range ids {
			go func() { errs <- svc.Charge(ctx, id, orders.MethodCard) }()
			if i == 0 {
				require.Eventually(t, func() bool { return n.Count() == 1 }, 10*time.Second, time.Millisecond)
			}
		}
		require.Eventually(t, func() bool { return service.DuesWaiting(svc) == 2 }, 10*time.Second, time.Millisecond)
		require.NoError(t, reads.Rollback(ctx))
		// Every charge has read its payment once the first payment's
		// statement waits for its order's row and the others wait for it
		// (until that statement starts, the first counts as waiting too).
		require.Eventually(t, func() bool {
			return b.count(t, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == 1 &&
				service.PaymentsWaiting(svc) == 2
		}, 10*time.Second, time.Millisecond)
		require.Equal(t, int64(2+1), n.Count(), "two reads for three charges, then the first payment")
		require.NoError(t, moves.Rollback(ctx))
		for range ids {
			require.NoError(t, <-errs)
		}
		require.Equal(t, 3, b.count(t, "SELECT count(*) FROM orders.charges"), "each order charged once")
		require.Equal(t, 3, b.count(t, "SELECT count(*) FROM orders.orders WHERE status = 'paid'"))
	})

	t.Run("EmailsInTheSameTransaction", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.withMailboxes(t)
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
		require.NoError(t, errOf(b.svc.Cancel(ctx, b.buyer, o.ID, "")))
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

// TestService_TransitionKeepsItsPlan: every change of an order's state is
// one statement, Transition, whose steps differ in shape (a payment step
// settles and ships, a plain one does not). A connection must keep the
// generic plan it caches after five calls, whatever the step; otherwise
// Postgres plans every call again, which cost as much as running it (the
// profile of issue #11 found half the calls planned anew). The orders go
// through their whole life, as the shop's do: three plain steps (placed,
// shipped, delivered) to each payment step. With that mix, and the
// statement's flags visible to the planner rather than hidden in
// sub-selects, the plain steps' plans looked cheaper than the generic one
// and every call was planned: 32 custom plans of 32 here, and 1,040 of
// 1,036 calls in the bench's service checkout (pg_stat_statements).
func TestService_TransitionKeepsItsPlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	pool, svc := b.planned(t)
	const rounds = 8
	for i := range rounds {
		require.NoError(t, svc.SetQuantity(ctx, service.Owner{UserID: b.buyer.ID}, b.book.ID, 1))
		o, err := svc.Place(ctx, b.buyer, b.seen(t, checkoutInput(fmt.Sprint("plan-", i), service.PaymentInput{Method: orders.MethodWallet})))
		require.NoError(t, err, "a plain step: pending to awaiting payment")
		require.NoError(t, svc.Charge(ctx, o.ID, orders.MethodWallet), "a payment step")
		b.clock.Add(svc.Options().ShippingStep)
		_, err = svc.Carry(ctx)
		require.NoError(t, err, "the carrier's plain steps")
	}
	for range 4 { // the last orders on to their delivery (four carrier steps)
		b.clock.Add(svc.Options().ShippingStep)
		_, err := svc.Carry(ctx)
		require.NoError(t, err)
	}
	generic, custom := plans(t, pool, "Transition")
	require.LessOrEqual(t, custom, int64(5), "only the first five calls are planned for their values")
	require.Equal(t, int64(4*rounds), generic+custom)
}

// TestService_PaymentsDueKeepsItsPlan: the card payments running at one
// time read their payments in one statement, whose batch is one payment
// or many. Seeing the batch's length, the planner found a plan for one
// payment cheaper than the generic plan, so a connection planned nearly
// every call again (make bench -statements: 1,330 plans in 2,093 calls of
// the HTTP checkout).
func TestService_PaymentsDueKeepsItsPlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	pool, svc := b.planned(t)
	const rounds = 12
	for i := range rounds {
		o := b.place(t, fmt.Sprint("due-", i), 1, validCard("4242424242424242"))
		require.NoError(t, svc.Charge(ctx, o.ID, orders.MethodCard))
	}
	generic, custom := plans(t, pool, "PaymentsDue")
	require.LessOrEqual(t, custom, int64(5), "only the first five calls are planned for their values")
	require.Equal(t, int64(rounds), generic+custom)
}

// planned gives b a book of 40 copies and a shop's history, analyzed:
// 20,000 orders delivered and few in flight, which is what made plans for
// one call's values look cheaper than the generic plan. It returns a
// service on a pool of one connection, so one cache of prepared
// statements, whose plans the caller counts (see plans).
func (b *bundle) planned(t *testing.T) (*pgxpool.Pool, *service.Service) {
	t.Helper()
	ctx := context.Background()
	b.book = catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Emma", PriceCents: 900, Copies: 40})
	o := b.place(t, "history", 1, service.PaymentInput{Method: orders.MethodWallet})
	b.history(t, o.ID, 20000)
	_, err := b.pool.Exec(ctx, "ANALYZE")
	require.NoError(t, err)
	cfg := b.pool.Config()
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool, service.New(pool, b.cat, riverClient(t, pool), &service.Options{ShippingStep: b.svc.Options().ShippingStep, NowFunc: b.clock.Now})
}

// plans counts the plans pool's one connection made of the sqlc query
// named name since it prepared it: generic (cached and reused) and custom
// (made for one call's values).
func plans(t *testing.T, pool *pgxpool.Pool, name string) (generic, custom int64) {
	t.Helper()
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT generic_plans, custom_plans FROM pg_prepared_statements
		WHERE statement LIKE '-- name: ' || $1 || ' %'`, name).Scan(&generic, &custom))
	return generic, custom
}
