package ordersbench

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestWork_CountsWritesOfTheRun: the WAL records and buffers a run is
// charged grow with what its statements wrote and read: a row and an index
// entry per inserted row at least, many more than the database's creation
// may still add (Postgres publishes its statistics within a second or so,
// so the test waits for them).
func TestWork_CountsWritesOfTheRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := pool.Exec(ctx, `CREATE TABLE work_probe (id bigint PRIMARY KEY)`)
	require.NoError(t, err)
	before, err := work(ctx, pool)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO work_probe SELECT generate_series(1, 100000)`)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		after, err := work(ctx, pool)
		require.NoError(t, err)
		return after.walRecords-before.walRecords >= 200_000 && after.buffers > before.buffers && after.xacts > before.xacts
	}, 10*time.Second, 50*time.Millisecond)
}

// TestWork_CountsDeadlocks: a deadlock that Postgres breaks is counted.
func TestWork_CountsDeadlocks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := pool.Exec(ctx, `CREATE TABLE deadlock_probe (id bigint PRIMARY KEY); INSERT INTO deadlock_probe VALUES (1), (2)`)
	require.NoError(t, err)
	before, err := work(ctx, pool)
	require.NoError(t, err)
	// Each transaction locks one row, then waits for the other's.
	first, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = first.Rollback(ctx) }()
	second, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = second.Rollback(ctx) }()
	_, err = first.Exec(ctx, `SELECT 1 FROM deadlock_probe WHERE id = 1 FOR UPDATE`)
	require.NoError(t, err)
	_, err = second.Exec(ctx, `SELECT 1 FROM deadlock_probe WHERE id = 2 FOR UPDATE`)
	require.NoError(t, err)
	errs := make(chan error, 2)
	go func() {
		_, err := first.Exec(ctx, `SELECT 1 FROM deadlock_probe WHERE id = 2 FOR UPDATE`)
		errs <- err
	}()
	_, err = second.Exec(ctx, `SELECT 1 FROM deadlock_probe WHERE id = 1 FOR UPDATE`)
	errs <- err
	broken := 0
	for range 2 {
		var pgErr *pgconn.PgError
		if err := <-errs; errors.As(err, &pgErr) && pgErr.Code == "40P01" {
			broken++
		}
	}
	require.Equal(t, 1, broken, "Postgres broke the deadlock")
	// A backend reports its counts once out of its transaction.
	require.NoError(t, first.Rollback(ctx))
	require.NoError(t, second.Rollback(ctx))
	require.Eventually(t, func() bool {
		after, err := work(ctx, pool)
		require.NoError(t, err)
		return after.deadlocks-before.deadlocks == 1
	}, 10*time.Second, 50*time.Millisecond)
}
