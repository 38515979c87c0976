package jobs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/jobs"
	"github.com/bookstore/bookstore/modules/orders/internal/payment"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/riverfx"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type bundle struct {
	pool   *pgxpool.Pool
	svc    *service.Service
	cat    catalog.Service
	config *river.Config
	buyer  auth.User
	ins    *riverfx.Inserter
}

func setup(t *testing.T) *bundle {
	t.Helper()
	return setupWith(t, catalogtest.NewService)
}

// setupWith runs the orders service with the catalog newCatalog returns.
func setupWith[C catalog.Service](t *testing.T, newCatalog func(*pgxpool.Pool) C) *bundle {
	t.Helper()
	pool := pgtest.New(t)
	ins, err := riverfx.NewInserter(pool, nil)
	require.NoError(t, err)
	cat := newCatalog(pool)
	// Each shipping step is due as soon as the carrier's next round runs.
	svc := service.New(pool, cat, ins, &service.Options{ShippingStep: time.Microsecond})
	return &bundle{pool: pool, svc: svc, cat: cat, config: &river.Config{Schema: "river"}, buyer: auth.User{ID: 1}, ins: ins}
}

// order places an order for one copy, paid with p.
func (b *bundle) order(t *testing.T, p service.PaymentInput) service.Order {
	t.Helper()
	ctx := context.Background()
	book := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: 2, Title: "Book", PriceCents: 1000, Copies: 5})
	require.NoError(t, b.svc.SetQuantity(ctx, service.Owner{UserID: b.buyer.ID}, book.ID, 1))
	cart, err := b.svc.Cart(ctx, service.Owner{UserID: b.buyer.ID})
	require.NoError(t, err)
	o, err := b.svc.Place(ctx, b.buyer, service.PlaceInput{Key: "k", Lines: cart.Seen(), ProviderID: 3, DeliveryCents: new(int64(800)), Payment: p,
		Address: service.Address{Name: "N", Street: "S", City: "C", Region: "R", PostalCode: "1", Country: "CO"}})
	require.NoError(t, err)
	return o
}

func card(n string) service.PaymentInput {
	return service.PaymentInput{Method: orders.MethodCard, Card: payment.Card{Number: n, ExpMonth: 1, ExpYear: 2099, CVC: "123"}}
}

// work runs one job in its own committed transaction, as River does; an
// open test transaction would hold River's rows while the service's own
// transactions insert the next jobs.
func work[T river.JobArgs](t *testing.T, b *bundle, w *rivertest.Worker[T, pgx.Tx], args T) (*rivertest.WorkResult, error) {
	t.Helper()
	ctx := context.Background()
	tx, err := b.pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	res, werr := w.Work(ctx, t, tx, args, nil)
	require.NoError(t, tx.Commit(ctx))
	return res, werr
}

func (b *bundle) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, b.pool.QueryRow(context.Background(), q, args...).Scan(&n))
	return n
}

// timeline is the order's shipment timeline as its page shows it.
func (b *bundle) timeline(t *testing.T, orderID int64) []service.Event {
	t.Helper()
	o, err := b.svc.Get(context.Background(), b.buyer, orderID)
	require.NoError(t, err)
	require.NotNil(t, o.Shipment)
	return o.Shipment.Events
}

func stepsOf(events []service.Event) []string {
	steps := make([]string, 0, len(events))
	for _, e := range events {
		steps = append(steps, e.Step)
	}
	return steps
}

func TestCharge_RetriedJobChargesAndNotifiesOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	o := b.order(t, card("4242424242424242"))
	w := rivertest.NewWorker(t, riverpgxv5.New(b.pool), b.config, &jobs.Charge{Saga: b.svc})
	for range 3 {
		res, err := work(t, b, w, jobs.ChargeArgs{OrderID: o.ID})
		require.NoError(t, err)
		require.Equal(t, river.EventKindJobCompleted, res.EventKind)
	}
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.charges WHERE order_id = $1", o.ID))
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM orders.notifications WHERE order_id = $1 AND step = 'paid'", o.ID)) // buyer + seller
	// The charge handed the order over: its shipment's timeline holds its
	// first step, and its next step is due for the carrier.
	require.Equal(t, []string{"label_created"}, stepsOf(b.timeline(t, o.ID)))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.shipments WHERE order_id = $1 AND due_at IS NOT NULL", o.ID))
}

func TestCharge_ProcessorUnavailableIsRetried(t *testing.T) {
	t.Parallel()

	b := setup(t)
	o := b.order(t, card("4000000000000119"))
	w := rivertest.NewWorker(t, riverpgxv5.New(b.pool), b.config, &jobs.Charge{Saga: b.svc})
	for i := range 2 {
		_, err := work(t, b, w, jobs.ChargeArgs{OrderID: o.ID})
		require.ErrorIs(t, err, payment.ErrUnavailable) // a plain error: River retries it
		require.EqualError(t, err, fmt.Sprintf("charge order %d: attempt %d: payment processor unavailable", o.ID, i+1),
			"the job's error names the order and the attempt")
	}
	res, err := work(t, b, w, jobs.ChargeArgs{OrderID: o.ID})
	require.NoError(t, err)
	require.Equal(t, river.EventKindJobCompleted, res.EventKind)
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.charges WHERE order_id = $1", o.ID))
}

func TestCharge_DeclineReleasesByJob(t *testing.T) {
	t.Parallel()

	b := setup(t)
	o := b.order(t, card("4000000000000002"))
	w := rivertest.NewWorker(t, riverpgxv5.New(b.pool), b.config, &jobs.Charge{Saga: b.svc})
	for range 2 {
		_, err := work(t, b, w, jobs.ChargeArgs{OrderID: o.ID})
		require.NoError(t, err)
	}
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM orders.notifications WHERE order_id = $1 AND step = 'payment_failed'", o.ID))
	require.Zero(t, b.count(t, "SELECT count(*) FROM orders.charges"))
	rw := rivertest.NewWorker(t, riverpgxv5.New(b.pool), b.config, &jobs.Release{Saga: b.svc})
	for range 2 {
		_, err := work(t, b, rw, jobs.ReleaseArgs{OrderID: o.ID})
		require.NoError(t, err)
	}
	c := catalogtest.StockOf(context.Background(), t, b.pool, o.Lines[0].BookID)
	avail, held := c.Available, c.Held
	require.Equal(t, []int{5, 0}, []int{avail, held})
}

func TestShipping_TimelineByJobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	o := b.order(t, service.PaymentInput{Method: orders.MethodWallet})
	_, err := work(t, b, rivertest.NewWorker(t, riverpgxv5.New(b.pool), b.config, &jobs.Charge{Saga: b.svc}), jobs.ChargeArgs{OrderID: o.ID})
	require.NoError(t, err)
	carry := rivertest.NewWorker(t, riverpgxv5.New(b.pool), b.config, &jobs.Carry{Saga: b.svc})
	conf := rivertest.NewWorker(t, riverpgxv5.New(b.pool), b.config, &jobs.Confirm{Saga: b.svc})
	steps := []string{"label_created", "picked_up", "in_transit", "out_for_delivery", "delivered"}
	seen := b.timeline(t, o.ID)
	for round := range 5 { // the fifth round finds nothing due
		res, err := work(t, b, carry, jobs.CarryArgs{})
		require.NoError(t, err)
		require.Equal(t, river.EventKindJobCompleted, res.EventKind)
		got := b.timeline(t, o.ID)
		require.Equal(t, steps[:min(round+2, 5)], stepsOf(got))
		require.Equal(t, seen, got[:len(seen)], "a step keeps the time it was first recorded at")
		seen = got
		if round == 0 {
			res, err := work(t, b, conf, b.confirmJob(t))
			require.NoError(t, err)
			require.Equal(t, river.EventKindJobCompleted, res.EventKind)
		}
	}
	got, err := b.svc.Get(ctx, b.buyer, o.ID)
	require.NoError(t, err)
	require.Equal(t, orders.StatusDelivered, got.Status)
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.notifications WHERE order_id = $1 AND step = 'delivered' AND user_id = $2", o.ID, b.buyer.ID))
	c := catalogtest.StockOf(ctx, t, b.pool, o.Lines[0].BookID)
	require.Equal(t, []int{4, 0, 1}, []int{c.Available, c.Held, c.Sold})
}

// shipAll places, pays and picks up an order of one copy for each of n
// buyers, in one round of the carrier.
func (b *bundle) shipAll(t *testing.T, n int) []service.Order {
	t.Helper()
	var placed []service.Order
	for i := range n {
		b.buyer = auth.User{ID: auth.UserID(100 + i)}
		o := b.order(t, service.PaymentInput{Method: orders.MethodWallet})
		require.NoError(t, b.svc.Charge(context.Background(), o.ID, o.Payment.Method))
		placed = append(placed, o)
	}
	moved, err := b.svc.Carry(context.Background())
	require.NoError(t, err)
	require.Equal(t, n, moved)
	return placed
}

// confirmJob is the confirmation job the carrier inserted; there must be one.
func (b *bundle) confirmJob(t *testing.T) jobs.ConfirmArgs {
	t.Helper()
	var raw []byte
	require.NoError(t, b.pool.QueryRow(context.Background(), "SELECT args FROM river.river_job WHERE kind = $1", jobs.ConfirmArgs{}.Kind()).Scan(&raw))
	var args jobs.ConfirmArgs
	require.NoError(t, json.Unmarshal(raw, &args))
	return args
}

// sold reads the sold copies of each order's book.
func (b *bundle) sold(t *testing.T, placed []service.Order) []int {
	t.Helper()
	var sold []int
	for _, o := range placed {
		sold = append(sold, catalogtest.StockOf(context.Background(), t, b.pool, o.Lines[0].BookID).Sold)
	}
	return sold
}

func TestConfirm_OneJobSellsABatchAndNamesOrdersHoldingNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	placed := b.shipAll(t, 3)
	args := b.confirmJob(t)
	require.ElementsMatch(t, []int64{placed[0].ID, placed[1].ID, placed[2].ID}, args.OrderIDs, "one job for the round")

	// An order that holds nothing in the batch: the others sell all the
	// same, and the job stops, naming it, for the admin's jobs page. A
	// retry sells nothing twice.
	args.OrderIDs = append(args.OrderIDs, 424242)
	w := rivertest.NewWorker(t, riverpgxv5.New(b.pool), b.config, &jobs.Confirm{Saga: b.svc})
	for range 2 {
		res, err := work(t, b, w, args)
		require.NoError(t, err)
		requireCancelled(t, res, "424242")
		require.Equal(t, []int{1, 1, 1}, b.sold(t, placed))
	}
}

// A job of one order, as shops before batches queued them, is still worked.
func TestConfirm_JobOfOneOrderQueuedBeforeBatches(t *testing.T) {
	t.Parallel()
	b := setup(t)
	placed := b.shipAll(t, 1)
	w := rivertest.NewWorker(t, riverpgxv5.New(b.pool), b.config, &jobs.ConfirmOne{Saga: b.svc})
	for range 2 {
		res, err := work(t, b, w, jobs.ConfirmOneArgs{OrderID: placed[0].ID})
		require.NoError(t, err)
		require.Equal(t, river.EventKindJobCompleted, res.EventKind)
		require.Equal(t, []int{1}, b.sold(t, placed))
	}
	res, err := work(t, b, w, jobs.ConfirmOneArgs{OrderID: 424242})
	require.NoError(t, err)
	requireCancelled(t, res, "424242")
}

// requireCancelled requires that the job stopped for good on orders that
// hold nothing, naming them in the error it keeps.
func requireCancelled(t *testing.T, res *rivertest.WorkResult, orders string) {
	t.Helper()
	require.Equal(t, river.EventKindJobCancelled, res.EventKind)
	require.NotEmpty(t, res.Job.Errors)
	last := res.Job.Errors[len(res.Job.Errors)-1].Error
	require.Contains(t, last, "orders ["+orders+"]")
	require.Contains(t, last, catalog.ErrNotHeld.Error())
}

// In a split shop the job waits, retried by River, while the catalog's
// process cannot be reached, and sells the copies once it can.
func TestConfirm_SplitWaitsForTheCatalog(t *testing.T) {
	t.Parallel()
	var remote *catalogtest.Remote
	b := setupWith(t, func(pool *pgxpool.Pool) *catalogtest.Remote {
		remote = catalogtest.NewRemote(t, pool)
		return remote
	})
	placed := b.shipAll(t, 2)
	args := b.confirmJob(t)
	w := rivertest.NewWorker(t, riverpgxv5.New(b.pool), b.config, &jobs.Confirm{Saga: b.svc})

	remote.SetDown(true)
	res, err := work(t, b, w, args)
	require.ErrorIs(t, err, apperr.ErrUnavailable)
	require.Equal(t, river.EventKindJobFailed, res.EventKind, "a failure River retries with backoff, not a cancel")
	require.Equal(t, []int{0, 0}, b.sold(t, placed))

	remote.SetDown(false)
	args.OrderIDs = append(args.OrderIDs, 424242)
	res, err = work(t, b, w, args)
	require.NoError(t, err)
	requireCancelled(t, res, "424242") // the orders holding nothing cross the wire
	require.Equal(t, []int{1, 1}, b.sold(t, placed))
}

func TestSweep_ReleasesOrphanHoldsAndSaysSo(t *testing.T) {
	t.Parallel()
	b := setup(t)
	book := catalogtest.CreateBook(context.Background(), t, b.pool, &catalogtest.BookOpts{SellerID: 2, Title: "Held", PriceCents: 100, Copies: 2})
	catalogtest.Hold(context.Background(), t, b.cat, b.pool, 98, book.ID, 2) // no order holds it
	var logs bytes.Buffer
	w := &jobs.Sweep{Saga: b.svc, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	res, err := work(t, b, rivertest.NewWorker(t, riverpgxv5.New(b.pool), b.config, w), jobs.SweepArgs{})
	require.NoError(t, err)
	require.Equal(t, river.EventKindJobCompleted, res.EventKind)
	c := catalogtest.StockOf(context.Background(), t, b.pool, book.ID)
	require.Equal(t, []int{2, 0}, []int{c.Available, c.Held})
	require.Contains(t, logs.String(), "swept orders")
	require.Contains(t, logs.String(), "Released:1")

	logs.Reset()
	_, err = work(t, b, rivertest.NewWorker(t, riverpgxv5.New(b.pool), b.config, w), jobs.SweepArgs{})
	require.NoError(t, err)
	require.Empty(t, logs.String(), "a sweep that found nothing stays quiet")
}
