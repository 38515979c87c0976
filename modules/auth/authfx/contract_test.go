package authfx_test

import (
	"testing"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/auth/internal/api"
	"github.com/bookstore/bookstore/modules/auth/internal/client"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestLocalService_Contract(t *testing.T) {
	t.Parallel()
	authtest.Exercise(t, func(t *testing.T) (auth.Service, authtest.Backend) {
		pool := pgtest.New(t)
		return authtest.NewService(t, pool), authtest.LocalBackend(t, pool)
	})
}

// TestRemoteClient_Contract runs the same suite against the client of a
// split shop, over a real HTTP server of the internal endpoints.
func TestRemoteClient_Contract(t *testing.T) {
	t.Parallel()
	authtest.Exercise(t, func(t *testing.T) (auth.Service, authtest.Backend) {
		pool := pgtest.New(t)
		srv := webtest.New(t, webtest.Opts{
			Routes: []web.Routes{api.InternalRoutes(authtest.NewService(t, pool))}, Pool: pool, InternalToken: webtest.InternalToken,
		})
		return client.New(rpc.New("auth", srv.URL, webtest.InternalToken, nil)), authtest.LocalBackend(t, pool)
	})
}
