// Package catalogfx wires the catalog module into an fx application.
package catalogfx

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/api"
	"github.com/bookstore/bookstore/modules/catalog/internal/client"
	"github.com/bookstore/bookstore/modules/catalog/internal/jobs"
	"github.com/bookstore/bookstore/modules/catalog/internal/pages"
	"github.com/bookstore/bookstore/modules/catalog/internal/photos"
	"github.com/bookstore/bookstore/modules/catalog/internal/seed"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/logging"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/metrics"
	"github.com/bookstore/bookstore/platform/riverfx"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/text"
	"github.com/bookstore/bookstore/platform/web"
)

// MaxPriceEnv sets the highest price a listing may ask, in the shop
// currency ("10000" or "2500.00"); the default is 10,000.00.
const MaxPriceEnv = "BOOKSTORE_CATALOG_MAX_PRICE"

// Module provides the catalog module to a process that runs it: the local
// service (also as catalog.Service for the orders module), its pages, its
// JSON API, the middleware that fills the header's count of want alerts,
// the job that keeps the sellers copy current from the accounts module's
// change feed, and the one that matches listings against want lists.
var Module = fx.Module("catalog",
	fx.Decorate(logging.ForModule("catalog")),
	Service,
	web.AsRoutes(publicRoutes),
	web.AsRoutes(api.InternalRoutes),
	activity.Local(config.ModuleCatalog, func(s *service.Service) activity.ListFunc { return s.ActivityLog }),
	web.AsMiddleware(WantAlerts),
	riverfx.AsWorkers(func(svc *service.Service, accounts auth.Service) riverfx.Registrar {
		return jobs.Workers(svc, accounts)
	}),
	riverfx.AsPeriodic(func(svc *service.Service, accounts auth.Service) []*river.PeriodicJob {
		return jobs.Periodic(svc, accounts)
	}),
	metrics.AsCollector(holdMetrics),
)

// publicRoutes are the module's pages and API; a nil svc declares them
// only, for Routes.
func publicRoutes(svc *service.Service, log *slog.Logger) web.Routes {
	p, a := pages.Routes(svc, log), api.Routes(svc)
	return func(r chi.Router) { p(r); a(r) }
}

// Routes declares the module's public routes without a service, so the
// gateway of a split shop learns which paths to send here from the very
// declarations the module serves them by.
func Routes() web.Routes { return publicRoutes(nil, slog.Default()) }

// holdMetrics reports the stock held by orders in progress. Holds are
// confirmed when an order ships and released when it fails; a count that
// only grows means that is not happening.
func holdMetrics(svc *service.Service) prometheus.Collector {
	orders := prometheus.NewDesc("bookstore_catalog_holding_orders", "Orders holding copies (reserved, neither confirmed as sold nor released).", nil, nil)
	copies := prometheus.NewDesc("bookstore_catalog_held_copies", "Copies held by orders in progress.", nil, nil)
	return metrics.NewScrape("catalog_holds", []*prometheus.Desc{orders, copies}, func(ctx context.Context, ch chan<- prometheus.Metric) error {
		st, err := svc.HoldStats(ctx)
		if err != nil {
			return err
		}
		ch <- prometheus.MustNewConstMetric(orders, prometheus.GaugeValue, float64(st.Orders))
		ch <- prometheus.MustNewConstMetric(copies, prometheus.GaugeValue, float64(st.Copies))
		return nil
	})
}

// Service provides the local service alone, as catalog.Service too, for
// commands that need no HTTP server (bookstore seed).
var Service = fx.Provide(fx.Annotate(newService, fx.ParamTags(``, ``, ``, `optional:"true"`, `optional:"true"`), fx.As(fx.Self()), fx.As(new(catalog.Service))))

// Remote provides what a process that does not run the module needs of
// it, served at url: catalog.Service over HTTP, and the middleware that
// fills the header's count of want alerts through it, so every page has
// the same header.
func Remote(url string) fx.Option {
	return fx.Module("catalog-remote",
		fx.Provide(fx.Annotate(func(d *rpc.Dialer) *client.Client { return client.New(d.Client(config.ModuleCatalog, url)) },
			fx.As(new(catalog.Service)))),
		web.AsMiddleware(WantAlerts),
	)
}

// WantAlerts is the middleware that fills the header's count of new want
// matches through svc.
func WantAlerts(svc catalog.Service) web.Middleware { return pages.WantAlertsMiddleware(svc) }

// SeedOptions tune `bookstore seed`.
type SeedOptions = seed.Options

// SeedMaxListings and SeedMaxSellers bound the counts of SeedOptions.
const (
	SeedMaxListings = seed.MaxListings
	SeedMaxSellers  = seed.MaxSellers
)

// SeedResult says what `bookstore seed` created.
type SeedResult = seed.Result

// Seeder fills an empty shop with demo listings.
type Seeder struct{ svc *service.Service }

// NewSeeder returns a Seeder over the catalog service that Service provides.
func NewSeeder(svc *service.Service) *Seeder { return &Seeder{svc: svc} }

// Run creates sellers through accounts and their listings with drawn covers.
func (s *Seeder) Run(ctx context.Context, accounts auth.Accounts, o SeedOptions) (SeedResult, error) {
	return seed.Run(ctx, s.svc, accounts, o)
}

// Options reads the catalog's settings from the process configuration.
func Options(cfg config.Config, log *slog.Logger) (*service.Options, error) {
	store, err := photos.New(cfg.PhotoStore, filepath.Join(cfg.DataDir, "uploads"))
	if err != nil {
		return nil, err
	}
	o := &service.Options{Photos: store, Log: log}
	if v, ok := os.LookupEnv(MaxPriceEnv); ok && v != "" {
		cents, err := text.ParseMoney(v, text.DecimalPoint)
		if err != nil || cents <= 0 {
			return nil, fmt.Errorf("%s=%q: must be a positive amount like 10000.00", MaxPriceEnv, v)
		}
		o.MaxPriceCents = cents
	}
	return o, nil
}

// newService builds the local service. The job inserter and the outbox
// are missing only from commands without a job queue (bookstore seed),
// whose listings are then matched against no want.
func newService(pool *pgxpool.Pool, cfg config.Config, log *slog.Logger, ins *riverfx.Inserter, outbox *mail.Outbox) (*service.Service, error) {
	o, err := Options(cfg, log)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	o.Jobs, o.Outbox = ins, outbox
	return service.New(pool, o), nil
}
