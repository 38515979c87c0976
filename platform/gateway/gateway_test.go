package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/gateway"
	"github.com/bookstore/bookstore/platform/metrics"
	"github.com/bookstore/bookstore/platform/tracing"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

const token = "0123456789abcdef0123456789abcdef"

// seen is what a module's process got from the gateway.
type seen struct {
	Module, Method, Path, Host, For, Proto, RequestID, Token, Traceparent string
}

// module is a stand-in for one module's process: it declares routes like a
// module and answers every request with what it saw.
type module struct {
	name   config.Module
	routes web.Routes
	srv    *httptest.Server
	hits   atomic.Int32
}

func newModule(t *testing.T, name config.Module, routes web.Routes) *module {
	t.Helper()
	m := &module{name: name, routes: routes}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.hits.Add(1)
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		web.JSON(w, http.StatusOK, seen{
			Module: string(name), Method: r.Method, Path: r.URL.RequestURI(), Host: r.Host,
			For: r.Header.Get("X-Forwarded-For"), Proto: r.Header.Get("X-Forwarded-Proto"),
			RequestID: r.Header.Get("X-Request-Id"), Token: r.Header.Get(web.InternalTokenHeader),
			Traceparent: r.Header.Get("Traceparent"),
		})
	}))
	t.Cleanup(m.srv.Close)
	return m
}

func (m *module) owner() gateway.Owner {
	return gateway.Owner{Module: m.name, URL: m.srv.URL, Routes: []web.Routes{m.routes}}
}

func noop(http.ResponseWriter, *http.Request) {}

// shop is a gateway in front of a catalog and an accounts stand-in.
type shop struct {
	url           string
	catalog, auth *module
}

func newShop(t *testing.T, header ...web.Middleware) *shop {
	t.Helper()
	return newTracedShop(t, nil, header...)
}

// newTracedShop is a shop whose gateway traces into tr.
func newTracedShop(t *testing.T, tr *tracing.Tracing, header ...web.Middleware) *shop {
	t.Helper()
	s := &shop{
		catalog: newModule(t, "catalog", func(r chi.Router) {
			r.Get("/", noop)
			r.Get("/books/{id}", noop)
			r.Post("/my/listings/{id}/photos", noop)
			r.Get("/api/v1/me/books", noop)
		}),
		auth: newModule(t, "auth", func(r chi.Router) {
			r.Get("/signin", noop)
			r.Post("/signin", noop)
			r.Get("/api/v1/me", noop)
			r.Post("/internal/v1/auth/authenticate", noop)
		}),
	}
	routes, err := gateway.Routes([]gateway.Owner{s.catalog.owner(), s.auth.owner()}, "catalog", tr, header...)
	require.NoError(t, err)
	pool, err := pgxpool.New(context.Background(), "postgres://localhost/unused")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	h := web.NewRouter(web.RouterParams{
		Config:  config.Config{ShutdownTimeout: 1, InternalToken: token, Gateway: true},
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Metrics: metrics.New(pool),
		Tracing: tr,
		Routes:  []web.Routes{routes},
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

func (s *shop) do(t *testing.T, method, path string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func (s *shop) forwarded(t *testing.T, method, path string, hdr ...string) seen {
	t.Helper()
	resp, body := s.do(t, method, path, hdr...)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var got seen
	require.NoError(t, json.Unmarshal([]byte(body), &got), body)
	return got
}

func TestGateway_RoutesByTheModulesDeclarations(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	for path, want := range map[string]string{
		"/":                "catalog",
		"/books/12?q=dune": "catalog",
		"/api/v1/me/books": "catalog",
		"/signin?next=%2F": "auth",
		"/api/v1/me":       "auth",
		"/no/such/page":    "catalog", // its 404 page has the shop's header
	} {
		got := s.forwarded(t, http.MethodGet, path)
		require.Equal(t, want, got.Module, path)
		require.Equal(t, path, got.Path)
	}
	got := s.forwarded(t, http.MethodDelete, "/signin")
	require.Equal(t, "auth", got.Module, "any method goes to the owner, which answers 405 itself")
	require.Equal(t, http.MethodDelete, got.Method)
}

func TestGateway_ForwardsWhoAsked(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	got := s.forwarded(t, http.MethodGet, "/books/1",
		"X-Forwarded-For", "6.6.6.6", "X-Forwarded-Proto", "https", "X-Request-Id", "req-42", web.InternalTokenHeader, token)
	require.Equal(t, "127.0.0.1", got.For, "the client's own claim is not passed on")
	require.Equal(t, "http", got.Proto)
	require.Equal(t, "req-42", got.RequestID)
	require.Equal(t, strings.TrimPrefix(s.url, "http://"), got.Host, "the module sees the shop's host, for its same-origin checks")
	require.Empty(t, got.Token, "the internal token never reaches a module through the gateway")
	got = s.forwarded(t, http.MethodGet, "/books/1")
	require.NotEmpty(t, got.RequestID, "a request that came without an id carries the gateway's")

	resp, _ := s.do(t, http.MethodGet, "/books/1")
	require.Len(t, resp.Header.Values("Content-Security-Policy"), 1, "one set of security headers")
}

// TestGateway_ForwardIsASpan: the gateway's hop to a module is a client
// span under the request's server span, and the module is sent that span's
// context, so the module's work continues the trace beneath the hop.
func TestGateway_ForwardIsASpan(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	s := newTracedShop(t, tracing.New(sdktrace.WithSyncer(exp)))
	got := s.forwarded(t, http.MethodGet, "/books/1")
	// The server span may end just after the client has read the answer.
	require.Eventually(t, func() bool { return len(exp.GetSpans()) >= 2 }, 5*time.Second, 10*time.Millisecond, "spans: %v", exp.GetSpans())
	var server, client tracetest.SpanStub
	for _, sp := range exp.GetSpans() {
		switch sp.SpanKind {
		case trace.SpanKindServer:
			server = sp
		case trace.SpanKindClient:
			client = sp
		}
	}
	require.True(t, client.SpanContext.IsValid(), "the forward is a client span: %v", exp.GetSpans())
	require.Equal(t, server.SpanContext.SpanID(), client.Parent.SpanID(), "under the request's span")
	require.Equal(t, fmt.Sprintf("00-%s-%s-01", client.SpanContext.TraceID(), client.SpanContext.SpanID()), got.Traceparent,
		"the module continues the trace from the gateway's hop")
}

func TestGateway_NeverForwardsInternalEndpoints(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	for _, tok := range []string{"", token} {
		resp, body := s.do(t, http.MethodPost, "/internal/v1/auth/authenticate", web.InternalTokenHeader, tok)
		require.Contains(t, []int{http.StatusUnauthorized, http.StatusNotFound}, resp.StatusCode, body)
	}
	resp, _ := s.do(t, http.MethodGet, "/internal/v1/catalog/books", web.InternalTokenHeader, token)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Zero(t, s.auth.hits.Load()+s.catalog.hits.Load())
}

func TestGateway_ModuleDown(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.auth.srv.Close()

	start := time.Now()
	resp, body := s.do(t, http.MethodGet, "/signin", "Accept", "text/html")
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.Contains(t, body, "<title>")
	require.Contains(t, body, "unavailable right now")
	require.Equal(t, "frame-ancestors 'none'", cspDirective(resp.Header.Get("Content-Security-Policy"), "frame-ancestors"), "the error page keeps the headers")
	resp, body = s.do(t, http.MethodGet, "/api/v1/me")
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.Contains(t, body, `"code":"unavailable"`)
	require.Less(t, time.Since(start), 2*time.Second, "a process that is down is answered for at once")

	require.Equal(t, "catalog", s.forwarded(t, http.MethodGet, "/books/3").Module, "the other modules' pages keep working")
}

func cspDirective(csp, name string) string {
	for d := range strings.SplitSeq(csp, ";") {
		if d = strings.TrimSpace(d); strings.HasPrefix(d, name) {
			return d
		}
	}
	return ""
}

func TestNewTable_RefusesAPathTwoModulesServe(t *testing.T) {
	t.Parallel()
	_, err := gateway.NewTable([]gateway.Owner{
		{Module: "auth", Routes: []web.Routes{func(r chi.Router) { r.Get("/account", noop) }}},
		{Module: "orders", Routes: []web.Routes{func(r chi.Router) { r.Post("/account", noop) }}},
	})
	require.ErrorContains(t, err, "auth and orders both serve /account")
}

func TestGateway_ErrorPageHasTheShopsHeader(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	signedIn := web.Middleware{Order: 10, Func: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			nav := view.NavFrom(r.Context())
			nav.SignedIn, nav.UserName = true, "Ann Reader"
			next.ServeHTTP(w, r)
		})
	}}
	counted := web.Middleware{Order: 20, Func: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			require.True(t, view.NavFrom(r.Context()).SignedIn, "the header's parts run in their order")
			view.NavFrom(r.Context()).CartCount = 3
			next.ServeHTTP(w, r)
		})
	}}
	s := newShop(t, counted, signedIn)
	s.forwarded(t, http.MethodGet, "/books/1")
	require.Zero(t, calls.Load(), "forwarded requests are the module's to sign in")

	s.catalog.srv.Close()
	resp, body := s.do(t, http.MethodGet, "/books/1", "Accept", "text/html")
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.Contains(t, body, "Ann Reader")
	require.Contains(t, body, `data-cart-count>3<`)
	resp, body = s.do(t, http.MethodPost, "/my/listings/1/photos", "Accept", "text/html")
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.NotContains(t, body, "Ann Reader", "a POST's body is gone; its error page is not signed in again")
}

// TestGateway_ForwardAllocatesNoCopyBuffer: forwarding an answer borrows
// the buffer it is copied through, rather than allocating 32 KB each time
// (two a checkout). Not parallel: it reads the process's allocations.
func TestGateway_ForwardAllocatesNoCopyBuffer(t *testing.T) {
	s := newShop(t)
	s.forwarded(t, http.MethodGet, "/books/7")
	const n = 50
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range n {
		s.forwarded(t, http.MethodGet, "/books/7")
	}
	runtime.ReadMemStats(&after)
	perForward := (after.TotalAlloc - before.TotalAlloc) / n
	t.Logf("%d bytes allocated per forward (client, gateway and module)", perForward)
	require.Less(t, perForward, uint64(32<<10))
}

// TestGateway_HungModuleGetsTheErrorPage: a module that answers nothing
// until the request's deadline gets the shop's error page, rendered on a
// budget of its own, rather than plain text written after the page failed
// for want of time.
func TestGateway_HungModuleGetsTheErrorPage(t *testing.T) {
	t.Parallel()
	hung := webtest.Hung(t)
	routes, err := gateway.Routes([]gateway.Owner{{Module: "catalog", URL: hung.URL,
		Routes: []web.Routes{func(r chi.Router) { r.Get("/books/{id}", noop) }}}}, "catalog", nil)
	require.NoError(t, err)
	router := chi.NewRouter()
	routes(router)

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/books/1", nil)
	req.Header.Set("Accept", "text/html")
	rec := httptest.NewRecorder()
	router.ServeHTTP(rec, req)
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.Contains(t, rec.Header().Get("Content-Type"), "text/html")
	require.Contains(t, rec.Body.String(), "<title>")
	require.Contains(t, rec.Body.String(), "unavailable right now")
}
