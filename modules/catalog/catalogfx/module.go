// Package catalogfx wires the catalog module into an fx application.
package catalogfx

import (
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/modules/catalog/internal/web"
	platformweb "github.com/bookstore/bookstore/platform/web"
)

// Module provides the catalog module to a process that runs it: the local
// service, also as catalog.Service for the orders module, and its routes.
var Module = fx.Module("catalog",
	fx.Decorate(func(log *slog.Logger) *slog.Logger { return log.With("module", "catalog") }),
	fx.Provide(fx.Annotate(newService, fx.As(fx.Self()), fx.As(new(catalog.Service)))),
	platformweb.AsRoutes(web.Routes),
)

func newService(pool *pgxpool.Pool, log *slog.Logger) *service.Service {
	return service.New(pool, &service.Options{Log: log})
}
