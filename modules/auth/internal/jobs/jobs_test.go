package jobs_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/auth/internal/jobs"
	"github.com/bookstore/bookstore/platform/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestDeleteExpiredSessions_Work(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	u := authtest.CreateUser(ctx, t, pool, nil)
	authtest.SignIn(ctx, t, pool, u.Email, authtest.DefaultPassword)
	live := authtest.SignIn(ctx, t, pool, u.Email, authtest.DefaultPassword)
	_, err := pool.Exec(ctx, "UPDATE auth.sessions SET expires_at = $1 WHERE id_hash <> sha256($2::bytea)", time.Now().Add(-time.Minute), []byte(live.ID))
	require.NoError(t, err)

	w := &jobs.DeleteExpiredSessions{Service: authtest.NewService(t, pool), Log: slog.New(slog.DiscardHandler)}
	for range 2 { // idempotent
		require.NoError(t, w.Work(ctx, &river.Job[jobs.DeleteExpiredSessionsArgs]{}))
		var n int
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM auth.sessions").Scan(&n))
		require.Equal(t, 1, n, "only the live session is left")
	}
}

func TestDeleteExpiredAttempts_Work(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := pool.Exec(ctx, `INSERT INTO auth.attempts (key_hash, window_start, count) VALUES ('\x01', now() - interval '1 day', 3), ('\x02', now(), 1)`)
	require.NoError(t, err)

	w := &jobs.DeleteExpiredAttempts{Service: authtest.NewService(t, pool), Log: slog.New(slog.DiscardHandler)}
	for range 2 { // idempotent
		require.NoError(t, w.Work(ctx, &river.Job[jobs.DeleteExpiredAttemptsArgs]{}))
		var n int
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM auth.attempts").Scan(&n))
		require.Equal(t, 1, n, "only the live counter is left")
	}
}
