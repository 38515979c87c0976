package ordersbench

import (
	"context"
	"testing"
	"time"

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
