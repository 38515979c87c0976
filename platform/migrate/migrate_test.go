package migrate_test

import (
	"context"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/migrate"
	"github.com/bookstore/bookstore/platform/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func openEmpty(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), pgtest.NewEmptyURL(t))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

func testSet() migrate.Set {
	return migrate.Set{Schema: "shelf", FS: fstest.MapFS{
		"0001_schema.up.sql": {Data: []byte("CREATE SCHEMA IF NOT EXISTS shelf;")},
		"0002_books.up.sql":  {Data: []byte("CREATE TABLE shelf.books (id bigint PRIMARY KEY);")},
		"0003_seed.up.sql":   {Data: []byte("INSERT INTO shelf.books VALUES (1), (2);")},
		"README.md":          {Data: []byte("not a migration")},
	}}
}

func TestApply_ConcurrentReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := openEmpty(t)
	set := testSet()

	const replicas = 6
	var wg sync.WaitGroup
	errs := make([]error, replicas)
	for i := range replicas {
		wg.Go(func() { errs[i] = migrate.Apply(ctx, pool, []migrate.Set{set, migrate.RiverSet(migrate.RiverSchema)}) })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}

	var books, versions int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM shelf.books").Scan(&books))
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM shelf.schema_migrations").Scan(&versions))
	require.Equal(t, 2, books, "the seed migration must run exactly once")
	require.Equal(t, 3, versions)

	status, err := migrate.Status(ctx, pool, []migrate.Set{set, migrate.RiverSet(migrate.RiverSchema)})
	require.NoError(t, err)
	require.Equal(t, migrate.Version{Schema: "shelf", Version: 3}, status[0])
	require.Equal(t, migrate.RiverSchema, status[1].Schema)
	require.Zero(t, status[1].Pending)
}

func TestApply_FailingMigrationLeavesNoTrace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := openEmpty(t)
	set := testSet()
	set.FS.(fstest.MapFS)["0004_broken.up.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE shelf.shelves (id bigint); SELECT no_such_function();")}

	err := migrate.Apply(ctx, pool, []migrate.Set{set, migrate.RiverSet(migrate.RiverSchema)})
	require.ErrorContains(t, err, "0004_broken.up.sql")

	var exists bool
	require.NoError(t, pool.QueryRow(ctx, "SELECT to_regclass('shelf.shelves') IS NOT NULL").Scan(&exists))
	require.False(t, exists, "a failed migration must roll back entirely")
	status, err := migrate.Status(ctx, pool, []migrate.Set{set})
	require.NoError(t, err)
	require.Equal(t, migrate.Version{Schema: "shelf", Version: 3, Pending: 1}, status[0])
}

func TestStatus_EmptyDatabase(t *testing.T) {
	t.Parallel()
	pool := openEmpty(t)
	status, err := migrate.Status(context.Background(), pool, []migrate.Set{testSet(), migrate.RiverSet("river_auth")})
	require.NoError(t, err)
	require.Equal(t, migrate.Version{Schema: "shelf", Pending: 3}, status[0])
	require.Equal(t, "river_auth", status[1].Schema)
	require.Positive(t, status[1].Pending)
}

func TestApply_DuplicateVersion(t *testing.T) {
	t.Parallel()
	pool := openEmpty(t)
	set := testSet()
	set.FS.(fstest.MapFS)["0002_again.up.sql"] = &fstest.MapFile{Data: []byte("SELECT 1;")}
	require.ErrorContains(t, migrate.Apply(context.Background(), pool, []migrate.Set{set}), "version 2 used by")
}
