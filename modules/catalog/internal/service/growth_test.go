package service_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/photos"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
)

// importFileBytes is the size of the file an import holds, read straight
// from the database.
func importFileBytes(ctx context.Context, t *testing.T, b *bundle, id int64) int {
	t.Helper()
	var n int
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT length(file) FROM catalog.imports WHERE id = $1`, id).Scan(&n))
	return n
}

// An import keeps its file only while it may still run: done or failed, it
// keeps what its page shows (counts, refusals, the reason it failed).
func TestService_FinishedImportDropsItsFile(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	done := importNow(ctx, t, b, b.seller, "title,author,condition,price\nDune,Frank Herbert,good,7.50\nEmma,,good,4\n")
	require.Zero(t, importFileBytes(ctx, t, b, done.ID))
	require.Equal(t, 1, done.Created)
	require.Equal(t, []int{3}, refusedLines(done), "the summary stays")

	im, _, err := b.svc.StageImport(ctx, b.seller, "later.csv", []byte("title,author,condition,price\nDune,Frank Herbert,good,7.50\n"))
	require.NoError(t, err)
	require.Positive(t, importFileBytes(ctx, t, b, im.ID), "a staged import keeps its file for the preview")
	_, err = b.svc.ConfirmImport(ctx, b.seller, im.ID)
	require.NoError(t, err)
	require.Positive(t, importFileBytes(ctx, t, b, im.ID), "a queued one for the job")
	require.NoError(t, b.svc.FailImport(ctx, im.ID, errors.New("boom")))
	require.Zero(t, importFileBytes(ctx, t, b, im.ID))
	failed, err := b.svc.Import(ctx, b.seller, im.ID)
	require.NoError(t, err)
	require.Equal(t, service.ImportFailed, failed.State)
	require.NotEmpty(t, failed.Error)
}

// A seller keeps at most MaxStagedImports imports unconfirmed, even
// uploads that race; confirming one makes room.
func TestService_StagedImportsPerSeller(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	file := []byte("title,author,condition,price\nDune,Frank Herbert,good,7.50\n")
	errs := make(chan error, service.MaxStagedImports+3)
	for range service.MaxStagedImports + 3 {
		go func() {
			_, _, err := b.svc.StageImport(ctx, b.seller, "dune.csv", file)
			errs <- err
		}()
	}
	refused := 0
	for range service.MaxStagedImports + 3 {
		if err := <-errs; err != nil {
			require.ErrorIs(t, err, service.ErrTooManyImports)
			refused++
		}
	}
	require.Equal(t, 3, refused)
	require.Contains(t, service.ErrTooManyImports.Message, fmt.Sprintf("%d imports", service.MaxStagedImports), "the message names the cap")

	_, _, err := b.svc.StageImport(ctx, b.other, "dune.csv", file)
	require.NoError(t, err, "the cap is per seller")
	ims, _, err := b.svc.SellerImports(ctx, b.seller, 1, 50)
	require.NoError(t, err)
	_, err = b.svc.ConfirmImport(ctx, b.seller, ims[0].ID)
	require.NoError(t, err)
	_, _, err = b.svc.StageImport(ctx, b.seller, "dune.csv", file)
	require.NoError(t, err, "a confirmed import is no longer waiting")
}

// Imports never confirmed are removed after a day, files and all; confirmed
// ones and those of today stay.
func TestService_SweepStagedImports(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	file := []byte("title,author,condition,price\nDune,Frank Herbert,good,7.50\n")
	stage := func() int64 {
		t.Helper()
		im, _, err := b.svc.StageImport(ctx, b.seller, "dune.csv", file)
		require.NoError(t, err)
		return im.ID
	}
	old, young, confirmed := stage(), stage(), stage()
	_, err := b.svc.ConfirmImport(ctx, b.seller, confirmed)
	require.NoError(t, err)
	_, err = b.pool.Exec(ctx, `UPDATE catalog.imports SET created_at = now() - interval '25 hours' WHERE id = ANY($1)`, []int64{old, confirmed})
	require.NoError(t, err)

	n, err := b.svc.SweepStagedImports(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	_, err = b.svc.Import(ctx, b.seller, old)
	require.ErrorIs(t, err, service.ErrImportNotFound)
	for _, id := range []int64{young, confirmed} {
		_, err = b.svc.Import(ctx, b.seller, id)
		require.NoError(t, err)
	}
	n, err = b.svc.SweepStagedImports(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
}

// failingDeletes is a photo store whose deletes fail while failing is set,
// as a folder made undeletable or an S3 store answering 5xx makes them.
type failingDeletes struct {
	photos.Store
	failing atomic.Bool
}

func (f *failingDeletes) Delete(ctx context.Context, key string) error {
	if f.failing.Load() {
		return errors.New("operation not permitted")
	}
	return f.Store.Delete(ctx, key)
}

// A deleted photo is never served again, even when its files could not be
// removed; the sweep of files no row names removes them later, and the
// files a crash left between storing them and committing their row, but
// never a photo's or a staged photo's, nor a file of the last hour.
func TestService_DeletedPhotoIsGoneForGood(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	root := filepath.Join(t.TempDir(), "uploads")
	dir, err := photos.NewDir(root)
	require.NoError(t, err)
	store := &failingDeletes{Store: dir}
	later := time.Now().Add(2 * service.PhotoFileGrace)
	svc := service.New(b.pool, &service.Options{Photos: store, NowFunc: func() time.Time { return later }})

	l, err := svc.Create(ctx, b.seller, validInput())
	require.NoError(t, err)
	gone, err := svc.AddPhoto(ctx, b.seller, l.ID, catalogtest.JPEG(40, 60))
	require.NoError(t, err)
	kept, err := svc.AddPhoto(ctx, b.seller, l.ID, catalogtest.JPEG(40, 60))
	require.NoError(t, err)
	staged, _, _, err := svc.StagePhotos(ctx, b.seller, nil, nil, uploads("s.jpg", catalogtest.JPEG(30, 40)))
	require.NoError(t, err)
	require.Len(t, staged, 1)
	// What a crash between storing the files and committing the row leaves.
	require.NoError(t, dir.Put(ctx, fmt.Sprintf("b%d/0123456789abcdef01234567-1200.jpg", l.ID), []byte("orphan")))
	require.NoError(t, dir.Put(ctx, fmt.Sprintf("b%d/0123456789abcdef01234567-320.jpg", l.ID), []byte("orphan")))

	store.failing.Store(true)
	require.NoError(t, svc.DeletePhoto(ctx, b.seller, l.ID, gone.ID))
	store.failing.Store(false)
	file := strings.TrimPrefix(gone.URL("large"), "/photos/")
	_, err = os.Stat(filepath.Join(root, file))
	require.NoError(t, err, "the store refused to remove it")
	_, _, err = svc.OpenPhoto(ctx, file)
	require.ErrorIs(t, err, service.ErrPhotoNotFound, "a photo without its row is not served")

	fresh := service.New(b.pool, &service.Options{Photos: dir})
	n, err := fresh.SweepPhotoFiles(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "files of the last hour may be a photo whose row is being written")

	n, err = svc.SweepPhotoFiles(ctx)
	require.NoError(t, err)
	require.Equal(t, 4, n, "the deleted photo's two files and the crash's two")
	_, err = os.Stat(filepath.Join(root, file))
	require.ErrorIs(t, err, os.ErrNotExist)
	for _, size := range []string{"large", "thumb"} {
		f, _, err := svc.OpenPhoto(ctx, strings.TrimPrefix(kept.URL(size), "/photos/"))
		require.NoError(t, err, "a photo with its row stays")
		require.NoError(t, f.Close())
	}
	f, err := svc.OpenStagedPhoto(ctx, b.seller, staged[0].Token)
	require.NoError(t, err, "a staged photo stays")
	require.NoError(t, f.Close())
	n, err = svc.SweepPhotoFiles(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
}

// The folders of a deleted listing and of a seller's staged photos go with
// their last file.
func TestService_DeleteLeavesNoEmptyFolders(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	root := filepath.Join(t.TempDir(), "uploads")
	dir, err := photos.NewDir(root)
	require.NoError(t, err)
	svc := service.New(b.pool, &service.Options{Photos: dir})
	l, err := svc.Create(ctx, b.seller, validInput())
	require.NoError(t, err)
	_, err = svc.AddPhoto(ctx, b.seller, l.ID, catalogtest.JPEG(40, 60))
	require.NoError(t, err)
	staged, _, _, err := svc.StagePhotos(ctx, b.seller, nil, nil, uploads("s.jpg", catalogtest.JPEG(30, 40)))
	require.NoError(t, err)
	folders := func() []string {
		t.Helper()
		entries, err := os.ReadDir(root)
		require.NoError(t, err)
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	require.ElementsMatch(t, []string{fmt.Sprintf("b%d", l.ID), fmt.Sprintf("s%d", b.seller.ID)}, folders())

	_, _, _, err = svc.AttachPhotos(ctx, b.seller, l.ID, []string{staged[0].Token}, nil, nil)
	require.NoError(t, err)
	require.Equal(t, []string{fmt.Sprintf("b%d", l.ID)}, folders(), "staging finished")
	archived, err := svc.Delete(ctx, b.seller, l.ID)
	require.NoError(t, err)
	require.False(t, archived)
	require.Empty(t, folders())
}

// A listing that an order held, though the order was cancelled and the
// hold released, is archived rather than deleted; its photos go all the
// same, and a seller may remove an archived listing's photos.
func TestService_ArchivedListingKeepsNoPhotos(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	l, err := b.svc.Create(ctx, b.seller, validInput())
	require.NoError(t, err)
	p, err := b.svc.AddPhoto(ctx, b.seller, l.ID, catalogtest.JPEG(50, 80))
	require.NoError(t, err)
	catalogtest.Hold(ctx, t, b.svc, b.pool, 7, l.ID, 1)
	require.NoError(t, b.svc.Release(ctx, 7))

	archived, err := b.svc.Delete(ctx, b.seller, l.ID)
	require.NoError(t, err)
	require.True(t, archived)
	got, err := b.svc.Listing(ctx, l.ID)
	require.NoError(t, err)
	require.Equal(t, catalog.StatusArchived, got.Status)
	require.Empty(t, got.Photos)
	require.Zero(t, b.photos.Len(), "the files go too")
	_, _, err = b.svc.OpenPhoto(ctx, strings.TrimPrefix(p.URL("thumb"), "/photos/"))
	require.ErrorIs(t, err, service.ErrPhotoNotFound)
	require.ErrorIs(t, b.svc.DeletePhoto(ctx, b.seller, l.ID, p.ID), service.ErrPhotoNotFound, "gone already, not refused as archived")

	// An archived listing's photo that is still there (the listing was
	// archived before archiving removed them) can be removed.
	_, err = b.pool.Exec(ctx, `INSERT INTO catalog.photos (book_id, key, width, height, position) VALUES ($1, $2, 50, 80, 1)`, l.ID, fmt.Sprintf("b%d/0123456789abcdef01234567", l.ID))
	require.NoError(t, err)
	var old int64
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT id FROM catalog.photos WHERE book_id = $1`, l.ID).Scan(&old))
	require.NoError(t, b.svc.DeletePhoto(ctx, b.seller, l.ID, old))
	require.ErrorIs(t, b.svc.DeletePhoto(ctx, b.other, l.ID, old), catalog.ErrNotFound, "another seller's listing is not theirs to see")
}
