package riverfx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/bookstore/bookstore/platform/apperr"
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
		riverfx.AsWorkers(func() riverfx.Registrar { return func(ws *river.Workers) { river.AddWorker(ws, w) } }),
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

// napService stands for a module's service: it inserts with the Inserter,
// and its workers call it.
type napService struct {
	inserter *riverfx.Inserter
	w        *napWorker
}

func TestModule_WorkersMayTakeTheServiceThatInserts(t *testing.T) {
	t.Parallel()
	w := newWorker()
	var svc *napService
	app := fxtest.New(t, fx.NopLogger,
		fx.Supply(config.Config{ShutdownTimeout: time.Second}, pgtest.New(t), slog.New(slog.DiscardHandler), riverfx.TestOpts()),
		riverfx.Module,
		fx.Provide(func(ins *riverfx.Inserter) *napService { return &napService{inserter: ins, w: w} }),
		riverfx.AsWorkers(func(s *napService) riverfx.Registrar {
			return func(ws *river.Workers) { river.AddWorker(ws, s.w) }
		}),
		fx.Populate(&svc))
	app.RequireStart()
	defer app.RequireStop()
	_, err := svc.inserter.Insert(context.Background(), napArgs{}, nil)
	require.NoError(t, err)
	wait(t, w.done, "the job the service inserted to run")
}

func TestInserter_JobDueSoonIsAvailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ins, err := riverfx.NewInserter(pgtest.New(t), nil)
	require.NoError(t, err)
	soon, err := ins.Insert(ctx, napArgs{}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Second)})
	require.NoError(t, err)
	require.Equal(t, rivertype.JobStateAvailable, soon.Job.State, "workers take it when due, without waiting for River's scheduler")
	require.True(t, soon.Job.ScheduledAt.After(time.Now()), "and not before it is due")
	later, err := ins.Insert(ctx, napArgs{}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	require.Equal(t, rivertype.JobStateScheduled, later.Job.State)
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

func TestSchema_OnePerSetOfModules(t *testing.T) {
	t.Parallel()
	for modules, want := range map[string]string{"all": "river", "catalog": "river_catalog", "orders,auth": "river_auth_orders"} {
		mods, err := config.ParseModules(modules)
		require.NoError(t, err)
		require.Equal(t, want, riverfx.Schema(config.Config{Modules: mods}), modules)
	}
}

type flakyArgs struct{}

func (flakyArgs) Kind() string { return "test.flaky" }

// flakyWorker fails with errs, one per run, then succeeds.
type flakyWorker struct {
	river.WorkerDefaults[flakyArgs]
	mu   sync.Mutex
	errs []error
	done chan *river.Job[flakyArgs]
}

func (w *flakyWorker) Work(_ context.Context, job *river.Job[flakyArgs]) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.errs) > 0 {
		err := w.errs[0]
		w.errs = w.errs[1:]
		return err
	}
	w.done <- job
	return nil
}

// startFlaky starts a shop's job queue, logging to log, on a new database
// with w as its one worker, until the test ends.
func startFlaky(t *testing.T, w *flakyWorker, log *slog.Logger) *riverfx.Client {
	t.Helper()
	var client *riverfx.Client
	app := fxtest.New(t, fx.NopLogger,
		fx.Supply(config.Config{ShutdownTimeout: time.Second}, pgtest.New(t), log, riverfx.TestOpts()),
		riverfx.Module,
		riverfx.AsWorkers(func() riverfx.Registrar { return func(ws *river.Workers) { river.AddWorker(ws, w) } }),
		fx.Populate(&client))
	app.RequireStart()
	t.Cleanup(app.RequireStop)
	return client
}

// TestWorker_WaitsOutAnUnavailableModule: a job whose call found another
// module down runs again without counting an attempt or recording a
// failure, so an outage of any length never discards it; other failures
// count as usual.
func TestWorker_WaitsOutAnUnavailableModule(t *testing.T) {
	t.Parallel()
	down := fmt.Errorf("confirm order 7: %w", apperr.ErrUnavailable.WithMessage("the catalog service is not answering"))
	w := &flakyWorker{errs: []error{down, down, down, errors.New("bug"), down}, done: make(chan *river.Job[flakyArgs], 1)}
	client := startFlaky(t, w, slog.New(slog.NewTextHandler(io.Discard, nil)))
	_, err := client.Insert(context.Background(), flakyArgs{}, &river.InsertOpts{MaxAttempts: 2})
	require.NoError(t, err)
	select {
	case job := <-w.done:
		require.Equal(t, 2, job.Attempt, "only the bug counted, though four runs waited for the catalog")
		require.Len(t, job.Errors, 1)
		require.Equal(t, "bug", job.Errors[0].Error)
	case <-time.After(30 * time.Second):
		t.Fatal("the job never finished")
	}
}

// records collects the records a logger wrote, for tests that read them
// while River's goroutines log.
type records struct {
	mu  sync.Mutex
	got []slog.Record
}

func (r *records) Enabled(context.Context, slog.Level) bool { return true }

// WithAttrs drops attrs (River's module=river), which these tests do not
// read.
func (r *records) WithAttrs([]slog.Attr) slog.Handler { return r }

func (r *records) WithGroup(string) slog.Handler { return r }

func (r *records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, rec)
	return nil
}

// atLeast returns the messages of the records of level or above, each with
// its attributes.
func (r *records) atLeast(level slog.Level) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, rec := range r.got {
		if rec.Level < level {
			continue
		}
		line := rec.Level.String() + " " + rec.Message
		rec.Attrs(func(a slog.Attr) bool {
			line += " " + a.String()
			return true
		})
		out = append(out, line)
	}
	return out
}

// TestWorker_FailuresAreLogged: every failed run of a job is logged, once,
// whatever its kind: a failure River retries as a warning, a job its worker
// cancels as an error; a wait for an unavailable module is no failure.
func TestWorker_FailuresAreLogged(t *testing.T) {
	t.Parallel()
	down := fmt.Errorf("confirm order 7: %w", apperr.ErrUnavailable.WithMessage("the catalog service is not answering"))
	w := &flakyWorker{errs: []error{down, errors.New("sweep: resolve stuck order 18: bug"), river.JobCancel(errors.New("hopeless"))}, done: make(chan *river.Job[flakyArgs], 1)}
	logs := &records{}
	client := startFlaky(t, w, slog.New(logs))
	res, err := client.Insert(context.Background(), flakyArgs{}, &river.InsertOpts{MaxAttempts: 5})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		j, err := client.JobGet(context.Background(), res.Job.ID)
		require.NoError(t, err)
		return j.State == rivertype.JobStateCancelled
	}, 30*time.Second, 10*time.Millisecond)
	id := fmt.Sprint(res.Job.ID)
	require.Equal(t, []string{
		"WARN job failed; it will be retried kind=test.flaky job=" + id + " attempt=1 max_attempts=5 err=sweep: resolve stuck order 18: bug",
		"ERROR job failed for good kind=test.flaky job=" + id + " attempt=2 max_attempts=5 err=JobCancelError: hopeless",
	}, logs.atLeast(slog.LevelWarn))
}

// TestWhenDue_InsertsOnlyWhenDue: a periodic job whose check finds no
// work leaves no row in the queue however often its schedule fires, runs
// within its interval once the check finds work, and runs when the check
// fails, so the job meets the failure itself.
func TestWhenDue_InsertsOnlyWhenDue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	w := newWorker()
	var (
		mu     sync.Mutex
		checks int
		due    bool
		broken error
	)
	check := func(context.Context) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		checks++
		return due, broken
	}
	set := func(d bool, err error) {
		mu.Lock()
		defer mu.Unlock()
		checks, due, broken = 0, d, err
	}
	checked := func(n int) bool {
		mu.Lock()
		defer mu.Unlock()
		return checks >= n
	}
	app := fxtest.New(t, fx.NopLogger,
		fx.Supply(config.Config{ShutdownTimeout: time.Second}, pool, slog.New(slog.DiscardHandler), riverfx.TestOpts()),
		riverfx.Module,
		riverfx.AsWorkers(func() riverfx.Registrar { return func(ws *river.Workers) { river.AddWorker(ws, w) } }),
		riverfx.AsPeriodic(func() []*river.PeriodicJob {
			return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(20*time.Millisecond),
				riverfx.WhenDue(check, napArgs{}), &river.PeriodicJobOpts{RunOnStart: true})}
		}))
	app.RequireStart()
	// Jobs queued while due report on w.done until the app stops.
	drained := make(chan struct{})
	defer func() {
		set(false, nil)
		go func() {
			for {
				select {
				case <-w.done:
				case <-drained:
					return
				}
			}
		}()
		app.RequireStop()
		close(drained)
	}()

	require.Eventually(t, func() bool { return checked(5) }, 30*time.Second, 5*time.Millisecond)
	var rows int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM river.river_job WHERE kind = 'test.nap'").Scan(&rows))
	require.Zero(t, rows, "nothing due, nothing queued")

	set(true, nil)
	wait(t, w.done, "the job to run once due")

	set(false, errors.New("the other module is down"))
	wait(t, w.done, "the job to run when the check fails")
}

// TestClient_KeepsDiscardedJobsAMonth: a job that failed for good stays
// in the queue (and on the admin's jobs page) for DiscardedJobRetention,
// well past River's default week, while completed jobs go after a day.
func TestClient_KeepsDiscardedJobsAMonth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	w := newWorker()
	app := fxtest.New(t, fx.NopLogger,
		fx.Supply(config.Config{ShutdownTimeout: time.Second}, pool, slog.New(slog.DiscardHandler), riverfx.TestOpts()),
		riverfx.Module,
		riverfx.AsWorkers(func() riverfx.Registrar { return func(ws *river.Workers) { river.AddWorker(ws, w) } }),
		fx.Invoke(func(ins *riverfx.Inserter) {
			for _, age := range []string{"completed 2 days", "discarded 8 days", "discarded 31 days"} {
				var state, days string
				_, err := fmt.Sscanf(age, "%s %s", &state, &days)
				require.NoError(t, err)
				res, err := ins.Insert(ctx, napArgs{}, &river.InsertOpts{Queue: "parked", Metadata: []byte(`{"age":"` + age + `"}`)})
				require.NoError(t, err)
				_, err = pool.Exec(ctx, "UPDATE river.river_job SET state = $2, finalized_at = now() - make_interval(days => $3::int) WHERE id = $1",
					res.Job.ID, state, days)
				require.NoError(t, err)
			}
		}))
	app.RequireStart()
	defer app.RequireStop()
	left := func() []string {
		rows, err := pool.Query(ctx, "SELECT metadata->>'age' FROM river.river_job WHERE queue = 'parked' ORDER BY id")
		require.NoError(t, err)
		ages, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		return ages
	}
	require.Eventually(t, func() bool { return len(left()) < 3 }, 30*time.Second, 20*time.Millisecond, "River's cleaner runs at start")
	require.Equal(t, []string{"discarded 8 days"}, left())
}
