package pgembed

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStart_MissingBinaries(t *testing.T) {
	saved := installGlob
	installGlob = "/nonexistent/postgresql/*/bin"
	t.Cleanup(func() { installGlob = saved })
	t.Setenv("PATH", t.TempDir())

	_, err := Start(context.Background(), t.TempDir(), nil)
	require.ErrorIs(t, err, ErrBinariesMissing)
	require.Contains(t, err.Error(), "apt-get install postgresql")
	require.Contains(t, err.Error(), "DATABASE_URL")
}

func TestURL_PointsAtSocketFolder(t *testing.T) {
	require.Equal(t, "postgres://bookstore@/shop?host=/srv/data/postgres&port=5432&sslmode=disable", URL("/srv/data/postgres", "shop"))
}
