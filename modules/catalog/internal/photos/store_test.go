package photos_test

import (
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog/internal/photos"
)

func TestStores(t *testing.T) {
	t.Parallel()
	dir, err := photos.NewDir(filepath.Join(t.TempDir(), "uploads"))
	require.NoError(t, err)
	for name, s := range map[string]photos.Store{"Dir": dir, "Mem": photos.NewMemStore()} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			key := "b1/abc123-1200.jpg"
			require.NoError(t, s.Put(ctx, key, []byte("one")))
			require.NoError(t, s.Put(ctx, key, []byte("two")), "a put replaces")
			f, err := s.Open(ctx, key)
			require.NoError(t, err)
			b, err := io.ReadAll(f)
			require.NoError(t, err)
			require.NoError(t, f.Close())
			require.Equal(t, "two", string(b))
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
