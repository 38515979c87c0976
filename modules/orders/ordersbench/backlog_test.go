package ordersbench

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/pgtest"
)

// TestMeanBacklog_AveragesTheWindowOnly: the backlog's figures are the
// means of the samples inside a window, its start included and its end
// left to the next window; a window with no sample reads 0, not NaN.
func TestMeanBacklog_AveragesTheWindowOnly(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	s := []backlog{{0, 4, 10 * ms}, {5 * time.Second, 8, 30 * ms}, {10 * time.Second, 30, 500 * ms},
		{50 * time.Second, 10, 40 * ms}, {59 * time.Second, 20, 60 * ms}}
	require.Equal(t, backlog{0, 6, 20 * ms}, meanBacklog(s, 0, 10*time.Second))
	require.Equal(t, backlog{50 * time.Second, 15, 50 * ms}, meanBacklog(s, 50*time.Second, 60*time.Second))
	require.Equal(t, backlog{20 * time.Second, 0, 0}, meanBacklog(s, 20*time.Second, 30*time.Second))
}

// TestQueueBacklog_CountsDueJobsNotStarted: the backlog is the jobs due and
// not started, whichever state holds them, and the wait of the oldest; a
// job not due yet is no backlog, nor is one running (River may have
// finished it and not yet recorded so) or finished.
func TestQueueBacklog_CountsDueJobsNotStarted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := pool.Exec(ctx, `
		INSERT INTO river.river_job (kind, args, max_attempts, state, scheduled_at, attempted_at, finalized_at)
		SELECT 'probe', '{}', 25, s::river.river_job_state, now() + at::interval,
			CASE WHEN s IN ('running', 'completed') THEN now() END, CASE WHEN s = 'completed' THEN now() END
		FROM (VALUES ('available', '-1 second'), ('available', '1 hour'), ('retryable', '-3 seconds'), ('retryable', '1 hour'),
			('scheduled', '-2 seconds'), ('scheduled', '1 hour'), ('running', '-1 minute'), ('completed', '-1 minute')) v(s, at)`)
	require.NoError(t, err)
	b, err := queueBacklog(ctx, pool)
	require.NoError(t, err)
	require.Equal(t, 3.0, b.jobs, "the available, retryable and scheduled jobs that are due")
	require.InDelta(t, 3*time.Second, b.wait, float64(2*time.Second), "the retryable job, due 3 s ago, waits longest")
}
