package riverfx_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/riverfx"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

// TestQueue_Contract runs the admin's jobs page's view of a job queue against the
// process's own and against another process's over its internal endpoints.
func TestQueue_Contract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, remote := range map[string]bool{"Local": false, "Remote": true} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pool := pgtest.New(t)
			ins, err := riverfx.NewInserter(pool, nil)
			require.NoError(t, err)
			local := riverfx.NewLocalQueue(ins)
			var q riverfx.Queue = local
			want := "local"
			if remote {
				srv := webtest.New(t, webtest.Opts{Routes: []web.Routes{riverfx.QueueRoutes(local)}, Pool: pool, InternalToken: webtest.InternalToken})
				q = riverfx.NewRemoteQueue(rpc.New("catalog", srv.URL, webtest.InternalToken, nil))
				_, err := riverfx.NewRemoteQueue(rpc.New("catalog", srv.URL, "wrong", nil)).Get(ctx, 1)
				require.ErrorContains(t, err, "refused this one's internal token", "a job is read with the shop's token only")
				want = "catalog"
			}
			require.Equal(t, want, q.Name())

			failed, err := ins.Insert(ctx, napArgs{}, nil)
			require.NoError(t, err)
			waiting, err := ins.Insert(ctx, napArgs{Long: true}, nil)
			require.NoError(t, err)
			_, err = pool.Exec(ctx, `UPDATE river.river_job SET state = 'discarded', attempt = 3, finalized_at = now(),
				errors = ARRAY['{"at":"2026-01-01T00:00:00Z","attempt":2,"error":"timed out"}'::jsonb,
					'{"at":"2026-01-01T00:01:00Z","attempt":3,"error":"catalog unreachable"}'::jsonb] WHERE id = $1`, failed.Job.ID)
			require.NoError(t, err)
			list := func(f riverfx.JobFilter) []riverfx.Job {
				t.Helper()
				jobs, err := q.List(ctx, f)
				require.NoError(t, err)
				return jobs
			}
			ids := func(jobs []riverfx.Job) []int64 {
				out := make([]int64, len(jobs))
				for i, j := range jobs {
					out[i] = j.ID
				}
				return out
			}

			jobs := list(riverfx.JobFilter{State: riverfx.StateFailed, Limit: 10})
			require.Len(t, jobs, 1, "only failed jobs are listed")
			j := jobs[0]
			require.Equal(t, riverfx.Job{Queue: want, ID: failed.Job.ID, Kind: "test.nap", State: "discarded", Attempt: 3, MaxAttempts: failed.Job.MaxAttempts,
				Args: `{"long": false}`, LastError: "attempt 3: catalog unreachable", CreatedAt: j.CreatedAt, ScheduledAt: j.ScheduledAt, FinalizedAt: j.FinalizedAt}, j)
			require.NotNil(t, j.FinalizedAt)
			got, err := q.Get(ctx, j.ID)
			require.NoError(t, err)
			require.Equal(t, j, got, "one job, as the list shows it")
			_, err = q.Get(ctx, 999_999)
			require.ErrorIs(t, err, riverfx.ErrJobNotFound)
			require.True(t, j.CanRetry())
			require.False(t, j.CanCancel(), "a discarded job has ended")
			require.Equal(t, []int64{waiting.Job.ID, failed.Job.ID}, ids(list(riverfx.JobFilter{Limit: 10})), "every state, newest first")
			require.Equal(t, []int64{waiting.Job.ID}, ids(list(riverfx.JobFilter{Limit: 1})))
			require.Equal(t, []int64{waiting.Job.ID}, ids(list(riverfx.JobFilter{State: "available", Kind: "test.nap", Limit: 10})))
			require.Empty(t, list(riverfx.JobFilter{Kind: "test.other", Limit: 10}))
			_, err = q.List(ctx, riverfx.JobFilter{State: "sleeping", Limit: 10})
			require.ErrorIs(t, err, apperr.ErrInvalid)
			_, err = q.List(ctx, riverfx.JobFilter{Limit: riverfx.MaxListed + 1})
			require.ErrorIs(t, err, apperr.ErrInvalid)

			require.ErrorIs(t, q.Cancel(ctx, j.ID), riverfx.ErrJobState, "a discarded job has ended")
			require.NoError(t, q.Retry(ctx, j.ID))
			require.Empty(t, list(riverfx.JobFilter{State: riverfx.StateFailed, Limit: 10}), "a retried job waits to run again")
			got, err = q.Get(ctx, j.ID)
			require.NoError(t, err)
			require.Equal(t, "available", got.State)
			require.NoError(t, q.Cancel(ctx, j.ID))
			require.Equal(t, []int64{j.ID}, ids(list(riverfx.JobFilter{State: "cancelled", Limit: 10})))
			err = q.Cancel(ctx, j.ID)
			require.ErrorIs(t, err, riverfx.ErrJobState, "cancelled once, as a form sent twice asks")
			require.Contains(t, apperr.As(err).Message, "is cancelled: only a job still to run can be cancelled")

			// A completed job did its work: it is neither run again nor
			// marked cancelled.
			_, err = pool.Exec(ctx, `UPDATE river.river_job SET state = 'completed', finalized_at = now() WHERE id = $1`, waiting.Job.ID)
			require.NoError(t, err)
			for _, act := range []func(context.Context, int64) error{q.Retry, q.Cancel} {
				require.ErrorIs(t, act(ctx, waiting.Job.ID), riverfx.ErrJobState)
			}
			require.Equal(t, []int64{waiting.Job.ID}, ids(list(riverfx.JobFilter{State: "completed", Limit: 10})))
			require.ErrorIs(t, q.Retry(ctx, 999_999), riverfx.ErrJobNotFound)
			require.ErrorIs(t, q.Cancel(ctx, 999_999), riverfx.ErrJobNotFound)
		})
	}
}
