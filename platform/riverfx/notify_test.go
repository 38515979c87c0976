package riverfx_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/riverfx"
)

// statements records the SQL a pool sends.
type statements struct {
	mu  sync.Mutex
	sql []string
}

func (s *statements) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sql = append(s.sql, d.SQL)
	return ctx
}

func (s *statements) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TestInserter_SendsNoInsertNotifications: no client listens (poll-only),
// so inserting a job is one statement, without River's pg_notify.
func TestInserter_SendsNoInsertNotifications(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(pgtest.NewURL(t))
	require.NoError(t, err)
	rec := &statements{}
	cfg.ConnConfig.Tracer = rec
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	ins, err := riverfx.NewInserter(pool, nil)
	require.NoError(t, err)
	for range 3 {
		require.NoError(t, pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			_, err := ins.InsertTx(ctx, tx, napArgs{}, nil)
			return err
		}))
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	inserts := 0
	for _, q := range rec.sql {
		require.NotContains(t, q, "pg_notify")
		if strings.Contains(q, "JobInsertFastMany") {
			inserts++
		}
	}
	require.Equal(t, 3, inserts, "%q", rec.sql)
}
