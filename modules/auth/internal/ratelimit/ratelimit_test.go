package ratelimit_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/internal/ratelimit"
)

func TestLimiter_Allow(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := ratelimit.New(3, time.Minute)
	l.NowFunc = func() time.Time { return now }

	for range 3 {
		ok, _ := l.Allow("a")
		require.True(t, ok)
	}
	ok, retry := l.Allow("a")
	require.False(t, ok)
	require.Equal(t, time.Minute, retry)
	ok, _ = l.Allow("b")
	require.True(t, ok, "keys are counted apart")

	now = now.Add(40 * time.Second)
	ok, retry = l.Allow("a")
	require.False(t, ok)
	require.Equal(t, 20*time.Second, retry)

	now = now.Add(20 * time.Second)
	ok, _ = l.Allow("a")
	require.True(t, ok, "a new window starts")

	l.Reset("a")
	for range 3 {
		ok, _ = l.Allow("a")
		require.True(t, ok)
	}
}

func TestLimiter_SweepsExpiredKeys(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := ratelimit.New(1, time.Minute)
	l.NowFunc = func() time.Time { return now }
	for i := range 10000 {
		l.Allow(fmt.Sprint(i))
	}
	now = now.Add(time.Hour)
	ok, _ := l.Allow("new")
	require.True(t, ok)
	ok, _ = l.Allow("0")
	require.True(t, ok, "the old window was swept or expired")
}
