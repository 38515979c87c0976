package pgtest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// TableStats are the counts Postgres keeps of what statements did to a
// table's rows.
type TableStats struct {
	// Read counts the rows sequential scans read and the entries the
	// table's indexes returned, dead rows' too (a scan reads them and
	// throws them away). A test pins with it that a statement reads what
	// it works on, not a whole table that grows with history, whatever
	// plan the statistics of the moment lead the planner to.
	Read int64
	// Updated counts the rows updated, HOT those of them updated without
	// new index entries.
	Updated, HOT int64
	// Dead counts the dead row versions not yet vacuumed away; after a
	// VACUUM, those a snapshot still running may see.
	Dead int64
}

// Stats returns table's counts so far in pool's database. Each connection
// keeps its counts until it flushes them, so every idle connection of the
// pool is made to flush first.
func Stats(t testing.TB, pool *pgxpool.Pool, table string) TableStats {
	t.Helper()
	ctx := context.Background()
	for _, c := range pool.AcquireAllIdle(ctx) {
		_, err := c.Exec(ctx, "SELECT pg_stat_force_next_flush()")
		c.Release()
		if err != nil {
			t.Fatalf("pgtest: flush statistics: %v", err)
		}
	}
	var s TableStats
	err := pool.QueryRow(ctx, `
		SELECT coalesce(t.seq_tup_read, 0) + coalesce((SELECT sum(i.idx_tup_read) FROM pg_stat_user_indexes i WHERE i.relid = t.relid), 0),
			t.n_tup_upd, t.n_tup_hot_upd, t.n_dead_tup
		FROM pg_stat_user_tables t WHERE t.relid = $1::regclass`, table).Scan(&s.Read, &s.Updated, &s.HOT, &s.Dead)
	if err != nil {
		t.Fatalf("pgtest: statistics of %s: %v", table, err)
	}
	return s
}

// Vacuum vacuums tables until no dead row version is left in them, as
// autovacuum does in time: one VACUUM keeps the versions that a snapshot
// taken before they died may still see (a River client queries beside a
// test), and an index would still lead a statement to them.
func Vacuum(t testing.TB, pool *pgxpool.Pool, tables ...string) {
	t.Helper()
	stmt := "VACUUM " + strings.Join(tables, ", ")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := pool.Exec(context.Background(), stmt); err != nil {
			t.Fatalf("pgtest: %s: %v", stmt, err)
		}
		dead := false
		for _, table := range tables {
			dead = dead || Stats(t, pool, table).Dead > 0
		}
		if !dead {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pgtest: %s still leaves dead rows after 10 s", stmt)
		}
	}
}
