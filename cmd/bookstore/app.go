package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"

	"github.com/bookstore/bookstore"
	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authfx"
	"github.com/bookstore/bookstore/modules/catalog/catalogfx"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/ordersfx"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/apidoc"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/gateway"
	"github.com/bookstore/bookstore/platform/logging"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/metrics"
	"github.com/bookstore/bookstore/platform/migrate"
	"github.com/bookstore/bookstore/platform/pg"
	"github.com/bookstore/bookstore/platform/riverfx"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/tracing"
	"github.com/bookstore/bookstore/platform/web"
)

// moduleOptions maps each module to its fx module, in dependency order.
var moduleOptions = map[config.Module]fx.Option{
	config.ModuleAuth:    authfx.Module,
	config.ModuleCatalog: catalogfx.Module,
	config.ModuleOrders:  ordersfx.Module,
}

// remoteOptions maps each module to what a process that calls it without
// running it is given: its interface over HTTP, and its middleware.
var remoteOptions = map[config.Module]func(url string) fx.Option{
	config.ModuleAuth:    authfx.Remote,
	config.ModuleCatalog: catalogfx.Remote,
	config.ModuleOrders:  ordersfx.Remote,
}

// routeDeclarations maps each module to its public routes, declared without
// a service, from which the gateway learns where each path goes.
var routeDeclarations = map[config.Module]func() web.Routes{
	config.ModuleAuth:    authfx.Routes,
	config.ModuleCatalog: catalogfx.Routes,
	config.ModuleOrders:  ordersfx.Routes,
}

// appOptions is the graph every command shares: configuration, logging and
// the database (but for the gateway, which has none), with migrations
// applied at start when asked.
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
		tracing.Module,
	}
	if !cfg.Gateway {
		opts = append(opts, fx.Supply(pg.Migrations(migrationSets(cfg))), pg.Module)
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

// runOnceAs is runOnce as the process of a split shop that runs module m
// alone, when split: with m's own database in the private cluster (made on
// first use), which the monolith's, where the command acts otherwise, is
// not.
func runOnceAs(ctx context.Context, cfg config.Config, split bool, m config.Module, run func(context.Context) error, opts ...fx.Option) error {
	if split {
		cfg.Modules = []config.Module{m}
	}
	return runOnce(ctx, cfg, run, opts...)
}

// serveOptions adds what a serving process runs: the modules, clients of
// the modules it calls but does not run, the job queue and the HTTP
// server; or, for the gateway, the routes that forward to the modules.
func serveOptions(cfg config.Config) fx.Option {
	if cfg.Gateway {
		return fx.Options(metrics.Module, web.Module, rpc.Module, apidoc.Module,
			authfx.Client(cfg.URLs[config.ModuleAuth]), ordersfx.Client(cfg.URLs[config.ModuleOrders]),
			web.AsRoutes(func(a auth.Service, o orders.Service, tr *tracing.Tracing) (web.Routes, error) {
				return gatewayRoutes(cfg, tr, authfx.SignIn(a), ordersfx.HeaderCounts(o))
			}))
	}
	opts := []fx.Option{metrics.Module, riverfx.Module, mail.Module, web.Module, apidoc.Module}
	if cfg.Split() {
		opts = append(opts, rpc.Module)
	}
	for _, m := range config.AllModules {
		switch {
		case cfg.Runs(m):
			opts = append(opts, moduleOptions[m])
		case cfg.URLs[m] != "":
			opts = append(opts, remoteOptions[m](cfg.URLs[m]), remoteQueue(m, cfg.URLs[m]), remoteBox(m, cfg.URLs[m]), remoteLog(m, cfg.URLs[m]))
		}
	}
	return fx.Options(opts...)
}

// remoteQueue gives the admin's jobs page the job queue of the
// process that runs m.
func remoteQueue(m config.Module, url string) fx.Option {
	return riverfx.AsQueue(func(d *rpc.Dialer) *riverfx.RemoteQueue { return riverfx.NewRemoteQueue(d.Client(m, url)) })
}

// remoteBox gives the admin's Outbox page the outbox of the process that
// runs m.
func remoteBox(m config.Module, url string) fx.Option {
	return mail.AsBox(func(d *rpc.Dialer) *mail.RemoteBox { return mail.NewRemoteBox(d.Client(m, url)) })
}

// remoteLog gives the admin's Activity page the activity log of the
// process that runs m.
func remoteLog(m config.Module, url string) fx.Option {
	return activity.AsLog(func(d *rpc.Dialer) *activity.RemoteLog { return activity.NewRemote(d.Client(m, url)) })
}

// gatewayRoutes forwards each module's paths to cfg's URL of it; a path no
// module declares goes to the catalog, which serves the shop's home. The
// gateway's own error pages get the header from the modules' middleware.
func gatewayRoutes(cfg config.Config, tr *tracing.Tracing, header ...web.Middleware) (web.Routes, error) {
	return gateway.Routes(gatewayOwners(cfg), config.ModuleCatalog, tr, header...)
}

func gatewayOwners(cfg config.Config) []gateway.Owner {
	owners := make([]gateway.Owner, 0, len(config.AllModules))
	for _, m := range config.AllModules {
		owners = append(owners, gateway.Owner{Module: m, URL: cfg.URLs[m], Routes: []web.Routes{routeDeclarations[m]()}})
	}
	return owners
}

// migrationSets lists the migrations of the modules the process runs, of
// its outbox (every module's database has one, as it has a job queue) and
// of its job queue.
func migrationSets(cfg config.Config) []migrate.Set {
	names := make([]string, 0, len(cfg.Modules)+1)
	for _, m := range cfg.Modules {
		names = append(names, string(m))
	}
	names = append(names, "mail")
	return append(bookstore.MigrationSets(names...), migrate.RiverSet(riverfx.Schema(cfg)))
}

const (
	// startTimeout covers initdb on a cold data folder plus migrations.
	startTimeout = 2 * time.Minute
	// pgStopAllowance is what the embedded cluster gets to shut down after
	// requests and jobs are drained.
	pgStopAllowance = 30 * time.Second
)
