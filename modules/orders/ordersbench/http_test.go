package ordersbench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestUsage_ReadsCPUAndInternalCalls: the split section's CPU and internal
// calls per order are the differences of the processes' own series between
// start and stop, summed over the processes and over the rounds, public
// routes left out.
func TestUsage_ReadsCPUAndInternalCalls(t *testing.T) {
	t.Parallel()
	serve := func(cpu *float64, books, place *int) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintf(w, "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n")
			fmt.Fprintf(w, "process_cpu_seconds_total %g\n", *cpu)
			fmt.Fprintf(w, "# TYPE bookstore_http_requests_total counter\n")
			fmt.Fprintf(w, "bookstore_http_requests_total{method=\"POST\",route=\"/internal/v1/catalog/books\",status=\"200\"} %d\n", *books)
			fmt.Fprintf(w, "bookstore_http_requests_total{method=\"POST\",route=\"/api/v1/orders\",status=\"201\"} %d\n", *place)
		}))
		t.Cleanup(srv.Close)
		return strings.TrimPrefix(srv.URL, "http://")
	}
	cpuA, cpuB := 1.5, 10.0
	booksA, booksB, place := 7, 100, 50
	u := &usage{addrs: []string{serve(&cpuA, &booksA, &place), serve(&cpuB, &booksB, &place)}}
	ctx := context.Background()
	require.NoError(t, u.start(ctx))
	cpuA, cpuB = 2.0, 12.25
	booksA, booksB, place = 10, 130, 80
	require.NoError(t, u.stop(ctx))
	require.InDelta(t, 2.75, u.cpu, 1e-9)
	require.InDelta(t, 33, u.internal, 1e-9)
	cpuA, booksA = 5.0, 20 // between rounds: not counted
	require.NoError(t, u.start(ctx))
	cpuA, booksA = 5.5, 21
	require.NoError(t, u.stop(ctx))
	require.InDelta(t, 3.25, u.cpu, 1e-9, "a second round adds its own")
	require.InDelta(t, 34, u.internal, 1e-9)

	var none *usage
	require.NoError(t, none.start(ctx))
	require.NoError(t, none.stop(ctx))
}
