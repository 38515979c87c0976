package readiness_test

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/deploy/nginx/readiness"
)

func TestDown(t *testing.T) {
	replicas := []string{"a:1", "b:2", "c:3"}
	for _, tc := range []struct {
		name  string
		ready map[string]bool
		down  map[string]bool
	}{
		{"all ready", map[string]bool{"a:1": true, "b:2": true, "c:3": true}, map[string]bool{}},
		{"one draining", map[string]bool{"a:1": true, "b:2": false, "c:3": true}, map[string]bool{"b:2": true}},
		{"one not answering", map[string]bool{"a:1": true, "c:3": true}, map[string]bool{"b:2": true}},
		{"one ready", map[string]bool{"c:3": true}, map[string]bool{"a:1": true, "b:2": true}},
		{"none ready keeps all", map[string]bool{"a:1": false}, map[string]bool{}},
		{"nothing answered keeps all", nil, map[string]bool{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.down, readiness.Down(replicas, tc.ready))
		})
	}
}

// TestRun flips one of two replicas' /readyz and a third hangs past the
// timeout: each change reaches Apply once, the hanging one is down all along.
func TestRun(t *testing.T) {
	var draining atomic.Bool
	flips := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if draining.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer flips.Close()
	steady := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer steady.Close()
	hangs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer hangs.Close()
	addr := func(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }

	var mu sync.Mutex
	var applied []map[string]bool
	last := func() (int, map[string]bool) {
		mu.Lock()
		defer mu.Unlock()
		if len(applied) == 0 {
			return 0, nil
		}
		return len(applied), applied[len(applied)-1]
	}
	c := &readiness.Checker{
		Replicas: []string{addr(flips), addr(steady), addr(hangs)},
		Interval: 20 * time.Millisecond, Timeout: 100 * time.Millisecond,
		Apply: func(down map[string]bool) error {
			mu.Lock()
			defer mu.Unlock()
			applied = append(applied, down)
			return nil
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	waitFor := func(n int, down map[string]bool) {
		t.Helper()
		require.Eventually(t, func() bool {
			got, d := last()
			return got == n && maps.Equal(d, down)
		}, 5*time.Second, 10*time.Millisecond)
	}
	waitFor(1, map[string]bool{addr(hangs): true})
	draining.Store(true)
	waitFor(2, map[string]bool{addr(hangs): true, addr(flips): true})
	draining.Store(false)
	waitFor(3, map[string]bool{addr(hangs): true})
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	n, _ := last()
	require.Equal(t, 3, n, "no change, no reload")
}
