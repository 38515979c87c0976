package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/metrics"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

// newServerWith is the real router with a drain and cfg, and a few routes
// that set cookies, serve files or fail as a lost database would.
func newServerWith(t *testing.T, cfg config.Config, drain *web.Drain) *httptest.Server {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), "postgres://localhost/unused")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	h := web.NewRouter(web.RouterParams{
		Config:  cfg,
		Log:     slog.New(slog.DiscardHandler),
		Metrics: metrics.New(pool),
		Drain:   drain,
		Routes: []web.Routes{func(r chi.Router) {
			r.Get("/cookie", func(w http.ResponseWriter, _ *http.Request) {
				http.SetCookie(w, &http.Cookie{Name: "cart_visitor", Value: "v", Path: "/", HttpOnly: true})
				view.SetFlash(w, "success", "Saved.")
				w.WriteHeader(http.StatusNoContent)
			})
			r.Route("/things", func(r chi.Router) {
				r.Get("/{id}", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "a thing\n") })
				r.Post("/{id}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
			})
			r.Post("/only-post", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
			r.Get("/api/v1/db-down", func(w http.ResponseWriter, r *http.Request) {
				web.Error(w, r, fmt.Errorf("list books: %w", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}))
			})
			r.Get("/api/v1/db-refused", func(w http.ResponseWriter, r *http.Request) {
				web.Error(w, r, fmt.Errorf("acquire: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}))
			})
		}},
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func send(t *testing.T, method, url string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return do(t, req)
}

func TestRouter_HeadWhereverGet(t *testing.T) {
	t.Parallel()
	srv := newServerWith(t, config.Config{}, nil)
	for _, path := range []string{"/healthz", "/readyz", "/things/7", "/static/app.css", "/no/such/page"} {
		get, _ := send(t, http.MethodGet, srv.URL+path)
		head, body := send(t, http.MethodHead, srv.URL+path)
		require.Equal(t, get.StatusCode, head.StatusCode, path)
		require.Empty(t, body, path)
		require.Equal(t, get.Header.Get("Content-Type"), head.Header.Get("Content-Type"), path)
	}
}

func TestRouter_WrongMethodIs405WithAllow(t *testing.T) {
	t.Parallel()
	srv := newServerWith(t, config.Config{}, nil)
	cases := map[string]struct{ method, path, allow string }{
		"Options":       {http.MethodOptions, "/healthz", "GET, HEAD"},
		"DeleteOnGet":   {http.MethodDelete, "/things/7", "GET, HEAD, POST"},
		"HeadOnPost":    {http.MethodHead, "/only-post", "POST"},
		"GetOnPostOnly": {http.MethodGet, "/only-post", "POST"},
		"PutOnStatic":   {http.MethodPut, "/static/app.css", "GET, HEAD"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			resp, _ := send(t, tc.method, srv.URL+tc.path)
			require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
			require.Equal(t, tc.allow, resp.Header.Get("Allow"))
		})
	}
	resp, _ := send(t, http.MethodOptions, srv.URL+"/no/such/page")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestRouter_CookiesSecureBehindTLSProxy(t *testing.T) {
	t.Parallel()
	cookies := func(resp *http.Response) map[string]bool {
		out := map[string]bool{}
		for _, c := range resp.Cookies() {
			out[c.Name] = c.Secure
		}
		return out
	}
	proxied := newServerWith(t, config.Config{TrustProxy: true}, nil)
	resp, _ := send(t, http.MethodGet, proxied.URL+"/cookie", "X-Forwarded-Proto", "https")
	require.Equal(t, map[string]bool{"cart_visitor": true, "flash": true}, cookies(resp))
	require.Contains(t, resp.Header.Get("Strict-Transport-Security"), "max-age=")
	resp, _ = send(t, http.MethodGet, proxied.URL+"/cookie", "X-Forwarded-Proto", "http")
	require.Equal(t, map[string]bool{"cart_visitor": false, "flash": false}, cookies(resp))

	direct := newServerWith(t, config.Config{}, nil)
	resp, _ = send(t, http.MethodGet, direct.URL+"/cookie", "X-Forwarded-Proto", "https")
	require.Equal(t, map[string]bool{"cart_visitor": false, "flash": false}, cookies(resp), "untrusted header")
}

func TestRouter_DrainFailsReadinessButServes(t *testing.T) {
	t.Parallel()
	drain := &web.Drain{}
	srv := newServerWith(t, config.Config{}, drain)
	resp, _ := send(t, http.MethodGet, srv.URL+"/readyz")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.False(t, resp.Close)

	drain.Start()
	resp, body := send(t, http.MethodGet, srv.URL+"/readyz")
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.JSONEq(t, `{"ready":false,"draining":true}`, body)
	resp, body = send(t, http.MethodGet, srv.URL+"/things/7")
	require.Equal(t, http.StatusOK, resp.StatusCode, "requests still arriving are served")
	require.Equal(t, "a thing\n", body)
	require.True(t, resp.Close, "and the balancer is asked to close the connection")
	resp, _ = send(t, http.MethodGet, srv.URL+"/healthz")
	require.Equal(t, http.StatusOK, resp.StatusCode, "alive all the same")
}

func TestRouter_LostDatabaseIs503(t *testing.T) {
	t.Parallel()
	srv := newServerWith(t, config.Config{}, nil)
	for _, path := range []string{"/api/v1/db-down", "/api/v1/db-refused"} {
		resp, body := send(t, http.MethodGet, srv.URL+path)
		require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, path)
		require.Equal(t, "5", resp.Header.Get("Retry-After"))
		require.Contains(t, body, `"code":"unavailable"`)
	}
}

func TestRouter_NoPublicMetrics(t *testing.T) {
	t.Parallel()
	srv := newServerWith(t, config.Config{}, nil)
	resp, body := send(t, http.MethodGet, srv.URL+"/metrics")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.False(t, strings.Contains(body, "go_goroutines"))
}
