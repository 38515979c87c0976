// Package jobs holds the catalog's background work: keeping the catalog's
// copy of sellers (names, disabled flags) in step with the accounts module.
package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/riverfx"
)

// SyncSellersArgs asks for one pass over the accounts change feed.
type SyncSellersArgs struct{}

// Kind implements river.JobArgs.
func (SyncSellersArgs) Kind() string { return "catalog.sync_sellers" }

// InsertOpts makes runs unique while one waits, so a slow feed never piles
// up a queue of identical passes.
func (SyncSellersArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: SyncEvery}}
}

// SyncEvery is how often the copy catches up: a disabled seller's listings
// leave the shop within about this long.
const SyncEvery = 2 * time.Second

// SyncSellersWorker applies the feed; it is idempotent, since the cursor
// and the rows it covers commit together.
type SyncSellersWorker struct {
	river.WorkerDefaults[SyncSellersArgs]
	Service *service.Service
	Changes service.UserChangesFunc
}

// Work implements river.Worker. A feed that is down fails the run, which
// River retries; the next periodic run catches up anyway.
func (w *SyncSellersWorker) Work(ctx context.Context, _ *river.Job[SyncSellersArgs]) error {
	_, err := w.Service.SyncSellers(ctx, w.Changes)
	return err
}

// Timeout bounds one pass.
func (w *SyncSellersWorker) Timeout(*river.Job[SyncSellersArgs]) time.Duration {
	return 30 * time.Second
}

// Workers registers the module's workers. The accounts service is the
// local one in the monolith, a remote client when split.
func Workers(svc *service.Service, accounts auth.Service) riverfx.Registrar {
	return func(ws *river.Workers) {
		river.AddWorker(ws, &SyncSellersWorker{Service: svc, Changes: accounts.UserChanges})
	}
}

// Periodic schedules the pass every SyncEvery, run at start too.
func Periodic() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(SyncEvery),
		func() (river.JobArgs, *river.InsertOpts) { return SyncSellersArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})}
}
