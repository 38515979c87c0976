// Package jobs holds the accounts module's background work: the hourly
// removal of expired sessions and the removal of sign-in counters whose
// window has passed.
package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/riverfx"
)

// DeleteExpiredSessionsArgs is the hourly job that removes dead sessions.
// Expired rows are already ignored; deleting them only saves space, so the
// job is idempotent and safe to run on any replica.
type DeleteExpiredSessionsArgs struct{}

// Kind implements river.JobArgs.
func (DeleteExpiredSessionsArgs) Kind() string { return "auth.delete_expired_sessions" }

// DeleteExpiredSessions works DeleteExpiredSessionsArgs.
type DeleteExpiredSessions struct {
	river.WorkerDefaults[DeleteExpiredSessionsArgs]
	Service *service.Service
	Log     *slog.Logger
}

// Work implements river.Worker.
func (w *DeleteExpiredSessions) Work(ctx context.Context, _ *river.Job[DeleteExpiredSessionsArgs]) error {
	n, err := w.Service.DeleteExpiredSessions(ctx)
	if err != nil {
		return err
	}
	w.Log.Debug("deleted expired sessions", "count", n)
	return nil
}

// Timeout gives a bulk delete longer than the default job timeout.
func (w *DeleteExpiredSessions) Timeout(*river.Job[DeleteExpiredSessionsArgs]) time.Duration {
	return time.Minute
}

// DeleteExpiredAttemptsArgs is the job that removes rate-limit counters
// whose window has passed, once a window, so auth.attempts holds at most
// two windows' worth of keys. Idempotent, like the session clean-up.
type DeleteExpiredAttemptsArgs struct{}

// Kind implements river.JobArgs.
func (DeleteExpiredAttemptsArgs) Kind() string { return "auth.delete_expired_attempts" }

// DeleteExpiredAttempts works DeleteExpiredAttemptsArgs.
type DeleteExpiredAttempts struct {
	river.WorkerDefaults[DeleteExpiredAttemptsArgs]
	Service *service.Service
	Log     *slog.Logger
}

// Work implements river.Worker.
func (w *DeleteExpiredAttempts) Work(ctx context.Context, _ *river.Job[DeleteExpiredAttemptsArgs]) error {
	n, err := w.Service.DeleteExpiredAttempts(ctx)
	if err != nil {
		return err
	}
	w.Log.Debug("deleted expired attempt counters", "count", n)
	return nil
}

// Timeout gives a bulk delete longer than the default job timeout.
func (w *DeleteExpiredAttempts) Timeout(*river.Job[DeleteExpiredAttemptsArgs]) time.Duration {
	return time.Minute
}

// Workers registers the module's workers.
func Workers(svc *service.Service, log *slog.Logger) riverfx.Registrar {
	return func(ws *river.Workers) {
		river.AddWorker(ws, &DeleteExpiredSessions{Service: svc, Log: log})
		river.AddWorker(ws, &DeleteExpiredAttempts{Service: svc, Log: log})
	}
}

// Periodic schedules the session clean-up every hour and the counters'
// every limit window, each once at start too.
func Periodic() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(
		river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return DeleteExpiredSessionsArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true},
	), river.NewPeriodicJob(
		river.PeriodicInterval(service.DefaultLimits.Window),
		func() (river.JobArgs, *river.InsertOpts) { return DeleteExpiredAttemptsArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true},
	)}
}
