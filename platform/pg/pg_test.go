package pg_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/pg"
	"github.com/bookstore/bookstore/platform/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestPoolConfig_TurnsJITOff: a statement the planner prices above
// jit_above_cost is not compiled in the shop's sessions; a URL that asks
// for JIT gets it, which also shows that this server can compile.
func TestPoolConfig_TurnsJITOff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewEmptyURL(t)
	plan := func(url string) string {
		t.Helper()
		cfg, err := pg.PoolConfig(url)
		require.NoError(t, err)
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		require.NoError(t, err)
		defer pool.Close()
		var p string
		// Priced far above the default jit_above_cost of 100,000.
		require.NoError(t, pool.QueryRow(ctx, "EXPLAIN (FORMAT JSON) SELECT sum(g) FROM generate_series(1, 100000000) g").Scan(&p))
		return p
	}
	require.NotContains(t, plan(url), `"JIT"`)
	require.Contains(t, plan(url+"&jit=on"), `"JIT"`, "a URL's jit wins")
}
