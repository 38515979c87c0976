package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/metrics"
	"github.com/bookstore/bookstore/platform/web"
)

// BenchmarkRouter_JSON is what the router adds to one JSON API call, as the
// checkout's PUT /api/v1/cart/items/{id} makes it (a small body decoded, a
// small answer encoded), with the shop's log level of a loaded process:
// read its allocs/op before and after a change to the middleware.
func BenchmarkRouter_JSON(b *testing.B) {
	h := web.NewRouter(web.RouterParams{
		Config:  config.Config{ShutdownTimeout: 1},
		Log:     slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError})),
		Metrics: metrics.New(nil),
		Routes: []web.Routes{func(r chi.Router) {
			r.Put("/api/v1/cart/items/{book_id}", func(w http.ResponseWriter, r *http.Request) {
				var body struct {
					Quantity *int `json:"quantity"`
				}
				if err := web.DecodeJSON(w, r, &body); err != nil {
					web.Error(w, r, err)
					return
				}
				web.JSON(w, http.StatusOK, map[string]int{"count": *body.Quantity})
			})
		}},
	})
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPut, "/api/v1/cart/items/7", strings.NewReader(`{"quantity":1}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer x")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}
