package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/metrics"
)

// TestMiddleware_CountsByStatus checks that a request is counted under its
// method, route pattern and status, a common status or an odd one.
func TestMiddleware_CountsByStatus(t *testing.T) {
	t.Parallel()
	m := metrics.New(nil)
	r := chi.NewRouter()
	r.Use(m.Middleware)
	r.Post("/things/{id}", func(w http.ResponseWriter, r *http.Request) {
		status, err := strconv.Atoi(r.URL.Query().Get("status"))
		require.NoError(t, err)
		w.WriteHeader(status)
	})
	for _, status := range []string{"201", "201", "404", "799"} {
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/things/7?status="+status, nil))
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	require.Contains(t, body, `bookstore_http_requests_total{method="POST",route="/things/{id}",status="201"} 2`)
	require.Contains(t, body, `bookstore_http_requests_total{method="POST",route="/things/{id}",status="404"} 1`)
	require.Contains(t, body, `bookstore_http_requests_total{method="POST",route="/things/{id}",status="799"} 1`)
}

// TestMiddleware_OddMethodsShareOneSeries checks that methods outside the
// standard set, which a client may make up freely, add no series of their
// own.
func TestMiddleware_OddMethodsShareOneSeries(t *testing.T) {
	t.Parallel()
	m := metrics.New(nil)
	r := chi.NewRouter()
	r.Use(m.Middleware)
	r.Get("/things", func(http.ResponseWriter, *http.Request) {})
	for _, method := range []string{"XA", "XAA", "PROPFIND", "get"} {
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, "/", nil))
	}
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	require.Contains(t, body, `bookstore_http_requests_total{method="OTHER",route="unmatched",status="405"} 4`)
	require.Contains(t, body, `bookstore_http_requests_total{method="GET",route="unmatched",status="404"} 1`)
	require.NotContains(t, body, `method="XA`)
	require.NotContains(t, body, `method="get"`)
}
