// Package jobs holds the accounts module's background work: the hourly
// removal of expired sessions.
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

// Workers registers the module's workers.
func Workers(svc *service.Service, log *slog.Logger) riverfx.Registrar {
	return func(ws *river.Workers) {
		river.AddWorker(ws, &DeleteExpiredSessions{Service: svc, Log: log})
	}
}

// Periodic schedules the clean-up every hour, and once at start.
func Periodic() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(
		river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return DeleteExpiredSessionsArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true},
	)}
}
