package pgembed

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
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

// TestStart_Settings: a tool's settings reach the server this call starts,
// and its log is where LogFile says.
func TestStart_Settings(t *testing.T) {
	ctx := context.Background()
	dir := reachableDir(t)
	c, err := Start(ctx, filepath.Join(dir, "pg"), &Options{Ephemeral: true, Settings: []string{"work_mem=7MB", "application_name=settings test"}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Stop(ctx)) })
	conn, err := pgx.Connect(ctx, c.URL())
	require.NoError(t, err)
	defer conn.Close(ctx)
	var workMem string
	require.NoError(t, conn.QueryRow(ctx, "SHOW work_mem").Scan(&workMem))
	require.Equal(t, "7MB", workMem)
	log, err := os.ReadFile(c.LogFile())
	require.NoError(t, err)
	require.Contains(t, string(log), "database system is ready to accept connections")
}

// TestStop_LastUserStopsServer: replicas sharing a data folder keep the
// server up while any of them runs, as in a rolling restart, and the last
// one out stops it.
func TestStop_LastUserStopsServer(t *testing.T) {
	ctx := context.Background()
	dir := reachableDir(t)
	first, err := Start(ctx, filepath.Join(dir, "pg"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = first.stop(ctx) }) // whatever the test left running
	require.False(t, first.Shared())

	second, err := Start(ctx, filepath.Join(dir, "pg"), nil)
	require.NoError(t, err)
	require.True(t, second.Shared())
	require.False(t, second.Adopted())
	conn, err := pgx.Connect(ctx, second.URL())
	require.NoError(t, err)
	defer conn.Close(ctx)

	require.NoError(t, first.Stop(ctx))
	require.NoError(t, conn.Ping(ctx), "the second user lost the server when the first stopped")

	// A user killed without stopping (kill -9) leaves the others theirs.
	killed, err := Start(ctx, filepath.Join(dir, "pg"), nil)
	require.NoError(t, err)
	require.True(t, killed.Shared())
	require.NoError(t, killed.use.Close())
	restarted, err := Start(ctx, filepath.Join(dir, "pg"), nil)
	require.NoError(t, err)
	require.True(t, restarted.Shared())
	require.False(t, restarted.Adopted())
	require.NoError(t, restarted.Stop(ctx))
	require.NoError(t, conn.Ping(ctx), "a restarted user stopped the server under another")

	require.NoError(t, second.Stop(ctx))
	require.Error(t, second.run(ctx, "pg_ctl", "status", "-D", second.dir), "the last user left the server running")
}

// reachableDir is a folder for a cluster that the postgres user can enter
// (the server runs as postgres under root), short enough for the socket.
func reachableDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pgembed-test-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	return dir
}

// TestFindBinaries_MatchTheDataFolder: a data folder runs on the binaries
// of the major version that made it, not the newest installed beside it
// (whose server refuses the folder), and a folder whose version is not
// installed gets one error naming it and the ways on.
func TestFindBinaries_MatchTheDataFolder(t *testing.T) {
	root := t.TempDir()
	for _, v := range []string{"15", "17"} {
		bin := filepath.Join(root, v, "bin")
		require.NoError(t, os.MkdirAll(bin, 0o755))
		for _, tool := range []string{"initdb", "pg_ctl", "postgres"} {
			require.NoError(t, os.WriteFile(filepath.Join(bin, tool), nil, 0o755))
		}
	}
	saved := installGlob
	installGlob = filepath.Join(root, "*", "bin")
	t.Cleanup(func() { installGlob = saved })
	t.Setenv("PATH", t.TempDir())
	folder := func(version string) string {
		dir := t.TempDir()
		if version != "" {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "PG_VERSION"), []byte(version+"\n"), 0o600))
		}
		return dir
	}

	got, err := findBinaries(folder(""))
	require.NoError(t, err)
	require.Equal(t, filepath.Join(root, "17", "bin"), got, "a new folder: the newest")

	got, err = findBinaries(folder("15"))
	require.NoError(t, err)
	require.Equal(t, filepath.Join(root, "15", "bin"), got, "a folder of 15: 15's, though 17 is newer")

	dir := folder("14")
	_, err = findBinaries(dir)
	require.ErrorIs(t, err, ErrWrongVersion)
	for _, part := range []string{dir, "made by PostgreSQL 14", "17, 15", "postgresql-14", "pg_upgrade", "pg_dump"} {
		require.Contains(t, err.Error(), part)
	}
	_, err = Start(context.Background(), dir, nil)
	require.ErrorIs(t, err, ErrWrongVersion, "Start stops before touching the folder")
}

// TestRotateLog: the server's log is set aside at start once past
// MaxLogSize, one old copy kept, and left alone below it.
func TestRotateLog(t *testing.T) {
	t.Parallel()
	log := filepath.Join(t.TempDir(), "postgres.log")
	require.NoError(t, os.WriteFile(log, []byte("small"), 0o600))
	require.NoError(t, rotateLog(log))
	got, err := os.ReadFile(log)
	require.NoError(t, err)
	require.Equal(t, "small", string(got))

	require.NoError(t, os.WriteFile(log+".1", []byte("older"), 0o600))
	require.NoError(t, os.Truncate(log, MaxLogSize+1))
	require.NoError(t, rotateLog(log))
	_, err = os.Stat(log)
	require.ErrorIs(t, err, os.ErrNotExist, "pg_ctl starts a new one")
	info, err := os.Stat(log + ".1")
	require.NoError(t, err)
	require.Equal(t, int64(MaxLogSize+1), info.Size(), "the big one kept in place of the older")
}
