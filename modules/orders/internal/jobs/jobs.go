// Package jobs holds the orders module's River jobs: the arguments the
// service inserts with each state change, and the workers that carry each
// step out. Every worker is a thin call into the service, whose methods are
// idempotent, so River may retry any of them blindly after a crash.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authfeed"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/platform/riverfx"
)

// ChargeArgs asks the simulated processor to charge an order. Method is
// the payment method the job was submitted for, so that a payment the
// processor is not asked about (a wallet's, a bank transfer's) is settled
// without reading it first; empty in jobs submitted before it was kept.
type ChargeArgs struct {
	OrderID int64  `json:"order_id"`
	Method  string `json:"method,omitempty"`
}

// Kind implements river.JobArgs.
func (ChargeArgs) Kind() string { return "orders.charge_payment" }

// ReleaseArgs returns an order's held copies to the catalog. Retries is
// the payment's retry count when a failed payment scheduled the job, so a
// job that a later payment attempt superseded does nothing.
type ReleaseArgs struct {
	OrderID int64 `json:"order_id"`
	Retries int   `json:"retries,omitempty"`
}

// Kind implements river.JobArgs.
func (ReleaseArgs) Kind() string { return "orders.release_stock" }

// ConfirmArgs turns the held copies of the orders a round of the carrier
// shipped into sold ones: one job, one catalog call and one transaction
// there for the whole batch (at most catalog.MaxConfirm orders).
type ConfirmArgs struct {
	OrderIDs []int64 `json:"order_ids"`
}

// Kind implements river.JobArgs.
func (ConfirmArgs) Kind() string { return "orders.confirm_stock_batch" }

// ConfirmOneArgs is the job of one order that shops before batches
// inserted; a shop upgraded with such jobs queued, or still running an
// older replica during a rolling upgrade, has them to work.
type ConfirmOneArgs struct {
	OrderID int64 `json:"order_id"`
}

// Kind implements river.JobArgs.
func (ConfirmOneArgs) Kind() string { return "orders.confirm_stock" }

// CarryArgs is the periodic job of the simulated carrier, which moves every
// shipment whose next step is due.
type CarryArgs struct{}

// Kind implements river.JobArgs.
func (CarryArgs) Kind() string { return "orders.carry_shipments" }

// SellerStatsArgs sends a seller's standing (ratings, sales) to the
// catalog after a review, a hidden review or a delivery changed it.
type SellerStatsArgs struct {
	SellerID auth.UserID `json:"seller_id"`
}

// Kind implements river.JobArgs.
func (SellerStatsArgs) Kind() string { return "orders.push_seller_stats" }

// SweepArgs is the periodic job that resolves stuck orders and orphan holds.
type SweepArgs struct{}

// Kind implements river.JobArgs.
func (SweepArgs) Kind() string { return "orders.sweep" }

// SweepResult counts what a sweep did.
type SweepResult struct {
	Cancelled, Failed, Released, Confirmed int
	StaleCarts                             int64
}

// Saga is the part of the orders service the workers drive. It is an
// interface because the service inserts this package's args, so this
// package cannot import the service.
type Saga interface {
	Charge(ctx context.Context, orderID int64, method string) error
	ReleaseStock(ctx context.Context, orderID int64, retries int) error
	ConfirmStock(ctx context.Context, orderIDs []int64) error
	Carry(ctx context.Context) (int, error)
	Sweep(ctx context.Context) (SweepResult, error)
	PushSellerStats(ctx context.Context, seller auth.UserID) error
	SyncRecipients(ctx context.Context, changes authfeed.ChangesFunc) (int, error)
	CarryDue(ctx context.Context) (bool, error)
	SweepDue(ctx context.Context) (bool, error)
	RecipientsBehind(ctx context.Context, changes authfeed.ChangesFunc) (bool, error)
}

// SyncRecipientsArgs asks for one pass over the accounts change feed, to
// copy users' notification addresses and email choices.
type SyncRecipientsArgs struct{}

// Kind implements river.JobArgs.
func (SyncRecipientsArgs) Kind() string { return "orders.sync_recipients" }

// InsertOpts makes runs unique while one waits, so a slow feed never piles
// up a queue of identical passes.
func (SyncRecipientsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: SyncEvery}}
}

// SyncEvery is how often the copy catches up: a changed email choice
// counts for order steps within about this long.
const SyncEvery = 2 * time.Second

// SyncRecipients applies the feed; it is idempotent, since the cursor and
// the rows it covers commit together.
type SyncRecipients struct {
	river.WorkerDefaults[SyncRecipientsArgs]
	Saga    Saga
	Changes authfeed.ChangesFunc
}

// Work implements river.Worker. A feed that is down (split mode) fails the
// run, which River retries; the next periodic run catches up anyway.
func (w *SyncRecipients) Work(ctx context.Context, _ *river.Job[SyncRecipientsArgs]) error {
	_, err := w.Saga.SyncRecipients(ctx, w.Changes)
	return err
}

// Timeout bounds one pass.
func (w *SyncRecipients) Timeout(*river.Job[SyncRecipientsArgs]) time.Duration {
	return 30 * time.Second
}

// Workers registers every worker of the module. The accounts service is
// the local one in the monolith, a remote client when split.
func Workers(saga Saga, accounts auth.Service, log *slog.Logger) riverfx.Registrar {
	return func(w *river.Workers) {
		river.AddWorker(w, &SyncRecipients{Saga: saga, Changes: accounts.UserChanges})
		river.AddWorker(w, &Charge{Saga: saga})
		river.AddWorker(w, &Release{Saga: saga})
		river.AddWorker(w, &Confirm{Saga: saga})
		river.AddWorker(w, &ConfirmOne{Saga: saga})
		river.AddWorker(w, &Carry{Saga: saga})
		river.AddWorker(w, &Sweep{Saga: saga, Log: log})
		river.AddWorker(w, &SellerStats{Saga: saga})
	}
}

// Periodic returns the sweeper's schedule, often enough that a stuck order
// is resolved soon after its deadline, the carrier's, a few rounds per
// shipping step, so that a step happens soon after it is due, and the
// recipients' copy's, every SyncEvery; all run at start too. Each inserts
// its job only when the saga reports work for it (riverfx.WhenDue), so a
// shop at rest queues none.
func Periodic(saga Saga, accounts auth.Service, stuckAfter, shippingStep time.Duration) []*river.PeriodicJob {
	sweep := min(max(stuckAfter/4, time.Second), time.Minute)
	carry := min(max(shippingStep/4, minCarryEvery), time.Minute)
	behind := func(ctx context.Context) (bool, error) { return saga.RecipientsBehind(ctx, accounts.UserChanges) }
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(sweep), riverfx.WhenDue(saga.SweepDue, SweepArgs{}),
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(carry), riverfx.WhenDue(saga.CarryDue, CarryArgs{}),
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(SyncEvery), riverfx.WhenDue(behind, SyncRecipientsArgs{}),
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}

// minCarryEvery bounds how often the carrier runs when shipping steps are
// very short (tests), since each round is a job of its own.
const minCarryEvery = 200 * time.Millisecond

// Charge runs an order's payment.
type Charge struct {
	river.WorkerDefaults[ChargeArgs]
	Saga Saga
}

// Work implements river.Worker.
func (w *Charge) Work(ctx context.Context, job *river.Job[ChargeArgs]) error {
	err := w.Saga.Charge(ctx, job.Args.OrderID, job.Args.Method)
	if errors.Is(err, orders.ErrNotFound) {
		return river.JobCancel(err)
	}
	return err
}

// Release returns an order's copies to sale.
type Release struct {
	river.WorkerDefaults[ReleaseArgs]
	Saga Saga
}

// Work implements river.Worker.
func (w *Release) Work(ctx context.Context, job *river.Job[ReleaseArgs]) error {
	return w.Saga.ReleaseStock(ctx, job.Args.OrderID, job.Args.Retries)
}

// Confirm marks the copies of a batch of orders sold.
type Confirm struct {
	river.WorkerDefaults[ConfirmArgs]
	Saga Saga
}

// Work implements river.Worker.
func (w *Confirm) Work(ctx context.Context, job *river.Job[ConfirmArgs]) error {
	return confirmStock(ctx, w.Saga, job.Args.OrderIDs)
}

// ConfirmOne marks one order's copies sold.
type ConfirmOne struct {
	river.WorkerDefaults[ConfirmOneArgs]
	Saga Saga
}

// Work implements river.Worker.
func (w *ConfirmOne) Work(ctx context.Context, job *river.Job[ConfirmOneArgs]) error {
	return confirmStock(ctx, w.Saga, []int64{job.Args.OrderID})
}

// confirmStock confirms orders. When some of them hold nothing, the others
// are confirmed all the same and nothing to confirm will ever appear for
// those: the job stops retrying and stays, naming them, on the admin's
// jobs page.
func confirmStock(ctx context.Context, saga Saga, orderIDs []int64) error {
	err := saga.ConfirmStock(ctx, orderIDs)
	if errors.Is(err, catalog.ErrNotHeld) {
		return river.JobCancel(err)
	}
	return err
}

// Carry runs a round of the simulated carrier.
type Carry struct {
	river.WorkerDefaults[CarryArgs]
	Saga Saga
}

// Work implements river.Worker.
func (w *Carry) Work(ctx context.Context, _ *river.Job[CarryArgs]) error {
	_, err := w.Saga.Carry(ctx)
	return err
}

// SellerStats pushes a seller's standing to the catalog.
type SellerStats struct {
	river.WorkerDefaults[SellerStatsArgs]
	Saga Saga
}

// Work implements river.Worker.
func (w *SellerStats) Work(ctx context.Context, job *river.Job[SellerStatsArgs]) error {
	return w.Saga.PushSellerStats(ctx, job.Args.SellerID)
}

// Sweep resolves stuck orders and orphan holds.
type Sweep struct {
	river.WorkerDefaults[SweepArgs]
	Saga Saga
	Log  *slog.Logger
}

// Work implements river.Worker. A sweep that resolved an order or a hold
// is logged, since each means some step of the saga did not finish by
// itself; so is what a sweep that failed on some orders did for the others.
func (w *Sweep) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	res, err := w.Saga.Sweep(ctx)
	if res.Cancelled+res.Failed+res.Released+res.Confirmed > 0 {
		w.Log.Info("swept orders", "result", fmt.Sprintf("%+v", res))
	}
	return err
}

// Timeout gives a sweep, which may resolve many orders, longer than the
// saga's single-order steps.
func (w *Sweep) Timeout(*river.Job[SweepArgs]) time.Duration { return time.Minute }
