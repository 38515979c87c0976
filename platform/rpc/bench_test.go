package rpc_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/metrics"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/web"
)

// identity is the shape of the checkout's most frequent internal answer,
// auth's Identity for an API token (two per order).
type identity struct {
	User struct {
		ID            int64
		Email, Name   string
		Role          string
		Disabled      bool
		EmailVerified bool
		CreatedAt     time.Time
		EmailTopics   []string
	}
	CSRFToken string
}

// internalCall is one internal call of a split shop end to end in one
// process: the client of platform/rpc, over a loopback connection, to the
// router a module process serves with (every platform middleware, at the
// log level the bench runs the shop with, tracing off), from a caller that
// is itself serving a request (its context carries a deadline and a
// request id, which the call passes on), to a handler that decodes a
// credential and answers an identity as auth's authenticate does. The
// modules' own middleware passes internal paths straight on. It returns
// the call.
func internalCall(tb testing.TB) func() {
	tb.Helper()
	h := web.NewRouter(web.RouterParams{
		Config:  config.Config{ShutdownTimeout: 1, InternalToken: token},
		Log:     slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError})),
		Metrics: metrics.New(nil),
		Drain:   &web.Drain{},
		Routes: []web.Routes{func(r chi.Router) {
			r.Post("/internal/v1/auth/authenticate", func(w http.ResponseWriter, r *http.Request) {
				var in struct {
					Credential string `json:"credential"`
				}
				if err := web.DecodeJSON(w, r, &in); err != nil {
					web.Error(w, r, err)
					return
				}
				var id identity
				id.User.ID, id.User.Email, id.User.Name, id.User.Role = 42, "reader@example.com", "Reader", "user"
				id.User.EmailVerified, id.User.CreatedAt = true, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
				id.User.EmailTopics = []string{"orders", "sales"}
				web.JSON(w, http.StatusOK, id)
			})
		}},
	})
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	c := rpc.New("auth", srv.URL, token, nil)
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), middleware.RequestIDKey, "host/abc-000001"), time.Hour)
	tb.Cleanup(cancel)
	in := struct {
		Credential string `json:"credential"`
	}{"bst_0123456789abcdef0123456789abcdef"}
	return func() {
		var out identity
		if err := c.Call(ctx, http.MethodPost, "/internal/v1/auth/authenticate", in, &out); err != nil || out.User.ID != 42 {
			tb.Fatalf("call: %v, %+v", err, out)
		}
	}
}

// BenchmarkInternalCall measures one internal call, both ends; read its
// allocs/op and B/op (ns/op only as context on a shared machine).
func BenchmarkInternalCall(b *testing.B) {
	call := internalCall(b)
	call()
	b.ReportAllocs()
	for b.Loop() {
		call()
	}
}

// TestInternalCall_Allocations keeps what one internal call allocates,
// caller and called process together, under a ceiling a little above what
// it takes now (139; 171 before internal answers went without the
// browsers' headers, the client without http.Client and a context of the
// call's own, and the router gave a request its id, logger and deadline
// in one copy of it), so a middleware or an encoding that starts allocating
// per call fails here rather than in the split shop's orders per second.
func TestInternalCall_Allocations(t *testing.T) {
	if race {
		t.Skip("the race detector's pools drop items at random")
	}
	call := internalCall(t)
	call()
	allocs := testing.AllocsPerRun(200, call)
	t.Logf("%.1f allocations per internal call", allocs)
	require.LessOrEqual(t, allocs, 150.0)
}
