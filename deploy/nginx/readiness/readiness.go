// Package readiness gives open-source nginx the active health checks it
// lacks: it polls each replica's /readyz and, when one's answer changes,
// has nginx's upstream rewritten with the replicas that are not ready
// marked down and nginx reloaded. A replica that got SIGTERM answers 503
// at once while it keeps serving for --drain-timeout, so nginx stops
// sending it requests before its listener closes. On Kubernetes the
// readinessProbe on /readyz does this job, on Swarm the healthcheck.
package readiness

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Checker polls the replicas' /readyz.
type Checker struct {
	// Replicas are the upstream's host:port addresses.
	Replicas []string
	// Interval between rounds (default 1 s) and Timeout of each probe
	// (default 500 ms): a replica that does not answer in time is not ready.
	Interval, Timeout time.Duration
	// Apply rewrites the upstream with the replicas in down marked down and
	// reloads nginx (nginx.Process.SetDown).
	Apply func(down map[string]bool) error
}

// Down is the upstream's down set for the replicas that answered ready:
// those that did not, unless none did. Then none is marked down, so that
// nginx's passive checks and retries still have somewhere to go, and a
// replica that comes back is used at once.
func Down(replicas []string, ready map[string]bool) map[string]bool {
	down := map[string]bool{}
	for _, r := range replicas {
		if !ready[r] {
			down[r] = true
		}
	}
	if len(down) == len(replicas) {
		return map[string]bool{}
	}
	return down
}

// Run probes every Interval until ctx ends, applying each change of the
// down set (starting from none down, as nginx starts). It returns ctx's
// end, or the first error of Apply: nginx then no longer follows.
func (c *Checker) Run(ctx context.Context) error {
	interval, timeout := c.Interval, c.Timeout
	if interval <= 0 {
		interval = time.Second
	}
	if timeout <= 0 {
		timeout = 500 * time.Millisecond
	}
	client := &http.Client{Timeout: timeout}
	applied := map[string]bool{}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		down := Down(c.Replicas, c.probe(ctx, client))
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !maps.Equal(down, applied) {
			if err := c.Apply(down); err != nil {
				return fmt.Errorf("mark %v down: %w", slices.Sorted(maps.Keys(down)), err)
			}
			applied = down
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// probe asks every replica at once, so one that hangs delays a round by
// Timeout at most.
func (c *Checker) probe(ctx context.Context, client *http.Client) map[string]bool {
	var mu sync.Mutex
	var wg sync.WaitGroup
	ready := map[string]bool{}
	for _, r := range c.Replicas {
		wg.Go(func() {
			ok := isReady(ctx, client, r)
			mu.Lock()
			ready[r] = ok
			mu.Unlock()
		})
	}
	wg.Wait()
	return ready
}

func isReady(ctx context.Context, client *http.Client, addr string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/readyz", nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
