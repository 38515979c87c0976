// Package authfx wires the accounts module into an fx application.
package authfx

import (
	"context"
	"log/slog"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/api"
	"github.com/bookstore/bookstore/modules/auth/internal/client"
	"github.com/bookstore/bookstore/modules/auth/internal/httpauth"
	"github.com/bookstore/bookstore/modules/auth/internal/jobs"
	"github.com/bookstore/bookstore/modules/auth/internal/pages"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/logging"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/riverfx"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/web"
)

// Module provides the accounts module to a process that runs it: the
// service, its pages and API, the internal endpoints other processes call,
// the middleware that signs requests in, and the periodic clean-up of
// expired sessions and attempt counters.
var Module = fx.Module("auth",
	fx.Decorate(logging.ForModule("auth")),
	Service,
	web.AsRoutes(publicRoutes),
	web.AsRoutes(api.InternalRoutes),
	activity.Local(config.ModuleAuth, func(s *service.Service) activity.ListFunc { return s.ActivityLog }),
	web.AsMiddleware(SignIn),
	riverfx.AsWorkers(jobs.Workers),
	riverfx.AsPeriodic(jobs.Periodic),
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

// Service provides the local service alone, as auth.Service and
// auth.Accounts, for commands that need no HTTP server (bookstore user).
var Service = fx.Options(
	fx.Provide(fx.Annotate(newService, fx.ParamTags(``, `optional:"true"`),
		fx.As(fx.Self()), fx.As(new(auth.Service)), fx.As(new(auth.Accounts)))),
	fx.Invoke(normalizeStoredEmails),
)

// normalizeStoredEmails converts, at start, the addresses stored before
// they had one normal form that SQL could not convert. The hook blocks,
// unlike others, so that no request or command of this process finds such
// an account unreachable or signs its mailbox up again; it runs after the
// pool's, which migrates, and is quick once done.
func normalizeStoredEmails(lc fx.Lifecycle, svc *service.Service, log *slog.Logger) {
	lc.Append(fx.StartHook(func(ctx context.Context) error {
		left, err := svc.NormalizeStoredEmails(ctx)
		for _, u := range left {
			log.Warn("account address left unnormalized: another account holds its normal form, or its domain is not valid; an admin should settle it",
				"user", u.ID, "email", u.Email)
		}
		return err
	}))
}

// newService writes its emails to outbox; commands have none, and the
// accounts they create send no email.
func newService(pool *pgxpool.Pool, outbox *mail.Outbox) (*service.Service, error) {
	return service.New(pool, &service.Opts{Outbox: outbox})
}

// Remote provides what a process that does not run the module needs of
// it, served at url: its Client, and the same middleware as Module, which
// signs requests in through it.
func Remote(url string) fx.Option {
	return fx.Module("auth-remote", Client(url), web.AsMiddleware(SignIn))
}

// Client provides auth.Service over HTTP to the process served at url.
func Client(url string) fx.Option {
	return fx.Provide(fx.Annotate(func(d *rpc.Dialer) *client.Client { return client.New(d.Client(config.ModuleAuth, url)) },
		fx.As(new(auth.Service))))
}

// SignIn is the middleware that signs every request in through svc and
// fills the header's user; the gateway runs it for its own error pages.
func SignIn(svc auth.Service) web.Middleware { return httpauth.Middleware(svc) }
