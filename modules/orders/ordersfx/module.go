// Package ordersfx wires the orders module into an fx application.
package ordersfx

import (
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/orders/internal/api"
	"github.com/bookstore/bookstore/modules/orders/internal/jobs"
	"github.com/bookstore/bookstore/modules/orders/internal/pages"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/logging"
	"github.com/bookstore/bookstore/platform/metrics"
	"github.com/bookstore/bookstore/platform/riverfx"
	"github.com/bookstore/bookstore/platform/web"
)

// Module provides the orders module to a process that runs it: the
// service, its pages and API, the middleware that fills the header's
// counts, and the saga's workers and sweeper. It needs a catalog.Service
// (the local one or a remote client).
var Module = fx.Module("orders",
	fx.Decorate(logging.ForModule("orders")),
	fx.Provide(newService, service.NewMetrics),
	metrics.AsCollector(func(m *service.Metrics) *service.Metrics { return m }),
	web.AsRoutes(api.Routes),
	web.AsRoutes(pages.Routes),
	web.AsMiddleware(pages.Middleware),
	riverfx.AsWorkers(func(svc *service.Service, log *slog.Logger) riverfx.Registrar { return jobs.Workers(svc, log) }),
	riverfx.AsPeriodic(func(cfg config.Config) []*river.PeriodicJob { return jobs.Periodic(cfg.OrderTimeout) }),
)

func newService(pool *pgxpool.Pool, cat catalog.Service, inserter *riverfx.Inserter, cfg config.Config, m *service.Metrics) *service.Service {
	return service.New(pool, cat, inserter, &service.Options{
		Metrics:           m,
		HomeCountry:       cfg.HomeCountry,
		ShippingStep:      cfg.ShippingStep,
		BankTransferDelay: cfg.BankTransferDelay,
		StuckAfter:        cfg.OrderTimeout,
		RetryWindow:       cfg.PaymentRetryWindow,
	})
}
