package ordersbench

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/pgtest"
)

// TestMeanDepth_AveragesTheWindowOnly: the backlog's figures are the means
// of the samples inside a window, its start included and its end left to
// the next window; a window with no sample reads 0, not NaN.
func TestMeanDepth_AveragesTheWindowOnly(t *testing.T) {
	t.Parallel()
	s := []depth{{0, 4}, {5 * time.Second, 8}, {10 * time.Second, 30}, {50 * time.Second, 10}, {59 * time.Second, 20}}
	require.InDelta(t, 6.0, meanDepth(s, 0, 10*time.Second), 1e-9)
	require.InDelta(t, 15.0, meanDepth(s, 50*time.Second, 60*time.Second), 1e-9)
	require.InDelta(t, 0.0, meanDepth(s, 20*time.Second, 30*time.Second), 1e-9)
}

// TestQueueDepth_CountsDueJobsNotStarted: the backlog is the jobs due and
// not started, whichever state holds them; a job not due yet is no
// backlog, nor is one running (River may have finished it and not yet
// recorded so) or finished.
func TestQueueDepth_CountsDueJobsNotStarted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := pool.Exec(ctx, `
		INSERT INTO river.river_job (kind, args, max_attempts, state, scheduled_at, attempted_at, finalized_at)
		SELECT 'probe', '{}', 25, s::river.river_job_state, now() + at::interval,
			CASE WHEN s IN ('running', 'completed') THEN now() END, CASE WHEN s = 'completed' THEN now() END
		FROM (VALUES ('available', '-1 second'), ('available', '1 hour'), ('retryable', '-1 second'), ('retryable', '1 hour'),
			('scheduled', '-1 second'), ('scheduled', '1 hour'), ('running', '-1 second'), ('completed', '-1 second')) v(s, at)`)
	require.NoError(t, err)
	n, err := queueDepth(ctx, pool)
	require.NoError(t, err)
	require.Equal(t, 3.0, n, "the available, retryable and scheduled jobs that are due")
}
