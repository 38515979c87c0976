package ordersfx_test

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/api"
	"github.com/bookstore/bookstore/modules/orders/internal/client"
	"github.com/bookstore/bookstore/modules/orders/orderstest"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestLocalService_Contract(t *testing.T) {
	t.Parallel()
	orderstest.Exercise(t, func(t *testing.T, pool *pgxpool.Pool) orders.Service { return orderstest.NewService(t, pool) })
}

// TestRemoteClient_Contract runs the same suite against the client that the
// other modules' processes use, over a real HTTP server of the internal
// endpoints.
func TestRemoteClient_Contract(t *testing.T) {
	t.Parallel()
	orderstest.Exercise(t, func(t *testing.T, pool *pgxpool.Pool) orders.Service {
		srv := webtest.New(t, webtest.Opts{
			Routes: []web.Routes{api.InternalRoutes(orderstest.NewService(t, pool))}, Pool: pool, InternalToken: webtest.InternalToken,
		})
		return client.New(rpc.New("orders", srv.URL, webtest.InternalToken, nil))
	})
}
