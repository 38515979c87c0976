// Package jobs holds the catalog's background work: keeping the catalog's
// copy of sellers (names, disabled flags) in step with the accounts module,
// and matching listings against want lists. The service inserts the args
// and the workers call back into it, through Catalog, so neither package
// imports the other's concrete type.
package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authfeed"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/platform/riverfx"
)

// Catalog is what the workers need of the catalog service.
type Catalog interface {
	SyncSellers(ctx context.Context, changes authfeed.ChangesFunc) (int, error)
	MatchWants(ctx context.Context, id catalog.BookID) (int, error)
}

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
	Service Catalog
	Changes authfeed.ChangesFunc
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

// MatchWantsArgs asks to match one listing, just published or cheaper, or
// otherwise changed in what wants look at, against every want list.
type MatchWantsArgs struct {
	BookID catalog.BookID `json:"book_id"`
}

// Kind implements river.JobArgs.
func (MatchWantsArgs) Kind() string { return "catalog.match_wants" }

// MatchWantsWorker records the listing's matches. It is idempotent: a
// want hears of a listing once (the matches' primary key), so a retry or
// a second change of the same listing adds nothing twice.
type MatchWantsWorker struct {
	river.WorkerDefaults[MatchWantsArgs]
	Service Catalog
}

// Work implements river.Worker. A listing gone or off sale since matches
// nothing, which is a success.
func (w *MatchWantsWorker) Work(ctx context.Context, job *river.Job[MatchWantsArgs]) error {
	_, err := w.Service.MatchWants(ctx, job.Args.BookID)
	return err
}

// Workers registers the module's workers. The accounts service is the
// local one in the monolith, a remote client when split.
func Workers(svc Catalog, accounts auth.Service) riverfx.Registrar {
	return func(ws *river.Workers) {
		river.AddWorker(ws, &SyncSellersWorker{Service: svc, Changes: accounts.UserChanges})
		river.AddWorker(ws, &MatchWantsWorker{Service: svc})
	}
}

// Periodic schedules the pass every SyncEvery, run at start too.
func Periodic() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(SyncEvery),
		func() (river.JobArgs, *river.InsertOpts) { return SyncSellersArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})}
}
