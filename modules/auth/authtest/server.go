package authtest

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/api"
	"github.com/bookstore/bookstore/modules/auth/internal/httpauth"
	"github.com/bookstore/bookstore/modules/auth/internal/pages"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

// Server is the accounts module's pages, API and sign-in middleware on
// webtest's server, over a new database.
type Server struct {
	*webtest.Server
	Pool *pgxpool.Pool
	Svc  *service.Service
}

// ServerOpts change the service under test; nil means cheap hashes and
// limits too high to reach.
type ServerOpts struct {
	Limits *service.Limits
	// TrustProxy believes X-Forwarded-For and X-Forwarded-Proto.
	TrustProxy bool
	// NowFunc is the service's clock; tests of Retry-After stop it.
	NowFunc func() time.Time
}

// NewServer starts the module on a new database.
func NewServer(t testing.TB, opts *ServerOpts) *Server {
	t.Helper()
	if opts == nil {
		opts = &ServerOpts{}
	}
	pool := pgtest.New(t)
	sopts := &service.Opts{Hash: &FastHash, Limits: &noLimits, NowFunc: opts.NowFunc}
	if opts.Limits != nil {
		sopts.Limits = opts.Limits
	}
	svc, err := service.New(pool, sopts)
	require.NoError(t, err)
	srv := webtest.New(t, webtest.Opts{
		Routes:     []web.Routes{pages.Routes(svc), api.Routes(svc)},
		Middleware: []web.Middleware{httpauth.Middleware(svc)},
		Pool:       pool,
		TrustProxy: opts.TrustProxy,
	})
	return &Server{Server: srv, Pool: pool, Svc: svc}
}

// CreateUser makes an account directly.
func (s *Server) CreateUser(t testing.TB, opts *UserOpts) auth.User {
	t.Helper()
	return CreateUser(context.Background(), t, s.Pool, opts)
}

// SignUpForm creates an account through the sign-up form; c stays signed in.
func SignUpForm(t testing.TB, c *webtest.Client, email, name, pw string) {
	t.Helper()
	resp := c.Post(t, "/signup", url.Values{"email": {email}, "name": {name}, "password": {pw}, "csrf_token": {c.CSRFToken(t, "/signup")}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
}

// SignInForm signs c in through the sign-in form.
func SignInForm(t testing.TB, c *webtest.Client, email, pw string) {
	t.Helper()
	resp := c.Post(t, "/signin", url.Values{"email": {email}, "password": {pw}, "csrf_token": {c.CSRFToken(t, "/signin")}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
}

// CSRFToken is the token of c's session, as its account page renders it.
func CSRFToken(t testing.TB, c *webtest.Client) string {
	t.Helper()
	tok := c.CSRFToken(t, "/account")
	require.NotEmpty(t, tok, "CSRFToken needs a signed-in client")
	return tok
}

// Submit sends form with c's CSRF token, as a page of the shop would.
func Submit(t testing.TB, c *webtest.Client, path string, form url.Values) webtest.Response {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", CSRFToken(t, c))
	return c.Post(t, path, form)
}

// userHeader names the user FakeSignIn signs a request in as.
const userHeader = "X-Test-User"

// FakeSignIn stands in for the accounts module's middleware (and runs in
// its place, Order 10) in other modules' HTTP tests: a request whose
// header As(u) names one of users is signed in as that user, with the
// header of the page showing them.
func FakeSignIn(users ...auth.User) web.Middleware {
	byID := make(map[string]auth.User, len(users))
	for _, u := range users {
		byID[strconv.FormatInt(int64(u.ID), 10)] = u
	}
	return web.Middleware{Order: 10, Func: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, ok := byID[r.Header.Get(userHeader)]; ok {
				w.Header().Set("Cache-Control", "no-store")
				nav := view.NavFrom(r.Context())
				nav.SignedIn, nav.UserName, nav.Admin, nav.CSRFToken = true, u.Name, u.IsAdmin(), "test-token"
				r = r.WithContext(auth.WithUser(r.Context(), u))
			}
			next.ServeHTTP(w, r)
		})
	}}
}

// As is the header pair that makes FakeSignIn sign a request in as u; a
// nil u sends none (a visitor).
func As(u *auth.User) []string {
	if u == nil {
		return nil
	}
	return []string{userHeader, strconv.FormatInt(int64(u.ID), 10)}
}
