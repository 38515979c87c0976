// Package riverfx gives a process its River clients: an insert-only
// Inserter that services enqueue with, and the working Client built from the
// workers and periodic jobs of the modules the process runs, started and
// stopped with the app.
//
// Two clients break a cycle that one would make: a service inserts jobs, the
// workers call the service, and a working client needs its workers when it is
// built. Services take the Inserter (which needs no workers); each module
// contributes a Registrar whose constructor may take its service; the
// working Client is built from whatever Registrars the process's modules
// contributed, so a process that runs only some modules works only their
// jobs, and one that runs none only inserts.
package riverfx

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/metrics"
	"github.com/bookstore/bookstore/platform/migrate"
	"github.com/bookstore/bookstore/platform/tracing"
	"github.com/bookstore/bookstore/platform/web"
)

// MaxWorkers is how many jobs one process works at once. The jobs wait on
// Postgres far more than they compute, so this exceeds the cores; it stays
// below the pool's connections so that requests always find one.
const MaxWorkers = 24

// Client is the working client: it runs the process's workers.
type Client = river.Client[pgx.Tx]

// Inserter is the insert-only client services enqueue with, in their own
// transaction (transactional enqueue). It also lists, retries and cancels
// jobs; it never works them, so it needs no workers.
type Inserter struct {
	*river.Client[pgx.Tx]
}

// Registrar adds a module's workers to the working client's bundle.
type Registrar func(*river.Workers)

// Opts tune the clients; nil, or a zero field, keeps the production value.
type Opts struct {
	// RetryPolicy decides when a failed job runs again (RetryPolicy: from
	// 1 s to days, a rescue after a crash not counting).
	RetryPolicy river.ClientRetryPolicy
	// FetchPollInterval is how often idle workers look for new jobs
	// (DefaultFetchPollInterval).
	FetchPollInterval time.Duration
	// TestOnly starts and stops River's maintenance at once instead of
	// staggering it.
	TestOnly bool
	// UnavailableSnooze is how long a job that found another module
	// unavailable waits before it runs again (DefaultUnavailableSnooze).
	UnavailableSnooze time.Duration
}

// DefaultUnavailableSnooze paces a job waiting for another module: often
// enough to catch up within seconds of its return.
const DefaultUnavailableSnooze = 5 * time.Second

// TestOpts are for tests that run workers: a failed job is retried after
// 10 ms and due jobs are picked up within 20 ms, so a test waits for the
// work, not for River's production pacing.
func TestOpts() *Opts {
	return &Opts{RetryPolicy: retryAfter(10 * time.Millisecond), FetchPollInterval: 20 * time.Millisecond, TestOnly: true, UnavailableSnooze: 10 * time.Millisecond}
}

type retryAfter time.Duration

func (d retryAfter) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(time.Duration(d)) }

// Module provides the Inserter, the working Client and its readiness check,
// and the process's Queue for the admin's jobs page (also served to
// the other processes of a split shop), and builds the Client even when
// nothing asks for it, since it is what works the jobs.
var Module = fx.Module("river",
	fx.Provide(
		fx.Annotate(func(pool *pgxpool.Pool, cfg config.Config, tr *tracing.Tracing) (*Inserter, error) {
			return newInserter(pool, Schema(cfg), tr)
		}, fx.ParamTags(``, ``, `optional:"true"`)),
		New,
		NewJobMetrics,
		fx.Annotate(readiness, fx.ResultTags(`group:"readiness"`)),
		NewLocalQueue,
	),
	AsQueue(func(q *LocalQueue) *LocalQueue { return q }),
	web.AsRoutes(QueueRoutes),
	metrics.AsCollector(func(m *JobMetrics) *JobMetrics { return m }),
	fx.Invoke(func(*Client) {}),
)

// AsWorkers contributes a module's workers: constructor returns a Registrar
// and may take the module's service.
func AsWorkers(constructor any) fx.Option {
	return fx.Provide(fx.Annotate(constructor, fx.ResultTags(`group:"river_workers"`)))
}

// AsPeriodic contributes a module's periodic jobs, which the elected leader
// schedules: constructor returns []*river.PeriodicJob.
func AsPeriodic(constructor any) fx.Option {
	return fx.Provide(fx.Annotate(constructor, fx.ResultTags(`group:"river_periodic,flatten"`)))
}

// DueFunc reports whether a periodic job has work to do, by a cheap read
// (an index's first entry, a cursor).
type DueFunc func(ctx context.Context) (bool, error)

// dueTimeout bounds a DueFunc: River's leader calls the constructors of
// every periodic job in turn, so one that waited would delay the others.
const dueTimeout = time.Second

// WhenDue is a periodic job's constructor that inserts args only when due
// reports work. Each run of a periodic job is a row that River inserts,
// updates twice and deletes a day later: for an idle shop's few frequent
// jobs that was 200,000 rows and most of its WAL a day, for nothing. A
// check that fails (a slow or unreachable module) inserts the job all the
// same, so the job's own run meets the failure, logs it and retries as it
// did before the check.
func WhenDue(due DueFunc, args river.JobArgs) river.PeriodicJobConstructor {
	return func() (river.JobArgs, *river.InsertOpts) {
		ctx, cancel := context.WithTimeout(context.Background(), dueTimeout)
		defer cancel()
		if ok, err := due(ctx); err == nil && !ok {
			return nil, nil
		}
		return args, nil
	}
}

// Schema is the schema of the process's job queue: River's own in the
// monolith, and one per set of modules otherwise (river_catalog,
// river_auth_catalog), so that processes of a split shop sharing one
// database each elect their own leader and work only their own jobs.
func Schema(cfg config.Config) string { return migrate.RiverSchema + cfg.Suffix() }

// NewInserter returns the insert-only client over pool, on the monolith's
// schema. Its rare logs (a failed notification) go to the default logger,
// at warning and above. With tr it writes the inserting request's trace
// context into each job, so the job's work continues that trace; tr may be
// nil.
func NewInserter(pool *pgxpool.Pool, tr *tracing.Tracing) (*Inserter, error) {
	return newInserter(pool, migrate.RiverSchema, tr)
}

func newInserter(pool *pgxpool.Pool, schema string, tr *tracing.Tracing) (*Inserter, error) {
	c, err := river.NewClient(newDriver(pool), baseConfig(slog.Default(), "", schema, nil, tr.RiverMiddleware()...))
	if err != nil {
		return nil, fmt.Errorf("river inserter: %w", err)
	}
	return &Inserter{c}, nil
}

// fetchCooldown is the least time between two fetches of one queue: River
// fetches at most once per cooldown, up to its free workers, and its
// default 100 ms caps a queue at 10 × MaxWorkers jobs/s, below what a busy
// checkout makes (about seven jobs per order).
const fetchCooldown = 5 * time.Millisecond

// baseConfig is what both clients share, so a job is inserted the same way
// whichever client inserts it; mws are added to the middleware.
func baseConfig(log *slog.Logger, level, schema string, o *Opts, mws ...rivertype.Middleware) *river.Config {
	if o == nil {
		o = &Opts{}
	}
	retry := o.RetryPolicy
	if retry == nil {
		retry = RetryPolicy{}
	}
	poll := cmp.Or(o.FetchPollInterval, DefaultFetchPollInterval)
	return &river.Config{
		Schema:            schema,
		Logger:            riverLogger(log, level),
		Middleware:        append([]rivertype.Middleware{&logFailures{log: log}, &promptSchedule{}, &waitOut{snooze: cmp.Or(o.UnavailableSnooze, DefaultUnavailableSnooze), log: log}}, mws...),
		RetryPolicy:       retry,
		FetchPollInterval: poll,
		FetchCooldown:     min(poll, fetchCooldown),
		// Poll for jobs instead of LISTEN/NOTIFY. Every job insert
		// notified every replica, and with three replicas that fan-out
		// cost Postgres more than the work itself (BenchmarkScaleOut: 0.4×
		// of one replica's throughput with notifications, about 0.8×
		// without; one replica lost nothing). A new job waits at most
		// the poll interval.
		PollOnly: true,
		TestOnly: o.TestOnly,
	}
}

// DefaultFetchPollInterval is how soon an idle worker sees a new job.
const DefaultFetchPollInterval = 200 * time.Millisecond

// schedulerInterval is how often River moves due scheduled jobs to
// available (its JobSchedulerIntervalDefault, which v0.51 does not let a
// client change).
const schedulerInterval = 5 * time.Second

// promptSchedule inserts a job due within the scheduler's interval as
// available with its future scheduled_at, which workers honour, instead of
// scheduled, which would wait for the scheduler's next pass: a 50 ms step
// then takes 50 ms, not up to 5 s. River does the same for short retries
// and snoozes.
type promptSchedule struct {
	river.MiddlewareDefaults
}

func (*promptSchedule) InsertMany(ctx context.Context, params []*rivertype.JobInsertParams, doInner func(context.Context) ([]*rivertype.JobInsertResult, error)) ([]*rivertype.JobInsertResult, error) {
	for _, p := range params {
		if p.State == rivertype.JobStateScheduled && p.ScheduledAt != nil && time.Until(*p.ScheduledAt) <= schedulerInterval {
			p.State = rivertype.JobStateAvailable
		}
	}
	return doInner(ctx)
}

// waitOut makes a job whose work found another module unavailable (its
// process down: the call answered apperr Unavailable) run again after
// snooze without counting an attempt. A cross-module side effect thus waits
// out the other module's downtime, however long, at a steady pace, rather
// than backing off for hours or being discarded, and catches up within
// snooze of its return.
type waitOut struct {
	river.MiddlewareDefaults
	snooze time.Duration
	log    *slog.Logger
}

func (w *waitOut) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	err := doInner(ctx)
	var cancel *rivertype.JobCancelError
	var snooze *rivertype.JobSnoozeError
	if err == nil || apperr.KindOf(err) != apperr.Unavailable || errors.As(err, &cancel) || errors.As(err, &snooze) {
		return err
	}
	w.log.Info("job waits for an unavailable module", "kind", job.Kind, "job", job.ID, "err", err, "again_in", w.snooze)
	return river.JobSnooze(w.snooze)
}

// logFailures logs every failed run of a job, once, for every kind: River
// reports them at info, which riverLogger drops, so a job that failed every
// attempt left no line in the log. A failure River retries is a warning;
// a job's last attempt, or one its worker cancelled as hopeless, is an
// error. It comes first, so a wait for an unavailable module (waitOut's
// snooze) is no failure.
type logFailures struct {
	river.MiddlewareDefaults
	log *slog.Logger
}

func (l *logFailures) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	err := doInner(ctx)
	var cancel *rivertype.JobCancelError
	var snooze *rivertype.JobSnoozeError
	if err == nil || errors.As(err, &snooze) {
		return err
	}
	level, msg := slog.LevelWarn, "job failed; it will be retried"
	if errors.As(err, &cancel) || job.Attempt >= job.MaxAttempts {
		level, msg = slog.LevelError, "job failed for good"
	}
	l.log.Log(ctx, level, msg, "kind", job.Kind, "job", job.ID, "attempt", job.Attempt, "max_attempts", job.MaxAttempts, "err", err)
	return err
}

// pollOnlyDriver is River's pgx driver for clients that poll (PollOnly):
// since no client listens, River must not notify either. River sends a
// pg_notify in the transaction of a job's insert (at most once per fetch
// cooldown and queue) and of a queue's pause or resume whenever the driver
// supports LISTEN/NOTIFY, poll-only or not: in the service-layer checkout
// bench that was 0.64 statements per order, in the checkout's own
// transaction.
type pollOnlyDriver struct{ *riverpgxv5.Driver }

func newDriver(pool *pgxpool.Pool) pollOnlyDriver { return pollOnlyDriver{riverpgxv5.New(pool)} }

// SupportsListenNotify tells River to send no notifications.
func (pollOnlyDriver) SupportsListenNotify() bool { return false }

// SupportsListener tells River that nothing may listen.
func (pollOnlyDriver) SupportsListener() bool { return false }

// Params are what New needs.
type Params struct {
	fx.In

	Lifecycle  fx.Lifecycle
	Config     config.Config
	Pool       *pgxpool.Pool
	Log        *slog.Logger
	Opts       *Opts                `optional:"true"`
	Tracing    *tracing.Tracing     `optional:"true"`
	Metrics    *JobMetrics          `optional:"true"`
	Registrars []Registrar          `group:"river_workers"`
	Periodic   []*river.PeriodicJob `group:"river_periodic"`
}

// New builds the working client. It starts with the app when some module
// registered a worker; otherwise it is never started.
func New(p Params) (*Client, error) {
	timeout := p.Config.JobTimeout
	if timeout <= 0 {
		timeout = DefaultJobTimeout
	}
	mws := p.Tracing.RiverMiddleware()
	if p.Metrics != nil {
		mws = append(mws, p.Metrics.middleware())
	}
	rcfg := baseConfig(p.Log, p.Config.LogLevel, Schema(p.Config), p.Opts, mws...)
	rcfg.PeriodicJobs = p.Periodic
	// The timeout of every kind that sets none of its own (a worker's
	// Timeout method): the saga's steps take milliseconds, so a short one
	// suffices, and a short one is what lets a crashed replica's jobs move
	// again soon.
	rcfg.JobTimeout = timeout
	// A job still marked running once its kind's timeout has passed belongs
	// to a process that died (SIGKILL, lost node). The elected leader looks
	// for such jobs every 30 s and retries them at once (RetryPolicy), so
	// with a 10 s timeout a killed replica's jobs run again within about
	// 45 s.
	rcfg.RescueStuckJobsAfter = timeout
	rcfg.DiscardedJobRetentionPeriod = DiscardedJobRetention
	working := len(p.Registrars) > 0
	if working {
		workers := river.NewWorkers()
		for _, r := range p.Registrars {
			r(workers)
		}
		rcfg.Workers = workers
		rcfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: MaxWorkers}}
	}
	client, err := river.NewClient(newDriver(p.Pool), rcfg)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	if !working {
		return client, nil
	}
	p.Lifecycle.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			// Start spawns River's goroutines and returns; jobs stop on the
			// app's stop hook, not when this start context ends.
			if err := client.Start(context.WithoutCancel(ctx)); err != nil {
				return fmt.Errorf("start job queue: %w", err)
			}
			return nil
		},
		OnStop: func(ctx context.Context) error {
			return Stop(ctx, client, p.Config.ShutdownTimeout)
		},
	})
	return client, nil
}

// DiscardedJobRetention is how long a job that failed for good stays on the
// admin's jobs page before River deletes it. River's default, 7 days, let
// an operator who looks weekly miss a failure; completed and cancelled
// jobs keep River's 24 hours (README, "Background jobs").
const DiscardedJobRetention = 30 * 24 * time.Hour

// DefaultJobTimeout bounds one run of a job whose kind sets no timeout of
// its own; --job-timeout changes it.
const DefaultJobTimeout = 10 * time.Second

// RetryPolicy is River's backoff (attempt⁴ seconds, jittered) counting only
// the job's own failures. A rescue after the job's process died is no fault
// of the job, so it does not lengthen the wait: a job rescued after any
// number of crashes runs again within about a second.
type RetryPolicy struct{}

// rescued is the error River records on a job its rescuer retried.
const rescued = "Stuck job rescued by JobRescuer"

// NextRetry implements river.ClientRetryPolicy.
func (RetryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	own := *job
	own.Errors = slices.DeleteFunc(slices.Clone(job.Errors), func(e rivertype.AttemptError) bool { return e.Error == rescued })
	return (&river.DefaultClientRetryPolicy{}).NextRetry(&own)
}

// riverLogger keeps River's warnings and errors but drops its info
// chatter (client started, stopped) unless the process logs at debug, so a
// failed start still ends with one clear line on stderr.
func riverLogger(log *slog.Logger, level string) *slog.Logger {
	if level == "debug" {
		return log.With("module", "river")
	}
	return slog.New(minLevel{Handler: log.Handler(), min: slog.LevelWarn}).With("module", "river")
}

// minLevel is a handler that drops records below min.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.min && m.Handler.Enabled(ctx, l)
}

func (m minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{Handler: m.Handler.WithAttrs(attrs), min: m.min}
}

func (m minLevel) WithGroup(name string) slog.Handler {
	return minLevel{Handler: m.Handler.WithGroup(name), min: m.min}
}

// Stop lets running jobs finish for up to grace, then cancels the rest; a
// cancelled job is retried by the next process, so nothing is lost.
func Stop(ctx context.Context, client *Client, grace time.Duration) error {
	soft, cancel := context.WithTimeout(ctx, grace)
	defer cancel()
	err := client.Stop(soft)
	if err == nil {
		return nil
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("stop job queue: %w", err)
	}
	if err := client.StopAndCancel(ctx); err != nil {
		return fmt.Errorf("cancel running jobs: %w", err)
	}
	return nil
}

func readiness(client *Client) web.Check {
	return web.Check{Name: "jobs", Func: func(ctx context.Context) error {
		_, err := client.QueueList(ctx, river.NewQueueListParams().First(1))
		return err
	}}
}
