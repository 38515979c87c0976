package photos_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog/internal/photos"
)

// s3Store is an S3 store against an in-process S3-compatible server.
func s3Store(t *testing.T) *photos.S3 {
	t.Helper()
	s, _ := s3StoreOn(t)
	return s
}

func s3StoreOn(t *testing.T) (*photos.S3, *s3mem.Backend) {
	t.Helper()
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket("photos"))
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	s, err := photos.New("s3://photos/listings?region=us-east-1&endpoint="+srv.URL, "unused")
	require.NoError(t, err)
	return s.(*photos.S3), backend
}

// TestStores runs one contract over every implementation of Store.
func TestStores(t *testing.T) {
	dir, err := photos.New("", filepath.Join(t.TempDir(), "uploads"))
	require.NoError(t, err)
	for name, s := range map[string]photos.Store{"Dir": dir, "Mem": photos.NewMemStore(), "S3": s3Store(t)} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			key := "b1/abc123-1200.jpg"
			require.NoError(t, s.Put(ctx, key, []byte("one")))
			require.NoError(t, s.Put(ctx, key, []byte("two")), "a put replaces")
			f, err := s.Open(ctx, key)
			require.NoError(t, err)
			b, err := io.ReadAll(f)
			require.NoError(t, err)
			require.Equal(t, "two", string(b))
			_, err = f.Seek(1, io.SeekStart)
			require.NoError(t, err, "photos are served with http.ServeContent, which seeks")
			b, err = io.ReadAll(f)
			require.NoError(t, err)
			require.Equal(t, "wo", string(b))
			size, err := f.Seek(0, io.SeekEnd)
			require.NoError(t, err)
			require.EqualValues(t, 3, size)
			require.NoError(t, f.Close())
			require.NoError(t, s.Delete(ctx, key))
			require.NoError(t, s.Delete(ctx, key), "deleting twice is fine")
			_, err = s.Open(ctx, key)
			require.ErrorIs(t, err, photos.ErrNotFound)
			for _, bad := range []string{"../etc/passwd", "b1/../../x.jpg", "/abs.jpg", "b1/x.gif", "B1/x.jpg", ""} {
				require.Error(t, s.Put(ctx, bad, []byte("x")), bad)
				_, err := s.Open(ctx, bad)
				require.ErrorIs(t, err, photos.ErrNotFound, bad)
			}
		})
	}
}

// TestStores_Walk runs the listing the sweep of unnamed files relies on
// over every implementation: each stored file once, with when it was
// stored, and a stop when fn says so.
func TestStores_Walk(t *testing.T) {
	dir, err := photos.New("", filepath.Join(t.TempDir(), "uploads"))
	require.NoError(t, err)
	for name, s := range map[string]photos.Store{"Dir": dir, "Mem": photos.NewMemStore(), "S3": s3Store(t)} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			start := time.Now().Add(-time.Minute)
			keys := []string{"b1/aa-1200.jpg", "b1/aa-320.jpg", "b22/bb-320.jpg", "s3/cc-320.jpg"}
			for _, k := range keys {
				require.NoError(t, s.Put(ctx, k, []byte(k)))
			}
			var seen []string
			require.NoError(t, s.Walk(ctx, func(f photos.File) error {
				require.True(t, f.Modified.After(start), "%s stored at %s", f.Key, f.Modified)
				seen = append(seen, f.Key)
				return nil
			}))
			require.ElementsMatch(t, keys, seen)
			stop := errors.New("stop")
			n := 0
			err := s.Walk(ctx, func(photos.File) error { n++; return stop })
			require.ErrorIs(t, err, stop)
			require.Equal(t, 1, n)
			for _, k := range keys {
				require.NoError(t, s.Delete(ctx, k))
			}
			require.NoError(t, s.Walk(ctx, func(f photos.File) error { return fmt.Errorf("%s is deleted", f.Key) }))
		})
	}
}

// A folder goes with its last file, and a put into a folder just removed
// makes it again.
func TestDir_RemovesEmptyFolders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "uploads")
	s, err := photos.NewDir(root)
	require.NoError(t, err)
	require.NoError(t, s.Put(ctx, "b1/aa-1200.jpg", []byte("a")))
	require.NoError(t, s.Put(ctx, "b1/aa-320.jpg", []byte("a")))
	require.NoError(t, s.Delete(ctx, "b1/aa-1200.jpg"))
	require.DirExists(t, filepath.Join(root, "b1"), "a file is left")
	require.NoError(t, s.Delete(ctx, "b1/aa-320.jpg"))
	require.NoDirExists(t, filepath.Join(root, "b1"))
	require.NoError(t, s.Put(ctx, "b1/bb-320.jpg", []byte("b")))
	require.FileExists(t, filepath.Join(root, "b1", "bb-320.jpg"))

	require.NoError(t, os.Mkdir(filepath.Join(root, "b2"), 0o755), "left empty before folders were removed")
	require.NoError(t, s.Walk(ctx, func(photos.File) error { return nil }))
	require.NoDirExists(t, filepath.Join(root, "b2"))
	require.DirExists(t, filepath.Join(root, "b1"))
}

func TestS3_KeepsObjectsUnderPrefix(t *testing.T) {
	s, backend := s3StoreOn(t)
	ctx := context.Background()
	require.NoError(t, s.Put(ctx, "b2/ff00-800.png", []byte("png")))
	obj, err := backend.HeadObject("photos", "listings/b2/ff00-800.png")
	require.NoError(t, err)
	require.Equal(t, "image/png", obj.Metadata["Content-Type"])
}

func TestNew_RejectsBadURLs(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"s3://", "s3:///prefix", "http://bucket", "s3://bucket?endpoint=%zz"} {
		_, err := photos.NewS3(bad)
		require.Error(t, err, bad)
	}
}
