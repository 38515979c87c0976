// Package jobs holds the orders module's River workers. Each is a thin
// call into the service, whose methods are idempotent, so River may retry
// any of them blindly after a crash.
package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
)

// Ref points the workers at the service. The River client is built before
// the service (which inserts jobs with it), so the workers get the service
// through Ref, set before the client starts working.
type Ref struct {
	Svc *service.Service
}

// Register adds every worker of the module.
func Register(w *river.Workers, svc *Ref) {
	river.AddWorker(w, &Charge{svc: svc})
	river.AddWorker(w, &Release{svc: svc})
	river.AddWorker(w, &Confirm{svc: svc})
	river.AddWorker(w, &Ship{svc: svc})
	river.AddWorker(w, &Advance{svc: svc})
	river.AddWorker(w, &Sweep{svc: svc})
}

// Periodic returns the sweeper's schedule: often enough that a stuck order
// is resolved soon after its deadline.
func Periodic(stuckAfter time.Duration) *river.PeriodicJob {
	every := min(max(stuckAfter/4, time.Second), time.Minute)
	return river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
		return service.SweepArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

// Charge runs an order's payment.
type Charge struct {
	river.WorkerDefaults[service.ChargeArgs]
	svc *Ref
}

// Work implements river.Worker.
func (w *Charge) Work(ctx context.Context, job *river.Job[service.ChargeArgs]) error {
	err := w.svc.Svc.Charge(ctx, job.Args.OrderID)
	if errors.Is(err, orders.ErrNotFound) {
		return river.JobCancel(err)
	}
	return err
}

// Release returns an order's copies to sale.
type Release struct {
	river.WorkerDefaults[service.ReleaseArgs]
	svc *Ref
}

// Work implements river.Worker.
func (w *Release) Work(ctx context.Context, job *river.Job[service.ReleaseArgs]) error {
	return w.svc.Svc.ReleaseStock(ctx, job.Args.OrderID)
}

// Confirm marks an order's copies sold.
type Confirm struct {
	river.WorkerDefaults[service.ConfirmArgs]
	svc *Ref
}

// Work implements river.Worker.
func (w *Confirm) Work(ctx context.Context, job *river.Job[service.ConfirmArgs]) error {
	err := w.svc.Svc.ConfirmStock(ctx, job.Args.OrderID)
	if errors.Is(err, catalog.ErrNotHeld) {
		// Nothing to confirm will ever appear: stop retrying, keep it for
		// the admin's jobs page.
		return river.JobCancel(err)
	}
	return err
}

// Ship hands a paid order to its provider.
type Ship struct {
	river.WorkerDefaults[service.ShipArgs]
	svc *Ref
}

// Work implements river.Worker.
func (w *Ship) Work(ctx context.Context, job *river.Job[service.ShipArgs]) error {
	return w.svc.Svc.Ship(ctx, job.Args.OrderID)
}

// Advance moves a shipment one step.
type Advance struct {
	river.WorkerDefaults[service.AdvanceArgs]
	svc *Ref
}

// Work implements river.Worker.
func (w *Advance) Work(ctx context.Context, job *river.Job[service.AdvanceArgs]) error {
	return w.svc.Svc.Advance(ctx, job.Args.OrderID, job.Args.From)
}

// Sweep resolves stuck orders and orphan holds.
type Sweep struct {
	river.WorkerDefaults[service.SweepArgs]
	svc *Ref
}

// Work implements river.Worker.
func (w *Sweep) Work(ctx context.Context, _ *river.Job[service.SweepArgs]) error {
	_, err := w.svc.Svc.Sweep(ctx)
	return err
}

// Timeout gives a sweep, which may resolve many orders, longer than the
// saga's single-order steps.
func (w *Sweep) Timeout(*river.Job[service.SweepArgs]) time.Duration { return time.Minute }
