package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// FlushStats makes every idle connection of pool flush the counts of what
// it read and wrote, which each keeps until then, so that the statistics
// views (pg_stat_user_tables and the like) show every statement run so far.
func FlushStats(t testing.TB, pool *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	for _, c := range pool.AcquireAllIdle(ctx) {
		_, err := c.Exec(ctx, "SELECT pg_stat_force_next_flush()")
		c.Release()
		if err != nil {
			t.Fatalf("pgtest: flush statistics: %v", err)
		}
	}
}

// RowsRead counts the rows read from table so far: those sequential scans
// read, and the entries its indexes returned, dead rows' too (a scan reads
// them and throws them away). A test pins with it that a statement reads
// what it works on, not a whole table that grows with history, whatever
// plan the statistics of the moment lead the planner to.
func RowsRead(t testing.TB, pool *pgxpool.Pool, table string) int64 {
	t.Helper()
	FlushStats(t, pool)
	var n int64
	err := pool.QueryRow(context.Background(), `
		SELECT coalesce(t.seq_tup_read, 0) + coalesce((SELECT sum(i.idx_tup_read) FROM pg_stat_user_indexes i WHERE i.relid = t.relid), 0)
		FROM pg_stat_user_tables t WHERE t.relid = $1::regclass`, table).Scan(&n)
	if err != nil {
		t.Fatalf("pgtest: rows read from %s: %v", table, err)
	}
	return n
}
