// Package authfx wires the accounts module into an fx application.
package authfx

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/api"
	"github.com/bookstore/bookstore/modules/auth/internal/httpauth"
	"github.com/bookstore/bookstore/modules/auth/internal/jobs"
	"github.com/bookstore/bookstore/modules/auth/internal/pages"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/logging"
	"github.com/bookstore/bookstore/platform/riverfx"
	"github.com/bookstore/bookstore/platform/web"
)

// Module provides the accounts module to a process that runs it: the
// service, its pages and API, the middleware that signs requests in, and
// the periodic clean-up of expired sessions and attempt counters.
var Module = fx.Module("auth",
	fx.Decorate(logging.ForModule("auth")),
	Service,
	web.AsRoutes(pages.Routes),
	web.AsRoutes(api.Routes),
	web.AsMiddleware(httpauth.Middleware),
	riverfx.AsWorkers(jobs.Workers),
	riverfx.AsPeriodic(jobs.Periodic),
)

// Service provides the local service alone, as auth.Service and
// auth.Accounts, for commands that need no HTTP server (bookstore user).
var Service = fx.Provide(fx.Annotate(newService,
	fx.As(fx.Self()), fx.As(new(auth.Service)), fx.As(new(auth.Accounts))))

func newService(pool *pgxpool.Pool) (*service.Service, error) {
	return service.New(pool, nil)
}
