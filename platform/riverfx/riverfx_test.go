package riverfx_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/riverfx"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type napArgs struct {
	Long bool `json:"long"`
}

func (napArgs) Kind() string { return "test.nap" }

// napWorker finishes short jobs at once and holds long ones until cancelled,
// reporting what happened on its channels.
type napWorker struct {
	river.WorkerDefaults[napArgs]
	done      chan struct{}
	started   chan struct{}
	cancelled chan struct{}
}

func (w *napWorker) Work(ctx context.Context, job *river.Job[napArgs]) error {
	if !job.Args.Long {
		w.done <- struct{}{}
		return nil
	}
	w.started <- struct{}{}
	<-ctx.Done()
	w.cancelled <- struct{}{}
	return ctx.Err()
}

func newApp(t *testing.T, pool *pgxpool.Pool, w *napWorker, grace time.Duration) (*fxtest.App, *riverfx.Client) {
	t.Helper()
	var client *riverfx.Client
	app := fxtest.New(t,
		fx.NopLogger,
		fx.Supply(config.Config{ShutdownTimeout: grace}, pool, slog.New(slog.NewTextHandler(io.Discard, nil))),
		riverfx.Module,
		riverfx.AsWorkers(func(ws *river.Workers) { river.AddWorker(ws, w) }),
		fx.Populate(&client),
	)
	return app, client
}

func newWorker() *napWorker {
	return &napWorker{done: make(chan struct{}, 1), started: make(chan struct{}, 1), cancelled: make(chan struct{}, 1)}
}

func wait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func TestClient_WorksContributedJobs(t *testing.T) {
	t.Parallel()
	w := newWorker()
	app, client := newApp(t, pgtest.New(t), w, 5*time.Second)
	app.RequireStart()
	_, err := client.Insert(context.Background(), napArgs{}, nil)
	require.NoError(t, err)
	wait(t, w.done, "the job to run")
	app.RequireStop()
}

func TestStop_CancelsJobsAfterGrace(t *testing.T) {
	t.Parallel()
	w := newWorker()
	pool := pgtest.New(t)
	app, client := newApp(t, pool, w, 200*time.Millisecond)
	app.RequireStart()
	res, err := client.Insert(context.Background(), napArgs{Long: true}, nil)
	require.NoError(t, err)
	wait(t, w.started, "the long job to start")
	app.RequireStop()
	wait(t, w.cancelled, "the long job to be cancelled")

	// The cancelled job is not lost: it is back in the queue for a retry.
	var state string
	require.NoError(t, pool.QueryRow(context.Background(), "SELECT state FROM river.river_job WHERE id = $1", res.Job.ID).Scan(&state))
	require.Contains(t, []string{"retryable", "available"}, state)
}

func TestNew_WithoutWorkersStillInserts(t *testing.T) {
	t.Parallel()
	var client *riverfx.Client
	pool := pgtest.New(t)
	app := fxtest.New(t, fx.NopLogger,
		fx.Supply(config.Config{ShutdownTimeout: time.Second}, pool, slog.New(slog.NewTextHandler(io.Discard, nil))),
		riverfx.Module, fx.Populate(&client))
	app.RequireStart()
	defer app.RequireStop()
	_, err := client.Insert(context.Background(), napArgs{}, nil)
	require.NoError(t, err)
}
