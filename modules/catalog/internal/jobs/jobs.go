// Package jobs holds the catalog's background work: keeping the catalog's
// copy of sellers (names, disabled flags) in step with the accounts module,
// matching listings against want lists, and sweeping away what is no
// longer needed: the photos kept for new-listing forms never sent again,
// the imports never confirmed, and the photo files no row names. The service inserts the args
// and the workers call back into it, through Catalog, so neither package
// imports the other's concrete type.
package jobs

import (
	"context"
	"errors"
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
	SellersBehind(ctx context.Context, changes authfeed.ChangesFunc) (bool, error)
	MatchWants(ctx context.Context, id catalog.BookID) (int, error)
	RunImport(ctx context.Context, id int64) error
	FailImport(ctx context.Context, id int64, cause error) error
	SweepStagedPhotos(ctx context.Context) (int, error)
	SweepStagedImports(ctx context.Context) (int, error)
	SweepPhotoFiles(ctx context.Context) (int, error)
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

// ImportListingsArgs asks to import a seller's confirmed CSV.
type ImportListingsArgs struct {
	ImportID int64 `json:"import_id"`
}

// Kind implements river.JobArgs.
func (ImportListingsArgs) Kind() string { return "catalog.import_listings" }

// InsertOpts bounds the retries: an import that fails five times in a row
// fails for a reason the seller must see, not a passing one.
func (ImportListingsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: ImportAttempts}
}

// ImportAttempts is how many times an import is tried before it fails.
const ImportAttempts = 5

// ImportListingsWorker runs an import. It is idempotent: the rows and the
// summary commit together, and a finished import is not run again.
type ImportListingsWorker struct {
	river.WorkerDefaults[ImportListingsArgs]
	Service Catalog
}

// Work implements river.Worker. A failed attempt imported nothing, so the
// next one starts afresh; after the last, the import is marked failed with
// the reason, for the seller's page.
func (w *ImportListingsWorker) Work(ctx context.Context, job *river.Job[ImportListingsArgs]) error {
	err := w.Service.RunImport(ctx, job.Args.ImportID)
	if err != nil && job.Attempt >= job.MaxAttempts {
		if ferr := w.Service.FailImport(ctx, job.Args.ImportID, err); ferr != nil {
			return errors.Join(err, ferr)
		}
	}
	return err
}

// Timeout bounds one attempt; 10,000 rows take seconds.
func (w *ImportListingsWorker) Timeout(*river.Job[ImportListingsArgs]) time.Duration {
	return 5 * time.Minute
}

// SweepStagedPhotosArgs asks to remove the photos kept for new-listing
// forms that were never sent again (service.StagedPhotoTTL).
type SweepStagedPhotosArgs struct{}

// Kind implements river.JobArgs.
func (SweepStagedPhotosArgs) Kind() string { return "catalog.sweep_staged_photos" }

// InsertOpts makes runs unique while one waits, as SyncSellersArgs does.
func (SweepStagedPhotosArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: SweepEvery}}
}

// SweepEvery is how often staged photos are swept: one lives at most
// this long past its day.
const SweepEvery = time.Hour

// SweepStagedPhotosWorker removes them; it is idempotent, as a row and
// its files go once.
type SweepStagedPhotosWorker struct {
	river.WorkerDefaults[SweepStagedPhotosArgs]
	Service Catalog
}

// Work implements river.Worker.
func (w *SweepStagedPhotosWorker) Work(ctx context.Context, _ *river.Job[SweepStagedPhotosArgs]) error {
	_, err := w.Service.SweepStagedPhotos(ctx)
	return err
}

// SweepStagedImportsArgs asks to remove the imports never confirmed
// (service.StagedImportTTL), with their files.
type SweepStagedImportsArgs struct{}

// Kind implements river.JobArgs.
func (SweepStagedImportsArgs) Kind() string { return "catalog.sweep_staged_imports" }

// InsertOpts makes runs unique while one waits, as SyncSellersArgs does.
func (SweepStagedImportsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: SweepEvery}}
}

// SweepStagedImportsWorker removes them; it is idempotent, as a row goes
// once.
type SweepStagedImportsWorker struct {
	river.WorkerDefaults[SweepStagedImportsArgs]
	Service Catalog
}

// Work implements river.Worker.
func (w *SweepStagedImportsWorker) Work(ctx context.Context, _ *river.Job[SweepStagedImportsArgs]) error {
	_, err := w.Service.SweepStagedImports(ctx)
	return err
}

// SweepPhotoFilesArgs asks to remove the photo files that no row names
// (service.SweepPhotoFiles).
type SweepPhotoFilesArgs struct{}

// Kind implements river.JobArgs.
func (SweepPhotoFilesArgs) Kind() string { return "catalog.sweep_photo_files" }

// InsertOpts makes runs unique while one waits, as SyncSellersArgs does.
func (SweepPhotoFilesArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: PhotoFilesEvery}}
}

// PhotoFilesEvery is how often the photo store is gone through: every
// file is listed, so not hourly. A file left by a failed delete is never
// served meanwhile; it only takes room until then.
const PhotoFilesEvery = 24 * time.Hour

// SweepPhotoFilesWorker removes them; it is idempotent, as a removed file
// is not listed again, and a run stopped halfway leaves the rest to the
// next.
type SweepPhotoFilesWorker struct {
	river.WorkerDefaults[SweepPhotoFilesArgs]
	Service Catalog
}

// Work implements river.Worker.
func (w *SweepPhotoFilesWorker) Work(ctx context.Context, _ *river.Job[SweepPhotoFilesArgs]) error {
	_, err := w.Service.SweepPhotoFiles(ctx)
	return err
}

// Timeout bounds one run: listing a store of a million photos takes
// minutes.
func (w *SweepPhotoFilesWorker) Timeout(*river.Job[SweepPhotoFilesArgs]) time.Duration {
	return time.Hour
}

// Workers registers the module's workers. The accounts service is the
// local one in the monolith, a remote client when split.
func Workers(svc Catalog, accounts auth.Service) riverfx.Registrar {
	return func(ws *river.Workers) {
		river.AddWorker(ws, &SyncSellersWorker{Service: svc, Changes: accounts.UserChanges})
		river.AddWorker(ws, &MatchWantsWorker{Service: svc})
		river.AddWorker(ws, &ImportListingsWorker{Service: svc})
		river.AddWorker(ws, &SweepStagedPhotosWorker{Service: svc})
		river.AddWorker(ws, &SweepStagedImportsWorker{Service: svc})
		river.AddWorker(ws, &SweepPhotoFilesWorker{Service: svc})
	}
}

// Periodic schedules the sellers' pass every SyncEvery, when the feed
// holds a change the copy lacks, the sweeps of staged photos and imports
// every SweepEvery and that of photo files every PhotoFilesEvery, each run
// at start too.
func Periodic(svc Catalog, accounts auth.Service) []*river.PeriodicJob {
	behind := func(ctx context.Context) (bool, error) { return svc.SellersBehind(ctx, accounts.UserChanges) }
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(SyncEvery),
			riverfx.WhenDue(behind, SyncSellersArgs{}),
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(SweepEvery),
			func() (river.JobArgs, *river.InsertOpts) { return SweepStagedPhotosArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(SweepEvery),
			func() (river.JobArgs, *river.InsertOpts) { return SweepStagedImportsArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(PhotoFilesEvery),
			func() (river.JobArgs, *river.InsertOpts) { return SweepPhotoFilesArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
