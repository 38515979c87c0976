// Package riverfx builds the process's single River client from the workers
// and periodic jobs that modules contribute, and ties its start and graceful
// stop to the app's lifecycle.
package riverfx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/metrics"
	"github.com/bookstore/bookstore/platform/migrate"
	"github.com/bookstore/bookstore/platform/tracing"
	"github.com/bookstore/bookstore/platform/web"
)

// Client is the River client every module inserts jobs with.
type Client = river.Client[pgx.Tx]

// Registrar adds a module's workers to the shared bundle.
type Registrar func(*river.Workers)

// Module provides *Client and its readiness check.
var Module = fx.Module("river",
	fx.Provide(
		New,
		NewJobMetrics,
		fx.Annotate(readiness, fx.ResultTags(`group:"readiness"`)),
	),
	metrics.AsCollector(func(m *JobMetrics) *JobMetrics { return m }),
)

// AsWorkers contributes a module's workers.
func AsWorkers(f Registrar) fx.Option {
	return fx.Supply(fx.Annotate(f, fx.ResultTags(`group:"river_workers"`)))
}

// AsPeriodic contributes periodic jobs, which the elected leader schedules.
func AsPeriodic(jobs ...*river.PeriodicJob) fx.Option {
	return fx.Supply(fx.Annotate(jobs, fx.ResultTags(`group:"river_periodic,flatten"`)))
}

// Params are what New needs.
type Params struct {
	fx.In

	Lifecycle  fx.Lifecycle
	Config     config.Config
	Pool       *pgxpool.Pool
	Log        *slog.Logger
	Tracing    *tracing.Tracing     `optional:"true"`
	Metrics    *JobMetrics          `optional:"true"`
	Registrars []Registrar          `group:"river_workers"`
	Periodic   []*river.PeriodicJob `group:"river_periodic"`
}

// New builds the client. It works jobs only when some module registered a
// worker; otherwise it can still insert them.
func New(p Params) (*Client, error) {
	workers := river.NewWorkers()
	for _, r := range p.Registrars {
		r(workers)
	}
	timeout := p.Config.JobTimeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	rcfg := &river.Config{
		Schema:       migrate.RiverSchema,
		Logger:       riverLogger(p.Log, p.Config.LogLevel),
		PeriodicJobs: p.Periodic,
		JobTimeout:   timeout,
		Middleware:   p.Tracing.RiverMiddleware(),
		// A job still marked running after twice its timeout belongs to a
		// process that died (SIGKILL, lost node): retry it then, not after
		// River's default hour, so work resumes in bounded time.
		RescueStuckJobsAfter: 2 * timeout,
	}
	if p.Metrics != nil {
		rcfg.Middleware = append(rcfg.Middleware, p.Metrics.middleware())
	}
	working := len(p.Registrars) > 0
	if working {
		rcfg.Workers = workers
		rcfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 20}}
	}
	client, err := river.NewClient(riverpgxv5.New(p.Pool), rcfg)
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
