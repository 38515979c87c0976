package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// StatementSettings load pg_stat_statements into a server: it counts what
// every statement costs, those that others run too (the foreign-key
// checks a write fires, the statements of a function), with their
// planning; not commands (ANALYZE, CREATE DATABASE). Counting planning
// takes a lock per statement, so a run that counts is a little slower
// than one that does not.
var StatementSettings = []string{
	"shared_preload_libraries=pg_stat_statements",
	"pg_stat_statements.track=all",
	"pg_stat_statements.track_planning=on",
	"pg_stat_statements.track_utility=off",
}

// Statement is what Postgres spent on one statement, summed over the
// databases of the cluster since the counts were last reset.
type Statement struct {
	// Name is the sqlc query's name, or the first line of its text.
	Name  string
	Calls int64
	// Plans counts the calls Postgres planned; a statement whose cached
	// plan serves it is planned a few times per connection, not per call.
	Plans int64
	Rows  int64
	// WALRecords are the rows and index entries it wrote, and the locks
	// it took on rows.
	WALRecords int64
	// Total is the time it ran, planning not included, waits for locks
	// included.
	Total time.Duration
}

// ResetStatements forgets what the server counted so far, creating the
// extension in pool's database first if it is missing there.
func ResetStatements(ctx context.Context, pool *pgxpool.Pool) error {
	if _, err := pool.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
		return fmt.Errorf("pg_stat_statements: %w (was the server started with StatementSettings?)", err)
	}
	_, err := pool.Exec(ctx, "SELECT pg_stat_statements_reset()")
	return err
}

// TopStatements returns the n statements that ran the longest in total
// since the last ResetStatements, the longest first; the same text in
// several databases counts as one statement.
func TopStatements(ctx context.Context, pool *pgxpool.Pool, n int) ([]Statement, error) {
	rows, err := pool.Query(ctx, `
		SELECT query, sum(calls)::bigint, sum(plans)::bigint, sum(rows)::bigint, sum(wal_records)::bigint, sum(total_exec_time)::float8
		FROM pg_stat_statements
		WHERE query NOT LIKE '%pg_stat_statements%'
		GROUP BY query ORDER BY sum(total_exec_time) DESC LIMIT $1`, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Statement
	for rows.Next() {
		var s Statement
		var query string
		var ms float64
		if err := rows.Scan(&query, &s.Calls, &s.Plans, &s.Rows, &s.WALRecords, &ms); err != nil {
			return nil, err
		}
		s.Name, s.Total = statementName(query), time.Duration(ms*float64(time.Millisecond))
		out = append(out, s)
	}
	return out, rows.Err()
}

// statementName is a statement's sqlc query name, or else the first line
// of its text.
func statementName(text string) string {
	if m := queryName.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	for l := range strings.Lines(text) {
		if name := strings.TrimSpace(l); name != "" {
			return name
		}
	}
	return "?"
}
