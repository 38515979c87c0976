package catalogtest

import (
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/api"
	"github.com/bookstore/bookstore/modules/catalog/internal/client"
	"github.com/bookstore/bookstore/modules/catalog/internal/pages"
	"github.com/bookstore/bookstore/modules/catalog/internal/photos"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/riverfx"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

// Users every Server signs in, by authtest.As(&user).
var (
	Seller = auth.User{ID: 11, Name: "Sally Seller", Role: auth.RoleMember, EmailVerified: true}
	Other  = auth.User{ID: 12, Name: "Otto Other", Role: auth.RoleMember, EmailVerified: true}
	Admin  = auth.User{ID: 13, Name: "Ada Admin", Role: auth.RoleAdmin, EmailVerified: true}
	// Newcomer has not confirmed their email address yet.
	Newcomer = auth.User{ID: 14, Name: "Nina Newcomer", Role: auth.RoleMember}
)

// Server is the catalog's pages and API on webtest's server over a new
// database, with authtest.FakeSignIn for Seller, Other, Admin and Newcomer. Its one
// client's cookies carry each flash message to the next page.
type Server struct {
	*webtest.Client
	Pool   *pgxpool.Pool
	Svc    *service.Service
	Photos *photos.Mem
}

// NewServer starts the catalog on a new database, inserting its jobs
// (nothing works them: tests run a job's work themselves).
func NewServer(t testing.TB) *Server {
	t.Helper()
	pool := pgtest.New(t)
	mem := photos.NewMemStore()
	ins, err := riverfx.NewInserter(pool, nil)
	require.NoError(t, err)
	svc := service.New(pool, &service.Options{Photos: mem, MaxPriceCents: 1_000_000, Jobs: ins})
	srv := webtest.New(t, webtest.Opts{
		Routes:     []web.Routes{pages.Routes(svc, slog.Default()), api.Routes(svc)},
		Middleware: []web.Middleware{authtest.FakeSignIn(Seller, Other, Admin, Newcomer), pages.WantAlertsMiddleware(svc)},
		Pool:       pool,
	})
	return &Server{Client: srv.Client(), Pool: pool, Svc: svc, Photos: mem}
}

// Remote is catalog.Service as the other processes of a split shop reach
// it: the remote client, over a real HTTP server of the internal endpoints,
// to the catalog on a database.
type Remote struct {
	catalog.Service
	down atomic.Bool
}

// NewRemote serves the catalog on pool to a remote client.
func NewRemote(t testing.TB, pool *pgxpool.Pool) *Remote {
	t.Helper()
	srv := webtest.New(t, webtest.Opts{
		Routes: []web.Routes{api.InternalRoutes(service.New(pool, &service.Options{Log: slog.Default()}))},
		Pool:   pool, InternalToken: webtest.InternalToken,
	})
	r := &Remote{}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	r.Service = client.New(rpc.New("catalog", srv.URL, webtest.InternalToken, &rpc.Opts{Transport: down{&r.down, tr}}))
	return r
}

// SetDown makes the catalog's process unreachable, every connection to it
// refused as when it was killed, until SetDown(false).
func (r *Remote) SetDown(d bool) { r.down.Store(d) }

// down refuses every request while it is set.
type down struct {
	set  *atomic.Bool
	next http.RoundTripper
}

func (d down) RoundTrip(req *http.Request) (*http.Response, error) {
	if d.set.Load() {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	return d.next.RoundTrip(req)
}
