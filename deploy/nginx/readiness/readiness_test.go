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

// TestRun flips one of three replicas' /readyz while another hangs past
// the (default) timeout: each state reaches Apply, the hanging one is down
// all along, and Apply is called only on a change. (On a loaded machine a
// slow answer may count as not ready for a round; that is a change too.)
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
	c := &readiness.Checker{
		Replicas: []string{addr(flips), addr(steady), addr(hangs)},
		Interval: 20 * time.Millisecond,
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
	waitFor := func(down map[string]bool) {
		t.Helper()
		require.Eventually(t, func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(applied) > 0 && maps.Equal(applied[len(applied)-1], down)
		}, 15*time.Second, 10*time.Millisecond)
	}
	waitFor(map[string]bool{addr(hangs): true})
	draining.Store(true)
	waitFor(map[string]bool{addr(hangs): true, addr(flips): true})
	draining.Store(false)
	waitFor(map[string]bool{addr(hangs): true})
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	mu.Lock()
	defer mu.Unlock()
	prev := map[string]bool{}
	for _, down := range applied {
		require.NotEqual(t, prev, down, "Apply without a change: %v", applied)
		prev = down
	}
}
