// Package ordersfx wires the orders module into an fx application.
package ordersfx

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/orders/internal/api"
	"github.com/bookstore/bookstore/modules/orders/internal/jobs"
	"github.com/bookstore/bookstore/modules/orders/internal/pages"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/metrics"
	"github.com/bookstore/bookstore/platform/riverfx"
	"github.com/bookstore/bookstore/platform/web"
)

// Module provides the orders module to a process that runs it. It needs a
// catalog.Service (the local one or a remote client).
var Module = fx.Module("orders",
	fx.Provide(
		newService,
		service.NewMetrics,
		func() *jobs.Ref { return &jobs.Ref{} },
		fx.Annotate(workers, fx.ResultTags(`group:"river_workers"`)),
		fx.Annotate(periodic, fx.ResultTags(`group:"river_periodic,flatten"`)),
	),
	metrics.AsCollector(func(m *service.Metrics) *service.Metrics { return m }),
	web.AsRoutes(api.Routes),
	web.AsRoutes(pages.Routes),
	web.AsMiddleware(pages.Middleware),
	fx.Invoke(func(ref *jobs.Ref, svc *service.Service) { ref.Svc = svc }),
)

func newService(pool *pgxpool.Pool, cat catalog.Service, client *riverfx.Client, cfg config.Config, m *service.Metrics) *service.Service {
	return service.New(pool, cat, client, &service.Options{
		Metrics:           m,
		HomeCountry:       cfg.HomeCountry,
		ShippingStep:      cfg.ShippingStep,
		BankTransferDelay: cfg.BankTransferDelay,
		StuckAfter:        cfg.OrderTimeout,
	})
}

// workers registers the module's workers; they reach the service through
// ref, which is set before the River client starts.
func workers(ref *jobs.Ref) riverfx.Registrar {
	return func(w *river.Workers) { jobs.Register(w, ref) }
}

func periodic(cfg config.Config) []*river.PeriodicJob {
	return []*river.PeriodicJob{jobs.Periodic(cfg.OrderTimeout)}
}
