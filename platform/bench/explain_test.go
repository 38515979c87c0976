package bench_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/bench"
)

// A log as auto_explain writes it (format text), between other records.
const slowLog = `2026-12-03 09:52:30.001 UTC [10630] LOG:  checkpoint starting: time
2026-12-03 09:52:35.565 UTC [10627] LOG:  duration: 112.544 ms  plan:
	Query Text: -- name: AdvanceDueShipments :many
	WITH due AS (SELECT 1)
	CTE Scan on due  (cost=0.00..0.08 rows=4 width=72)
	  ->  Hash Join  (cost=627.50..3321.64 rows=4 width=38)
	        ->  Seq Scan on orders o  (cost=0.00..2411.62 rows=52562 width=23)
	  ->  Hash Join  (cost=625.62..3302.49 rows=727 width=20)
	        ->  Seq Scan on orders o_2  (cost=0.00..2543.03 rows=50982 width=14)
2026-12-03 09:52:35.600 UTC [10631] LOG:  duration: 8.000 ms  plan:
	Query Text:
	  SELECT count(*)
	  FROM   river.river_job WHERE state = 'available'
	Aggregate  (cost=1.00..1.01 rows=1 width=8)
	  ->  Seq Scan on river_job  (cost=0.00..1.00 rows=1 width=0)
2026-12-03 09:52:36.000 UTC [10627] LOG:  duration: 40.000 ms  plan:
	Query Text: -- name: AdvanceDueShipments :many
	WITH due AS (SELECT 1)
	Index Scan using shipments_due_idx on shipments s  (cost=0.29..8.31 rows=1 width=46)
2026-12-03 09:52:37.000 UTC [10630] LOG:  checkpoint complete
`

func TestReadSlowStatements(t *testing.T) {
	got, err := bench.ReadSlowStatements(strings.NewReader(slowLog))
	require.NoError(t, err)
	require.Equal(t, []bench.SlowStatement{
		{Name: "AdvanceDueShipments", Calls: 2, Total: 152544 * time.Microsecond, Scanned: []string{"orders"}},
		{Name: "SELECT count(*)", Calls: 1, Total: 8 * time.Millisecond, Scanned: []string{"river_job"}},
	}, got)
}
