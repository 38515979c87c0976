package systemtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/tracing"
)

// httpCheckout is the checkout a JSON client makes (ordersbench's
// httpCheckout: put one copy in the cart, then place the order with the
// lines the cart answered, paying by card, with an Idempotency-Key and a
// bearer token) to the monolith's handler, at the log level the bench runs
// the shop with, tracing off: in the process (a recorder for the answer)
// or, loopback, through a server and a kept-alive client as the bench
// sends it. River's worker is stopped once the app is up, so what a run
// allocates is the two requests' alone, not the saga's jobs running beside
// them. It returns one checkout.
func httpCheckout(tb testing.TB, loopback bool) func() {
	tb.Helper()
	a := newAppLogging(tb, &tracing.Tracing{}, slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError})))
	ctx := context.Background()
	stop, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	require.NoError(tb, a.jobs.Stop(stop))
	book := catalogtest.CreateBook(ctx, tb, a.pool, &catalogtest.BookOpts{Copies: 1_000_000})
	b := a.newUser(tb, false)
	item := "/api/v1/cart/items/" + strconv.FormatInt(int64(book.ID), 10)
	bearer := "Bearer " + b.token
	client := &http.Client{Transport: &http.Transport{}}
	tb.Cleanup(client.CloseIdleConnections)
	serve := func(method, path string, body []byte, want int, hdr ...string) []byte {
		var req *http.Request
		if loopback {
			var err error
			if req, err = http.NewRequest(method, a.server.URL+path, bytes.NewReader(body)); err != nil {
				tb.Fatal(err)
			}
		} else {
			req = httptest.NewRequest(method, path, bytes.NewReader(body))
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", bearer)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		if loopback {
			res, err := client.Do(req)
			if err != nil {
				tb.Fatal(err)
			}
			defer res.Body.Close()
			answer, err := io.ReadAll(res.Body)
			if err != nil || res.StatusCode != want {
				tb.Fatalf("%s %s: %d %s %v", method, path, res.StatusCode, answer, err)
			}
			return answer
		}
		rec := httptest.NewRecorder()
		a.handler.ServeHTTP(rec, req)
		if rec.Code != want {
			tb.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
		return rec.Body.Bytes()
	}
	put := []byte(`{"quantity":1}`)
	var cart struct {
		Lines []service.SeenLine `json:"lines"`
	}
	require.NoError(tb, json.Unmarshal(serve(http.MethodPut, item, put, http.StatusOK), &cart))
	require.Len(tb, cart.Lines, 1)
	// The cart answers the same line every time (one copy, the same
	// price), so the order's body is encoded once, as the client's share.
	place, err := json.Marshal(checkoutBody("4242424242424242", cart.Lines...))
	require.NoError(tb, err)
	n := 0
	return func() {
		n++
		serve(http.MethodPut, item, put, http.StatusOK)
		serve(http.MethodPost, "/api/v1/orders", place, http.StatusCreated, "Idempotency-Key", "cost-"+strconv.Itoa(n))
	}
}

// BenchmarkHTTPCheckout measures one checkout through the JSON API, both
// requests: in the process, the handler stack's share; loopback, with the
// HTTP server and client around it. Read its allocs/op and B/op, and its
// CPU profile (-cpuprofile) for where the stack spends beside Postgres
// (ns/op only as context on a shared machine).
func BenchmarkHTTPCheckout(b *testing.B) {
	for _, loopback := range []bool{false, true} {
		name := "handler"
		if loopback {
			name = "loopback"
		}
		b.Run(name, func(b *testing.B) {
			checkout := httpCheckout(b, loopback)
			checkout()
			b.ReportAllocs()
			for b.Loop() {
				checkout()
			}
		})
	}
}

// TestHTTPCheckout_Allocations keeps what one checkout through the JSON API
// allocates in the process, both requests, the service's work included,
// under a ceiling a little above what it takes now (646: 610 before the
// accounts module read the sessions of requests arriving together in one
// statement, about 18 allocations per request against a statement saved
// for each request that joins a batch; 561 before the catalog held
// reservations in batches, whose pipeline pgx builds even for a batch of
// one, about 45 allocations against a commit saved per batch; 607 before
// the session read, the request's context, the metrics' status label and
// the API's header model were trimmed), so a middleware, a
// decoding or a query's scan that starts allocating per request fails
// here rather than in the bench's orders per second.
func TestHTTPCheckout_Allocations(t *testing.T) {
	if race {
		t.Skip("the race detector's pools drop items at random")
	}
	checkout := httpCheckout(t, false)
	checkout()
	allocs := testing.AllocsPerRun(200, checkout)
	t.Logf("%.1f allocations per checkout", allocs)
	require.LessOrEqual(t, allocs, 665.0)
}
