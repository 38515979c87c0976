package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/jobs"
	"github.com/bookstore/bookstore/modules/catalog/internal/photos"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/migrate"
	"github.com/bookstore/bookstore/platform/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestSyncSellersWorker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	svc := service.New(pool, nil)
	book := catalogtest.CreateBook(ctx, t, pool, &catalogtest.BookOpts{SellerID: 3, SellerName: "Before"})
	feed := func(_ context.Context, after int64, _ int) ([]auth.UserChange, error) {
		if after >= 1 {
			return nil, nil
		}
		return []auth.UserChange{{Seq: 1, User: auth.User{ID: 3, Name: "After", Disabled: true}}}, nil
	}
	w := rivertest.NewWorker(t, riverpgxv5.New(pool), &river.Config{Schema: migrate.RiverSchema},
		&jobs.SyncSellersWorker{Service: svc, Changes: feed})
	behind, err := svc.SellersBehind(ctx, feed)
	require.NoError(t, err)
	require.True(t, behind, "a change not yet copied queues a pass")
	for range 2 {
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		res, err := w.Work(ctx, t, tx, jobs.SyncSellersArgs{}, nil)
		require.NoError(t, err)
		require.Equal(t, rivertype.JobStateCompleted, res.Job.State)
		require.NoError(t, tx.Commit(ctx))
	}
	got, err := svc.Listing(ctx, book.ID)
	require.NoError(t, err)
	require.Equal(t, "After", got.SellerName)
	require.True(t, got.Hidden)
	behind, err = svc.SellersBehind(ctx, feed)
	require.NoError(t, err)
	require.False(t, behind, "all copied: no pass queued")
}

func TestMatchWantsWorker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	catalogtest.CreateWant(ctx, t, pool, &catalogtest.WantOpts{UserID: 31, Words: "dune"})
	book := catalogtest.CreateBook(ctx, t, pool, &catalogtest.BookOpts{Title: "Dune", Author: "Frank Herbert"})
	w := rivertest.NewWorker(t, riverpgxv5.New(pool), &river.Config{Schema: migrate.RiverSchema},
		&jobs.MatchWantsWorker{Service: service.New(pool, nil)})
	for range 2 {
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		res, err := w.Work(ctx, t, tx, jobs.MatchWantsArgs{BookID: book.ID}, nil)
		require.NoError(t, err)
		require.Equal(t, rivertype.JobStateCompleted, res.Job.State)
		require.NoError(t, tx.Commit(ctx))
	}
	n, err := service.New(pool, nil).WantAlerts(ctx, 31)
	require.NoError(t, err)
	require.Equal(t, 1, n, "one alert, however often the job runs")
}

func TestImportListingsWorker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	seller := auth.User{ID: 41, Name: "Sally", EmailVerified: true}

	t.Run("Imports", func(t *testing.T) {
		t.Parallel()
		pool := pgtest.New(t)
		svc := service.New(pool, nil)
		im, _, err := svc.StageImport(ctx, seller, "", []byte("title,author,condition,price\nEmma,Jane Austen,good,5\n"))
		require.NoError(t, err)
		_, err = svc.ConfirmImport(ctx, seller, im.ID)
		require.NoError(t, err)
		w := rivertest.NewWorker(t, riverpgxv5.New(pool), &river.Config{Schema: migrate.RiverSchema}, &jobs.ImportListingsWorker{Service: svc})
		for range 2 {
			tx, err := pool.Begin(ctx)
			require.NoError(t, err)
			res, err := w.Work(ctx, t, tx, jobs.ImportListingsArgs{ImportID: im.ID}, nil)
			require.NoError(t, err)
			require.Equal(t, rivertype.JobStateCompleted, res.Job.State)
			require.NoError(t, tx.Commit(ctx))
		}
		im, err = svc.Import(ctx, seller, im.ID)
		require.NoError(t, err)
		require.Equal(t, service.ImportDone, im.State)
		require.Equal(t, 1, im.Created, "once, however often the job runs")
	})

	t.Run("LastAttemptFails", func(t *testing.T) {
		t.Parallel()
		pool := pgtest.New(t)
		svc := service.New(pool, nil)
		_, err := pool.Exec(ctx, `
			CREATE FUNCTION catalog.refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
			CREATE TRIGGER refuse BEFORE INSERT ON catalog.books FOR EACH ROW EXECUTE FUNCTION catalog.refuse();`)
		require.NoError(t, err)
		im, _, err := svc.StageImport(ctx, seller, "", []byte("title,author,condition,price\nEmma,Jane Austen,good,5\n"))
		require.NoError(t, err)
		_, err = svc.ConfirmImport(ctx, seller, im.ID)
		require.NoError(t, err)
		w := rivertest.NewWorker(t, riverpgxv5.New(pool), &river.Config{Schema: migrate.RiverSchema}, &jobs.ImportListingsWorker{Service: svc})
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		_, err = w.Work(ctx, t, tx, jobs.ImportListingsArgs{ImportID: im.ID}, &river.InsertOpts{MaxAttempts: 1})
		require.ErrorContains(t, err, "disk full")
		require.NoError(t, tx.Rollback(ctx))
		im, err = svc.Import(ctx, seller, im.ID)
		require.NoError(t, err)
		require.Equal(t, service.ImportFailed, im.State)
		require.Equal(t, "the import stopped on an unexpected error", im.Error, "the database's words are for the job's record")
	})
}

// The sweep removes the staged photos a day old.
func TestSweepStagedPhotosWorker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	svc := service.New(pool, nil)
	staged, _, _, err := svc.StagePhotos(ctx, auth.User{ID: 5}, nil, nil, []service.Upload{{Name: "a.jpg", Read: func() ([]byte, error) { return catalogtest.JPEG(20, 20), nil }}})
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `UPDATE catalog.staged_photos SET created_at = now() - interval '2 days'`)
	require.NoError(t, err)
	w := rivertest.NewWorker(t, riverpgxv5.New(pool), &river.Config{Schema: migrate.RiverSchema},
		&jobs.SweepStagedPhotosWorker{Service: svc})
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	res, err := w.Work(ctx, t, tx, jobs.SweepStagedPhotosArgs{}, nil)
	require.NoError(t, err)
	require.Equal(t, rivertype.JobStateCompleted, res.Job.State)
	require.NoError(t, tx.Commit(ctx))
	_, err = svc.OpenStagedPhoto(ctx, auth.User{ID: 5}, staged[0].Token)
	require.ErrorIs(t, err, service.ErrPhotoNotFound)
	require.Len(t, jobs.Periodic(svc, nil), 4, "scheduled with the sellers' pass and the other sweeps")
}

// The sweep removes the imports a day old that were never confirmed.
func TestSweepStagedImportsWorker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	svc := service.New(pool, nil)
	seller := auth.User{ID: 5, Name: "Sam", EmailVerified: true}
	im, _, err := svc.StageImport(ctx, seller, "", []byte("title,author,condition,price\nEmma,Jane Austen,good,5\n"))
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `UPDATE catalog.imports SET created_at = now() - interval '2 days'`)
	require.NoError(t, err)
	w := rivertest.NewWorker(t, riverpgxv5.New(pool), &river.Config{Schema: migrate.RiverSchema},
		&jobs.SweepStagedImportsWorker{Service: svc})
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	res, err := w.Work(ctx, t, tx, jobs.SweepStagedImportsArgs{}, nil)
	require.NoError(t, err)
	require.Equal(t, rivertype.JobStateCompleted, res.Job.State)
	require.NoError(t, tx.Commit(ctx))
	_, err = svc.Import(ctx, seller, im.ID)
	require.ErrorIs(t, err, service.ErrImportNotFound)
}

// The sweep of photo files removes those no row names.
func TestSweepPhotoFilesWorker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	store := photos.NewMemStore()
	require.NoError(t, store.Put(ctx, "b9/0123456789abcdef01234567-320.jpg", []byte("orphan")))
	later := time.Now().Add(2 * service.PhotoFileGrace)
	svc := service.New(pool, &service.Options{Photos: store, NowFunc: func() time.Time { return later }})
	w := rivertest.NewWorker(t, riverpgxv5.New(pool), &river.Config{Schema: migrate.RiverSchema},
		&jobs.SweepPhotoFilesWorker{Service: svc})
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	res, err := w.Work(ctx, t, tx, jobs.SweepPhotoFilesArgs{}, nil)
	require.NoError(t, err)
	require.Equal(t, rivertype.JobStateCompleted, res.Job.State)
	require.NoError(t, tx.Commit(ctx))
	require.Zero(t, store.Len())
}
