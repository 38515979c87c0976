package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"

	"github.com/bookstore/bookstore"
	"github.com/bookstore/bookstore/modules/auth/authfx"
	"github.com/bookstore/bookstore/modules/catalog/catalogfx"
	"github.com/bookstore/bookstore/modules/orders/ordersfx"
	"github.com/bookstore/bookstore/platform/apidoc"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/logging"
	"github.com/bookstore/bookstore/platform/metrics"
	"github.com/bookstore/bookstore/platform/migrate"
	"github.com/bookstore/bookstore/platform/pg"
	"github.com/bookstore/bookstore/platform/riverfx"
	"github.com/bookstore/bookstore/platform/tracing"
	"github.com/bookstore/bookstore/platform/web"
)

// moduleOptions maps each module to its fx module, in dependency order.
var moduleOptions = map[config.Module]fx.Option{
	config.ModuleAuth:    authfx.Module,
	config.ModuleCatalog: catalogfx.Module,
	config.ModuleOrders:  ordersfx.Module,
}

// appOptions is the graph every command shares: configuration, logging and
// the database, with migrations applied at start when asked.
func appOptions(cfg config.Config, extra ...fx.Option) fx.Option {
	log := logging.New(os.Stderr, cfg.LogLevel, cfg.LogFormat)
	slog.SetDefault(log)
	opts := []fx.Option{
		fx.Supply(cfg, log),
		fx.WithLogger(func() fxevent.Logger {
			if cfg.LogLevel == "debug" {
				return &fxevent.SlogLogger{Logger: log}
			}
			return fxevent.NopLogger
		}),
		fx.StartTimeout(startTimeout),
		fx.StopTimeout(2*cfg.ShutdownTimeout + pgStopAllowance),
		fx.Supply(pg.Migrations(migrationSets(cfg))),
		tracing.Module,
		pg.Module,
	}
	return fx.Options(append(opts, extra...)...)
}

// runOnce is how every command but serve runs: it starts the shared graph
// plus opts (which populate what run uses), runs run after start (so its
// length is not bound by the start timeout; ctx, Ctrl-C, stops it), stops
// the app, and returns the first error of start, run and stop, each
// described for an operator.
func runOnce(ctx context.Context, cfg config.Config, run func(context.Context) error, opts ...fx.Option) error {
	app := fx.New(appOptions(cfg, opts...))
	if err := app.Err(); err != nil {
		return describeStartError(err)
	}
	startCtx, cancel := context.WithTimeout(ctx, app.StartTimeout())
	defer cancel()
	if err := app.Start(startCtx); err != nil {
		_ = app.Stop(context.WithoutCancel(ctx))
		return describeStartError(err)
	}
	runErr := run(ctx)
	stopErr := app.Stop(context.WithoutCancel(ctx))
	if runErr != nil {
		return describeFieldErrors(runErr)
	}
	return stopErr
}

// serveOptions adds what a serving process runs: the modules, the job
// queue and the HTTP server.
func serveOptions(cfg config.Config) fx.Option {
	opts := []fx.Option{metrics.Module, riverfx.Module, web.Module, apidoc.Module}
	for _, m := range cfg.Modules {
		opts = append(opts, moduleOptions[m])
	}
	return fx.Options(opts...)
}

// migrationSets lists the migrations of the modules the process runs.
func migrationSets(cfg config.Config) []migrate.Set {
	names := make([]string, len(cfg.Modules))
	for i, m := range cfg.Modules {
		names[i] = string(m)
	}
	return bookstore.MigrationSets(names...)
}

const (
	// startTimeout covers initdb on a cold data folder plus migrations.
	startTimeout = 2 * time.Minute
	// pgStopAllowance is what the embedded cluster gets to shut down after
	// requests and jobs are drained.
	pgStopAllowance = 30 * time.Second
)
