package gateway_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/gateway"
	"github.com/bookstore/bookstore/platform/metrics"
	"github.com/bookstore/bookstore/platform/web"
)

// forwardedCall is one API call of the checkout (PUT
// /api/v1/cart/items/{id}) through a gateway, as a split shop serves it:
// the gateway's router (every platform middleware, at the log level the
// bench runs the shop with, tracing off) forwarding over a kept-alive loopback connection to
// a bare handler in the module's stead, with the client on its own kept
// connection. It returns the call.
func forwardedCall(tb testing.TB) func() {
	tb.Helper()
	module := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		web.JSON(w, http.StatusOK, map[string]int{"count": 1})
	}))
	tb.Cleanup(module.Close)
	routes, err := gateway.Routes([]gateway.Owner{{Module: "orders", URL: module.URL, Routes: []web.Routes{func(r chi.Router) {
		r.Put("/api/v1/cart/items/{book_id}", noop)
	}}}}, "orders", nil)
	require.NoError(tb, err)
	h := web.NewRouter(web.RouterParams{
		Config:  config.Config{ShutdownTimeout: 1, InternalToken: token, Gateway: true},
		Log:     slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError})),
		Metrics: metrics.New(nil),
		Drain:   &web.Drain{},
		Routes:  []web.Routes{routes},
	})
	gw := httptest.NewServer(h)
	tb.Cleanup(gw.Close)
	client := &http.Client{Transport: &http.Transport{}}
	tb.Cleanup(client.CloseIdleConnections)
	return func() {
		req, err := http.NewRequest(http.MethodPut, gw.URL+"/api/v1/cart/items/7", strings.NewReader(`{"quantity":1}`))
		if err != nil {
			tb.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer bst_0123456789abcdef0123456789abcdef")
		resp, err := client.Do(req)
		if err != nil {
			tb.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			tb.Fatal(resp.Status)
		}
	}
}

// BenchmarkForward measures one forwarded API call, client, gateway and a
// bare module together; read its allocs/op and B/op (ns/op only as context
// on a shared machine).
func BenchmarkForward(b *testing.B) {
	call := forwardedCall(b)
	call()
	b.ReportAllocs()
	for b.Loop() {
		call()
	}
}
