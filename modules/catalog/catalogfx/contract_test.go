package catalogfx

import (
	"log/slog"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/api"
	"github.com/bookstore/bookstore/modules/catalog/internal/client"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestService_Contract(t *testing.T) {
	t.Parallel()
	catalogtest.Exercise(t, func(_ *testing.T, pool *pgxpool.Pool) catalog.Service {
		return service.New(pool, &service.Options{Log: slog.Default()})
	})
}

// TestRemoteClient_Contract runs the same suite against the client of a
// split shop, over a real HTTP server of the internal endpoints.
func TestRemoteClient_Contract(t *testing.T) {
	t.Parallel()
	catalogtest.Exercise(t, func(t *testing.T, pool *pgxpool.Pool) catalog.Service {
		srv := webtest.New(t, webtest.Opts{
			Routes: []web.Routes{api.InternalRoutes(service.New(pool, &service.Options{Log: slog.Default()}))},
			Pool:   pool, InternalToken: webtest.InternalToken,
		})
		return client.New(rpc.New("catalog", srv.URL, webtest.InternalToken, nil))
	})
}
