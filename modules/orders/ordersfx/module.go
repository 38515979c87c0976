// Package ordersfx wires the orders module into an fx application.
package ordersfx

import (
	"log/slog"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/api"
	"github.com/bookstore/bookstore/modules/orders/internal/client"
	"github.com/bookstore/bookstore/modules/orders/internal/jobs"
	"github.com/bookstore/bookstore/modules/orders/internal/pages"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/logging"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/metrics"
	"github.com/bookstore/bookstore/platform/riverfx"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/web"
)

// Module provides the orders module to a process that runs it: the
// service, its pages and API, the internal endpoints other processes call,
// the middleware that fills the header's counts, and the saga's workers and
// sweeper. It needs a catalog.Service and an auth.Service (the local ones
// or remote clients).
var Module = fx.Module("orders",
	fx.Decorate(logging.ForModule("orders")),
	fx.Provide(fx.Annotate(newService, fx.As(fx.Self()), fx.As(new(orders.Service))), service.NewMetrics),
	metrics.AsCollector(func(m *service.Metrics) *service.Metrics { return m }),
	web.AsRoutes(publicRoutes),
	web.AsRoutes(api.InternalRoutes),
	// The service reads its own log for the Activity page (a Log of the
	// group would be a cycle); other processes may read it here.
	web.AsRoutes(func(s *service.Service) web.Routes {
		return activity.Routes(activity.NewLocal(string(config.ModuleOrders), s.ActivityLog))
	}),
	web.AsMiddleware(HeaderCounts),
	riverfx.AsWorkers(func(svc *service.Service, accounts auth.Service, log *slog.Logger) riverfx.Registrar {
		return jobs.Workers(svc, accounts, log)
	}),
	riverfx.AsPeriodic(func(svc *service.Service, accounts auth.Service, cfg config.Config) []*river.PeriodicJob {
		return jobs.Periodic(svc, accounts, cfg.OrderTimeout, cfg.ShippingStep)
	}),
)

// publicRoutes are the module's pages and API; a nil svc declares them
// only, for Routes.
func publicRoutes(svc *service.Service) web.Routes {
	p, a := pages.Routes(svc), api.Routes(svc)
	return func(r chi.Router) { p(r); a(r) }
}

// Routes declares the module's public routes without a service, so the
// gateway of a split shop learns which paths to send here from the very
// declarations the module serves them by.
func Routes() web.Routes { return publicRoutes(nil) }

// optionalOutbox is the process's outbox; a graph without one (the
// benchmark's) only stores the emails.
type optionalOutbox struct {
	fx.In

	Outbox *mail.Outbox `optional:"true"`
}

func newService(pool *pgxpool.Pool, cat catalog.Service, inserter *riverfx.Inserter, cfg config.Config, queues riverfx.Queues, boxes mail.Boxes, logs activity.Logs, m *service.Metrics, out optionalOutbox) *service.Service {
	return service.New(pool, cat, inserter, &service.Options{
		Logs:              logs.All,
		Outbox:            out.Outbox,
		Queues:            queues.All,
		Boxes:             boxes.All,
		Metrics:           m,
		HomeCountry:       cfg.HomeCountry,
		ShippingStep:      cfg.ShippingStep,
		BankTransferDelay: cfg.BankTransferDelay,
		StuckAfter:        cfg.OrderTimeout,
		RetryWindow:       cfg.PaymentRetryWindow,
	})
}

// Remote provides what a process that does not run the module needs of
// it, served at url: the middleware that fills the header's counts, over
// its Client, so every page has the same header.
func Remote(url string) fx.Option {
	return fx.Module("orders-remote", Client(url), web.AsMiddleware(HeaderCounts))
}

// Client provides orders.Service over HTTP to the process served at url.
func Client(url string) fx.Option {
	return fx.Provide(fx.Annotate(func(d *rpc.Dialer) *client.Client { return client.New(d.Client(config.ModuleOrders, url)) },
		fx.As(new(orders.Service))))
}

// HeaderCounts is the middleware that fills the header's cart and
// notification counts through svc; the gateway runs it for its own error
// pages.
func HeaderCounts(svc orders.Service) web.Middleware { return pages.Middleware(svc) }
