package bench_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/bench"
	"github.com/bookstore/bookstore/platform/pgembed"
)

// TestTopStatements: a server started with StatementSettings counts each
// statement's calls, plans, rows and WAL records, the foreign-key checks
// its writes fire among them, by name, and no commands; a reset starts the
// counts over.
func TestTopStatements(t *testing.T) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "bench-statements-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755)) // the server may run as postgres
	c, err := pgembed.Start(ctx, filepath.Join(dir, "pg"), &pgembed.Options{Ephemeral: true, Settings: bench.StatementSettings})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Stop(ctx)) })
	pool, err := pgxpool.New(ctx, c.URL())
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	_, err = pool.Exec(ctx, `CREATE TABLE shelves (id bigint PRIMARY KEY);
		CREATE TABLE books (id bigserial PRIMARY KEY, shelf bigint NOT NULL REFERENCES shelves);
		INSERT INTO shelves VALUES (1)`)
	require.NoError(t, err)
	require.NoError(t, bench.ResetStatements(ctx, pool))

	const calls = 20
	conn, err := pool.Acquire(ctx) // one connection: one cached plan
	require.NoError(t, err)
	for range calls {
		_, err := conn.Exec(ctx, "-- name: ShelveBook :exec\nINSERT INTO books (shelf) VALUES ($1)", 1)
		require.NoError(t, err)
	}
	conn.Release()
	_, err = pool.Exec(ctx, "ANALYZE books")
	require.NoError(t, err)
	top, err := bench.TopStatements(ctx, pool, 10)
	require.NoError(t, err)
	byName := map[string]bench.Statement{}
	for _, s := range top {
		byName[s.Name] = s
	}
	shelve, ok := byName["ShelveBook"]
	require.True(t, ok, "named by its sqlc name: %v", top)
	require.Equal(t, int64(calls), shelve.Calls)
	require.Equal(t, int64(calls), shelve.Rows)
	require.Less(t, shelve.Plans, int64(calls), "the cached plan serves most calls")
	require.Positive(t, shelve.Plans)
	require.GreaterOrEqual(t, shelve.WALRecords, int64(2*calls), "a row and a primary-key entry each")
	require.Positive(t, shelve.Total)
	var fk *bench.Statement
	for _, s := range top {
		if s.Name != "ShelveBook" && s.Calls == calls {
			fk = &s
		}
	}
	require.NotNil(t, fk, "the foreign-key check each insert fired: %v", top)
	require.Contains(t, fk.Name, `FROM ONLY "public"."shelves"`)
	require.NotContains(t, byName, "ANALYZE books", "commands are not statements the shop runs")

	require.NoError(t, bench.ResetStatements(ctx, pool))
	top, err = bench.TopStatements(ctx, pool, 10)
	require.NoError(t, err)
	for _, s := range top {
		require.NotEqual(t, "ShelveBook", s.Name, "a reset forgets it")
	}
}
