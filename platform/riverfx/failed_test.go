package riverfx_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/riverfx"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

// TestQueue_Contract runs the admin page's view of a job queue against the
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
				want = "catalog"
			}
			require.Equal(t, want, q.Name())

			failed, err := ins.Insert(ctx, napArgs{}, nil)
			require.NoError(t, err)
			_, err = ins.Insert(ctx, napArgs{Long: true}, nil)
			require.NoError(t, err)
			_, err = pool.Exec(ctx, `UPDATE river.river_job SET state = 'discarded', attempt = 3, finalized_at = now(),
				errors = ARRAY['{"at":"2026-01-01T00:00:00Z","attempt":3,"error":"catalog unreachable"}'::jsonb] WHERE id = $1`, failed.Job.ID)
			require.NoError(t, err)

			jobs, err := q.Failed(ctx)
			require.NoError(t, err)
			require.Len(t, jobs, 1, "only failed jobs are listed")
			j := jobs[0]
			require.Equal(t, riverfx.FailedJob{Queue: want, ID: failed.Job.ID, Kind: "test.nap", State: "discarded", Attempt: 3,
				Args: `{"long": false}`, Errors: []string{"attempt 3: catalog unreachable"}, FinalizedAt: j.FinalizedAt}, j)
			require.NotNil(t, j.FinalizedAt)

			require.NoError(t, q.Retry(ctx, j.ID))
			jobs, err = q.Failed(ctx)
			require.NoError(t, err)
			require.Empty(t, jobs, "a retried job waits to run again")
			require.NoError(t, q.Cancel(ctx, j.ID))
			require.ErrorIs(t, q.Retry(ctx, 999_999), riverfx.ErrJobNotFound)
			require.ErrorIs(t, q.Cancel(ctx, 999_999), riverfx.ErrJobNotFound)
		})
	}
}
