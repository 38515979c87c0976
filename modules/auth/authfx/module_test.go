package authfx

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/platform/pgtest"
)

func TestDeleteExpiredSessions_Work(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	u := authtest.CreateUser(ctx, t, pool, nil)
	authtest.SignIn(ctx, t, pool, u.Email, authtest.DefaultPassword)
	live := authtest.SignIn(ctx, t, pool, u.Email, authtest.DefaultPassword)
	_, err := pool.Exec(ctx, "UPDATE auth.sessions SET expires_at = $1 WHERE id_hash <> sha256($2::bytea)", time.Now().Add(-time.Minute), []byte(live.ID))
	require.NoError(t, err)

	w := &deleteExpiredSessions{svc: authtest.NewService(t, pool), log: slog.New(slog.DiscardHandler)}
	require.Equal(t, "auth.delete_expired_sessions", DeleteExpiredSessionsArgs{}.Kind())
	for range 2 { // idempotent
		require.NoError(t, w.Work(ctx, &river.Job[DeleteExpiredSessionsArgs]{}))
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

	w := &deleteExpiredAttempts{svc: authtest.NewService(t, pool), log: slog.New(slog.DiscardHandler)}
	require.Equal(t, "auth.delete_expired_attempts", DeleteExpiredAttemptsArgs{}.Kind())
	for range 2 { // idempotent
		require.NoError(t, w.Work(ctx, &river.Job[DeleteExpiredAttemptsArgs]{}))
		var n int
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM auth.attempts").Scan(&n))
		require.Equal(t, 1, n, "only the live counter is left")
	}
}
