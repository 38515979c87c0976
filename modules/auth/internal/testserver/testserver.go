// Package testserver runs the module's pages, API and middleware on the
// platform's real router over a pgtest database, for the HTTP tests of
// internal/pages and internal/api. It captures the log, so tests can prove
// that no secret reaches it.
package testserver

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/auth/internal/api"
	"github.com/bookstore/bookstore/modules/auth/internal/httpauth"
	"github.com/bookstore/bookstore/modules/auth/internal/pages"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/apidoc/apitest"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/metrics"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/web"
)

// Server is the module behind a real HTTP listener.
type Server struct {
	URL     string
	Handler http.Handler
	Pool    *pgxpool.Pool
	Svc     *service.Service
	Logs    *Buffer
}

// Opts change the service under test; nil means cheap hashes and limits
// too high to reach.
type Opts struct {
	Limits *service.Limits
	// TrustProxy believes X-Forwarded-For and X-Forwarded-Proto.
	TrustProxy bool
	// NowFunc is the service's clock; tests of Retry-After stop it.
	NowFunc func() time.Time
}

// New starts a server on a new database.
func New(t *testing.T, opts *Opts) *Server {
	t.Helper()
	pool := pgtest.New(t)
	sopts := &service.Opts{Hash: &authtest.FastHash, Limits: &service.Limits{Window: 1 << 40, SignInPerAddress: 1 << 30, SignInPerAccount: 1 << 30, SignUpPerAddress: 1 << 30, SignUpPerAccount: 1 << 30}}
	if opts == nil {
		opts = &Opts{}
	}
	if opts.Limits != nil {
		sopts.Limits = opts.Limits
	}
	sopts.NowFunc = opts.NowFunc
	svc, err := service.New(pool, sopts)
	require.NoError(t, err)
	pageRoutes, err := pages.Routes(svc)
	require.NoError(t, err)
	logs := &Buffer{}
	h := web.NewRouter(web.RouterParams{
		Config:     config.Config{ShutdownTimeout: 1, TrustProxy: opts.TrustProxy},
		Log:        slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Metrics:    metrics.New(pool),
		Routes:     []web.Routes{pageRoutes, api.Routes(svc)},
		Middleware: []web.Middleware{httpauth.Middleware(svc)},
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &Server{URL: srv.URL, Handler: h, Pool: pool, Svc: svc, Logs: logs}
}

// CreateUser makes an account directly.
func (s *Server) CreateUser(t *testing.T, opts *authtest.UserOpts) auth.User {
	t.Helper()
	return authtest.CreateUser(context.Background(), t, s.Pool, opts)
}

// Buffer is a log sink safe for concurrent writes.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Browser is a client with cookies that does not follow redirects, so
// tests see each 303.
type Browser struct {
	t      *testing.T
	srv    *Server
	Client *http.Client
}

// Browser returns a new client without cookies.
func (s *Server) Browser(t *testing.T) *Browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &Browser{t: t, srv: s, Client: &http.Client{
		Jar:           jar,
		Transport:     apitest.Transport(t, nil),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Response is a finished response with its body read.
type Response struct {
	*http.Response
	Body string
}

// Do sends req.
func (b *Browser) Do(req *http.Request) Response {
	b.t.Helper()
	resp, err := b.Client.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	return Response{Response: resp, Body: string(body)}
}

// Get fetches path.
func (b *Browser) Get(path string) Response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.srv.URL+path, nil)
	require.NoError(b.t, err)
	return b.Do(req)
}

// Post sends a form as is.
func (b *Browser) Post(path string, form url.Values) Response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.srv.URL+path, strings.NewReader(form.Encode()))
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.Do(req)
}

// Submit sends a form with the session's CSRF token, as the page would.
func (b *Browser) Submit(path string, form url.Values) Response {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", b.CSRFToken())
	return b.Post(path, form)
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// CSRFToken reads the token a signed-in page renders in its forms.
func (b *Browser) CSRFToken() string {
	b.t.Helper()
	resp := b.Get("/account")
	require.Equal(b.t, http.StatusOK, resp.StatusCode, "CSRFToken needs a signed-in browser")
	m := csrfField.FindStringSubmatch(resp.Body)
	require.NotNil(b.t, m)
	return m[1]
}

// Session returns the browser's session cookie value.
func (b *Browser) Session() string {
	u, _ := url.Parse(b.srv.URL)
	for _, c := range b.Client.Jar.Cookies(u) {
		if c.Name == auth.SessionCookie {
			return c.Value
		}
	}
	return ""
}

// pageToken is the CSRF token the page renders in its forms: empty when
// the browser is signed out.
func (b *Browser) pageToken(path string) string {
	b.t.Helper()
	if m := csrfField.FindStringSubmatch(b.Get(path).Body); m != nil {
		return m[1]
	}
	return ""
}

// SignUp creates an account through the form and stays signed in.
func (b *Browser) SignUp(email, name, pw string) {
	b.t.Helper()
	resp := b.Post("/signup", url.Values{"email": {email}, "name": {name}, "password": {pw}, "csrf_token": {b.pageToken("/signup")}})
	require.Equal(b.t, http.StatusSeeOther, resp.StatusCode, resp.Body)
}

// SignIn signs in through the form.
func (b *Browser) SignIn(email, pw string) {
	b.t.Helper()
	resp := b.Post("/signin", url.Values{"email": {email}, "password": {pw}, "csrf_token": {b.pageToken("/signin")}})
	require.Equal(b.t, http.StatusSeeOther, resp.StatusCode, resp.Body)
}

// JSON sends an API request with an optional bearer token.
func (b *Browser) JSON(method, path, body, token string) Response {
	b.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, b.srv.URL+path, r)
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return b.Do(req)
}
