package nginx_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/platform/proctest"
)

// TestCluster runs Postgres, three replicas and nginx (the shipped config)
// on loopback under a bounded stream of page views and checkouts, and in
// turn SIGKILLs a replica, rolls a restart through all three, and crashes
// and restarts Postgres. Then it checks what an operator is promised: few
// failures when a replica dies (only requests in flight on it), none during
// a rolling restart, a prompt 503 and no hang while the database is down,
// every replica back by itself, every accepted order settled, stock
// conserved, nobody charged twice, and sign-in limits counted across
// replicas. It logs what it measured.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three replicas, nginx and Postgres for about a minute")
	}
	t.Parallel()
	began := time.Now()
	ctx := context.Background()
	s := newShop(t, 3, true)
	l := newLoad(s)
	l.run(6, 4*time.Minute)
	defer l.end()
	<-time.After(2 * time.Second)

	// One replica dies mid-stream and comes back.
	l.begin()
	s.replicas[0].Kill(t)
	<-time.After(3 * time.Second)
	s.replicas[0] = proctest.ServeAt(t, s.addrs[0], s.env)
	<-time.After(2 * time.Second)
	kill := l.begin()

	// A rolling restart: each replica in turn leaves nginx, drains, stops
	// and comes back.
	rollStart := time.Now()
	for i := range s.replicas {
		s.restart(t, i)
	}
	<-time.After(time.Second)
	roll := l.begin()
	rollTook := time.Since(rollStart)

	// Postgres crashes (immediate stop) and starts again 3 s later.
	require.NoError(t, s.pg.Crash(ctx))
	<-time.After(3 * time.Second)
	require.NoError(t, s.pg.Resume(ctx))
	recovered := s.waitReady(t)
	<-time.After(2 * time.Second)
	outage := l.end()

	t.Logf("SIGKILL of one replica: %s", kill)
	t.Logf("rolling restart of three replicas (%.1f s): %s", rollTook.Seconds(), roll)
	t.Logf("Postgres crash and restart: %s; every replica ready %.1f s after Postgres was back", outage, recovered.Seconds())
	require.Less(t, float64(kill.failed.Load()), 0.001*float64(kill.total.Load()), "SIGKILL: %s", kill)
	require.Zero(t, roll.failed.Load(), "rolling restart: %s", roll)
	require.Zero(t, roll.unavailable.Load(), "rolling restart: %s", roll)
	require.Zero(t, outage.failed.Load(), "database outage: every request answered, a 503 at worst: %s", outage)
	require.Positive(t, outage.unavailable.Load(), "the outage was seen")
	require.Less(t, time.Duration(outage.slowest.Load()), 10*time.Second, "no request hung")

	// Every accepted order settles: paid orders are delivered.
	l.mu.Lock()
	placed := l.placed
	l.mu.Unlock()
	require.NotEmpty(t, placed)
	settleStart := time.Now()
	for {
		var open int
		require.NoError(t, s.pool.QueryRow(ctx, `SELECT count(*) FROM orders.orders WHERE id = ANY($1) AND status NOT IN ('delivered','payment_failed','cancelled')`, placed).Scan(&open))
		if open == 0 {
			break
		}
		if time.Since(settleStart) > 90*time.Second {
			rows, err := s.pool.Query(ctx, `SELECT o.id || ' ' || o.status || ' ' || o.updated_at::time::text || ' jobs: ' || COALESCE((SELECT string_agg(j.kind || '=' || j.state || '@' || j.attempt, ',') FROM river.river_job j WHERE (j.args->>'order_id')::bigint = o.id), '')
				FROM orders.orders o WHERE o.id = ANY($1) AND o.status NOT IN ('delivered','payment_failed','cancelled')`, placed)
			require.NoError(t, err)
			var stuck []string
			for rows.Next() {
				var line string
				require.NoError(t, rows.Scan(&line))
				stuck = append(stuck, line)
			}
			t.Fatalf("%d accepted orders not settled within 90 s: %v", open, stuck)
		}
		<-time.After(200 * time.Millisecond)
	}
	var known, paid, charges, badCharges int
	require.NoError(t, s.pool.QueryRow(ctx, `SELECT count(*) FROM orders.orders WHERE id = ANY($1)`, placed).Scan(&known))
	require.Equal(t, len(placed), known, "no accepted order is lost")
	require.NoError(t, s.pool.QueryRow(ctx, `SELECT count(*) FROM orders.orders WHERE status = 'delivered'`).Scan(&paid))
	require.NoError(t, s.pool.QueryRow(ctx, `SELECT count(*) FROM orders.charges WHERE refunded_at IS NULL`).Scan(&charges))
	require.Equal(t, paid, charges, "every delivered order charged exactly once")
	require.NoError(t, s.pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT order_id FROM orders.charges GROUP BY order_id HAVING count(*) > 1) d`).Scan(&badCharges))
	require.Zero(t, badCharges)
	var listed, available, held, sold int
	for deadline := time.Now().Add(time.Minute); ; {
		listed, available, held, sold = 0, 0, 0, 0
		for _, b := range s.books {
			c := catalogtest.StockOf(ctx, t, s.pool, catalog.BookID(b))
			listed, available, held, sold = listed+c.Listed, available+c.Available, held+c.Held, sold+c.Sold
		}
		if held == 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "%d copies still held", held)
		<-time.After(200 * time.Millisecond)
	}
	require.Equal(t, listed, available+sold, "stock conserved")
	var delivered int
	require.NoError(t, s.pool.QueryRow(ctx, `SELECT COALESCE(sum(l.quantity),0) FROM orders.order_lines l JOIN orders.orders o ON o.id = l.order_id WHERE o.status = 'delivered'`).Scan(&delivered))
	require.Equal(t, delivered, sold)
	t.Logf("%d orders placed and settled (%d delivered) %.1f s after the stream ended; %d page views", len(placed), paid, time.Since(settleStart).Seconds(), l.pages.Load())

	// Sign-in limits hold across replicas: ten wrong passwords for one
	// account from one address, spread by nginx over the three replicas,
	// and the eleventh attempt is refused, right password or not.
	u := authtest.CreateUser(ctx, t, s.pool, nil)
	signIn := func(pw string) *http.Response {
		resp, err := http.Post(s.base+"/api/v1/auth/signin", "application/json", strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, u.Email, pw)))
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	for range 10 {
		require.Equal(t, http.StatusUnauthorized, signIn("wrong password").StatusCode)
	}
	resp := signIn(authtest.DefaultPassword)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "the 11th attempt, on whichever replica")
	require.NotEmpty(t, resp.Header.Get("Retry-After"))

	// HTTPS ends at nginx: the replicas see it (Secure cookies, HSTS).
	other := authtest.CreateUser(ctx, t, s.pool, nil)
	resp, err := s.tls.Post(s.tlsBase+"/api/v1/auth/signin", "application/json", strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q,"cookie":true}`, other.Email, authtest.DefaultPassword)))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NotEmpty(t, resp.Cookies())
	for _, c := range resp.Cookies() {
		require.True(t, c.Secure, "cookie %s over HTTPS", c.Name)
	}
	require.NotEmpty(t, resp.Header.Get("Strict-Transport-Security"))
	head, err := http.Head(s.base + "/healthz")
	require.NoError(t, err)
	head.Body.Close()
	require.Equal(t, http.StatusOK, head.StatusCode, "load balancers probe with HEAD")
	t.Logf("whole test %.1f s", time.Since(began).Seconds())
}
