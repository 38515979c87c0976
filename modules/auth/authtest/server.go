package authtest

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/api"
	"github.com/bookstore/bookstore/modules/auth/internal/httpauth"
	"github.com/bookstore/bookstore/modules/auth/internal/pages"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
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
// header of the page showing them, and admin paths keep everyone else
// out. ExerciseSignIn holds it and the real one to one contract.
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
			if err := httpauth.AdminOnly(r); err != nil {
				web.Error(w, r, err)
				return
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

// SignInUnderTest is a sign-in middleware with a member and an admin it
// knows, and the request headers that sign a request in as each.
type SignInUnderTest struct {
	Middleware    web.Middleware
	Member, Admin auth.User
	As            func(u auth.User) []string
}

// ExerciseSignIn runs the contract of a sign-in middleware, the accounts
// module's and FakeSignIn alike: a signed-in request reaches the handlers
// as its user and is answered privately (no cache keeps it), a visitor's
// as nobody's, and only admins reach the admin pages and API (a visitor
// is sent to sign in, or told 401, a member told 403).
func ExerciseSignIn(t *testing.T, newSignIn func(t *testing.T) SignInUnderTest) {
	t.Helper()
	s := newSignIn(t)
	who := func(r *http.Request) string {
		if u, ok := auth.UserFrom(r.Context()); ok {
			return strconv.FormatInt(int64(u.ID), 10)
		}
		return "visitor"
	}
	srv := webtest.New(t, webtest.Opts{
		Routes: []web.Routes{func(r chi.Router) {
			for _, p := range []string{"/things", "/administrators", "/admin/things"} {
				r.Get(p, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(who(r))) })
			}
			// A path the OpenAPI document lacks answers 4xx (webtest checks
			// every API answer against it): this one names who got past
			// the gate in a 404.
			r.Get("/api/v1/admin/things", func(w http.ResponseWriter, r *http.Request) {
				web.Error(w, r, apperr.ErrNotFound.WithMessage(who(r)))
			})
		}},
		Middleware: []web.Middleware{s.Middleware},
	})
	c := srv.Client()
	id := func(u auth.User) string { return strconv.FormatInt(int64(u.ID), 10) }

	for _, path := range []string{"/things", "/administrators"} {
		r := c.Get(t, path)
		require.Equal(t, http.StatusOK, r.StatusCode, path)
		require.Equal(t, "visitor", r.Body, path)
		for _, u := range []auth.User{s.Member, s.Admin} {
			r := c.Get(t, path, s.As(u)...)
			require.Equal(t, http.StatusOK, r.StatusCode, path)
			require.Equal(t, id(u), r.Body, path)
			require.Equal(t, "no-store", r.Header.Get("Cache-Control"), "%s: a signed-in answer is kept by no cache", path)
		}
	}
	r := c.Get(t, "/admin/things", s.As(s.Admin)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Equal(t, id(s.Admin), r.Body)
	r = c.Get(t, "/api/v1/admin/things", s.As(s.Admin)...)
	require.Equal(t, http.StatusNotFound, r.StatusCode)
	require.Contains(t, r.Body, `"message":"`+id(s.Admin)+`"`, "the admin got past the gate")
	for _, path := range []string{"/admin/things", "/api/v1/admin/things"} {
		require.Equal(t, http.StatusForbidden, c.Get(t, path, s.As(s.Member)...).StatusCode, path)
	}
	r = c.Get(t, "/admin/things")
	require.Equal(t, http.StatusSeeOther, r.StatusCode, "a visitor is sent to sign in")
	require.True(t, strings.HasPrefix(r.Header.Get("Location"), web.SignInPath+"?next="), r.Header.Get("Location"))
	require.Equal(t, http.StatusUnauthorized, c.Get(t, "/api/v1/admin/things").StatusCode)
}
