// Package authfx wires the accounts module into an fx application.
package authfx

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/api"
	"github.com/bookstore/bookstore/modules/auth/internal/httpauth"
	"github.com/bookstore/bookstore/modules/auth/internal/pages"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/riverfx"
	"github.com/bookstore/bookstore/platform/web"
)

// Module provides the accounts module to a process that runs it: the
// service, its pages and API, the middleware that signs requests in, and
// the periodic clean-up of expired sessions and attempt counters.
var Module = fx.Module("auth",
	Service,
	web.AsRoutes(pages.Routes),
	web.AsRoutes(api.Routes),
	web.AsMiddleware(httpauth.Middleware),
	fx.Provide(fx.Annotate(workers, fx.ResultTags(`group:"river_workers"`))),
	riverfx.AsPeriodic(river.NewPeriodicJob(
		river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return DeleteExpiredSessionsArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true},
	), river.NewPeriodicJob(
		river.PeriodicInterval(service.DefaultLimits.Window),
		func() (river.JobArgs, *river.InsertOpts) { return DeleteExpiredAttemptsArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true},
	)),
)

// Service provides the local service alone, as auth.Service and
// auth.Accounts, for commands that need no HTTP server (bookstore user).
var Service = fx.Provide(fx.Annotate(newService,
	fx.As(fx.Self()), fx.As(new(auth.Service)), fx.As(new(auth.Accounts))))

func newService(pool *pgxpool.Pool) (*service.Service, error) {
	return service.New(pool, nil)
}

// DeleteExpiredSessionsArgs is the hourly job that removes dead sessions.
// Expired rows are already ignored; deleting them only saves space, so the
// job is idempotent and safe to run on any replica.
type DeleteExpiredSessionsArgs struct{}

// Kind names the job.
func (DeleteExpiredSessionsArgs) Kind() string { return "auth.delete_expired_sessions" }

type deleteExpiredSessions struct {
	river.WorkerDefaults[DeleteExpiredSessionsArgs]
	svc *service.Service
	log *slog.Logger
}

func (w *deleteExpiredSessions) Work(ctx context.Context, _ *river.Job[DeleteExpiredSessionsArgs]) error {
	n, err := w.svc.DeleteExpiredSessions(ctx)
	if err != nil {
		return err
	}
	w.log.Debug("deleted expired sessions", "count", n)
	return nil
}

// DeleteExpiredAttemptsArgs is the job that removes rate-limit counters
// whose window has passed, once a window, so auth.attempts holds at most
// two windows' worth of keys. Idempotent, like the session clean-up.
type DeleteExpiredAttemptsArgs struct{}

// Kind names the job.
func (DeleteExpiredAttemptsArgs) Kind() string { return "auth.delete_expired_attempts" }

type deleteExpiredAttempts struct {
	river.WorkerDefaults[DeleteExpiredAttemptsArgs]
	svc *service.Service
	log *slog.Logger
}

// Timeout gives a bulk delete longer than the default job timeout.
func (w *deleteExpiredSessions) Timeout(*river.Job[DeleteExpiredSessionsArgs]) time.Duration {
	return time.Minute
}

// Timeout gives a bulk delete longer than the default job timeout.
func (w *deleteExpiredAttempts) Timeout(*river.Job[DeleteExpiredAttemptsArgs]) time.Duration {
	return time.Minute
}

func (w *deleteExpiredAttempts) Work(ctx context.Context, _ *river.Job[DeleteExpiredAttemptsArgs]) error {
	n, err := w.svc.DeleteExpiredAttempts(ctx)
	if err != nil {
		return err
	}
	w.log.Debug("deleted expired attempt counters", "count", n)
	return nil
}

func workers(svc *service.Service, log *slog.Logger) riverfx.Registrar {
	log = log.With("module", "auth")
	return func(ws *river.Workers) {
		river.AddWorker(ws, &deleteExpiredSessions{svc: svc, log: log})
		river.AddWorker(ws, &deleteExpiredAttempts{svc: svc, log: log})
	}
}
