package systemtest_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/proctest"
)

// TestCrash_CheckoutsSurviveSIGKILL runs the real binary under a stream of
// checkouts (every test card, wallet and bank transfer), kills it with
// SIGKILL at random moments five times, starts it again each time, and
// then checks the saga's invariants: with the default job timeouts every
// order is past payment within 60 s of the last restart (a job the kill
// interrupted is rescued and run again in that time), every order ends in a
// terminal state, stock is conserved (listed = available + held + sold,
// nothing held at the end), and no order was charged more than once or
// charged without being paid. The order timeout is long, so the sweeper
// cannot hide a job that was never rescued.
func TestCrash_CheckoutsSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts the real binary for minutes")
	}
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewURL(t)
	pool, err := pgxpool.New(ctx, url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)

	const copies = 60
	seller := authtest.CreateUser(ctx, t, pool, nil)
	book := catalogtest.CreateBook(ctx, t, pool, &catalogtest.BookOpts{SellerID: seller.ID, Copies: copies, PriceCents: 999})
	var tokens []string
	for range 4 {
		u := authtest.CreateUser(ctx, t, pool, nil)
		tokens = append(tokens, authtest.SignIn(ctx, t, pool, u.Email, authtest.DefaultPassword).ID)
	}

	addr := proctest.FreeAddr(t)
	env := []string{"DATABASE_URL=" + url, "BOOKSTORE_DATA_DIR=" + proctest.ReachableDir(t), "BOOKSTORE_LOG_LEVEL=error",
		"BOOKSTORE_SHIPPING_STEP=200ms", "BOOKSTORE_BANK_TRANSFER_DELAY=500ms", "BOOKSTORE_ORDER_TIMEOUT=10m"}
	srv := proctest.ServeAt(t, addr, env)

	a := &app{server: nil}
	base := "http://" + addr
	var (
		stop    atomic.Bool
		wg      sync.WaitGroup
		placed  atomic.Int64
		refused atomic.Int64
	)
	payments := []map[string]any{
		{"method": "card", "card": map[string]any{"number": "4242424242424242", "exp_month": 12, "exp_year": 2099, "cvc": "123"}},
		{"method": "card", "card": map[string]any{"number": "4000000000000002", "exp_month": 12, "exp_year": 2099, "cvc": "123"}},
		{"method": "card", "card": map[string]any{"number": "4000000000009995", "exp_month": 12, "exp_year": 2099, "cvc": "123"}},
		{"method": "card", "card": map[string]any{"number": "4000000000000119", "exp_month": 12, "exp_year": 2099, "cvc": "123"}},
		{"method": "wallet"},
		{"method": "bank_transfer"},
	}
	for i, tok := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := buyer{token: tok}
			for n := 0; !stop.Load(); n++ {
				key := fmt.Sprintf("crash-%d-%d", i, n)
				body := checkoutBody("")
				body["payment"] = payments[(i+n)%len(payments)]
				// Retry the same key until the shop answers, as a client
				// whose connection broke would, even after the stream
				// stops, so no order is left half placed.
				for giveUp := time.Now().Add(time.Minute); time.Now().Before(giveUp); {
					st, err := a.try(b, base, http.MethodPut, fmt.Sprintf("/api/v1/cart/items/%d", book.ID), map[string]any{"quantity": 1})
					if err == nil && st == http.StatusConflict {
						refused.Add(1) // sold out until failed payments give copies back
						<-time.After(50 * time.Millisecond)
						break
					}
					if err == nil && st == http.StatusOK {
						st, err = a.try(b, base, http.MethodPost, "/api/v1/orders", body, "Idempotency-Key", key)
						if err == nil && st == http.StatusCreated {
							placed.Add(1)
							break
						}
						if err == nil && st < 500 {
							refused.Add(1)
							break
						}
					}
					<-time.After(100 * time.Millisecond)
				}
			}
		}()
	}

	for range 5 {
		<-time.After(time.Duration(500+rand.IntN(2500)) * time.Millisecond)
		srv.Kill(t)
		srv = proctest.ServeAt(t, addr, env)
	}
	restarted := time.Now()
	<-time.After(time.Second)
	stop.Store(true)
	wg.Wait()
	t.Logf("placed %d orders, %d refused (sold out)", placed.Load(), refused.Load())
	require.Positive(t, placed.Load())

	// Every order moves past payment within 60 s of the last restart: River
	// rescues a killed job once its timeout (10 s) has passed, in rounds 30 s
	// apart, and runs it again at once.
	for {
		var waiting int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM orders.orders WHERE status IN ('pending','awaiting_payment')`).Scan(&waiting))
		if waiting == 0 {
			break
		}
		if time.Since(restarted) > 60*time.Second {
			t.Fatalf("%d orders still wait for payment a minute after the last restart: %v", waiting, waitingOrders(ctx, t, pool))
		}
		<-time.After(200 * time.Millisecond)
	}
	t.Logf("every order was past payment %.1f s after the last restart", time.Since(restarted).Seconds())

	// Then shipping: four steps.
	deadline := time.After(time.Minute)
	for {
		var open int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM orders.orders WHERE status NOT IN ('delivered','payment_failed','cancelled')`).Scan(&open))
		if open == 0 {
			break
		}
		select {
		case <-deadline:
			rows, _ := pool.Query(ctx, `SELECT id, status, updated_at FROM orders.orders WHERE status NOT IN ('delivered','payment_failed','cancelled')`)
			var open []string
			for rows.Next() {
				var id int64
				var st string
				var at time.Time
				_ = rows.Scan(&id, &st, &at)
				open = append(open, fmt.Sprintf("%d:%s@%s", id, st, at.Format(time.TimeOnly)))
			}
			t.Fatalf("orders not terminal in time: %v", open)
		case <-time.After(200 * time.Millisecond):
		}
	}
	// Holds of terminal orders are settled by jobs and the sweeper.
	deadline = time.After(time.Minute)
	for catalogtest.StockOf(ctx, t, pool, book.ID).Held != 0 {
		select {
		case <-deadline:
			t.Fatalf("copies still held: %+v", catalogtest.StockOf(ctx, t, pool, book.ID))
		case <-time.After(200 * time.Millisecond):
		}
	}
	c := catalogtest.StockOf(ctx, t, pool, book.ID)
	require.Equal(t, copies, c.Listed)
	require.Equal(t, c.Listed, c.Available+c.Held+c.Sold)
	var delivered int
	require.NoError(t, pool.QueryRow(ctx, `SELECT COALESCE(sum(l.quantity),0) FROM orders.order_lines l JOIN orders.orders o ON o.id = l.order_id WHERE o.status = 'delivered'`).Scan(&delivered))
	require.Equal(t, delivered, c.Sold)

	var badCharges int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM orders.charges c JOIN orders.orders o ON o.id = c.order_id
		WHERE NOT (o.status = 'delivered' AND c.refunded_at IS NULL) AND NOT (o.status = 'cancelled' AND c.refunded_at IS NOT NULL)`).Scan(&badCharges))
	require.Zero(t, badCharges)
	var deliveredOrders, charged int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM orders.orders WHERE status = 'delivered'`).Scan(&deliveredOrders))
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM orders.charges WHERE refunded_at IS NULL`).Scan(&charged))
	require.Equal(t, deliveredOrders, charged, "every delivered order was charged exactly once")
	var dupNotes int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM orders.notifications GROUP BY order_id, step, user_id HAVING count(*) > 1) d`).Scan(&dupNotes))
	require.Zero(t, dupNotes)
}

// waitingOrders describes the orders still before payment and their jobs,
// for a failure message.
func waitingOrders(ctx context.Context, t *testing.T, pool *pgxpool.Pool) []string {
	rows, err := pool.Query(ctx, `SELECT o.id || ' ' || o.status || ' since ' || o.updated_at::time::text || ' jobs: ' ||
		COALESCE((SELECT string_agg(j.kind || '=' || j.state || '#' || j.attempt || ' ' || j.errors::text, '; ') FROM river.river_job j WHERE (j.args->>'order_id')::bigint = o.id), 'none')
		FROM orders.orders o WHERE o.status IN ('pending','awaiting_payment')`)
	require.NoError(t, err)
	var out []string
	for rows.Next() {
		var line string
		require.NoError(t, rows.Scan(&line))
		out = append(out, line)
	}
	return out
}

// try sends one request and reports the status, or the network error.
func (a *app) try(b buyer, base, method, path string, body any, hdr ...string) (int, error) {
	req, err := newJSONRequest(method, base+path, body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+b.token)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	if res.StatusCode >= 500 && res.StatusCode != http.StatusServiceUnavailable {
		return res.StatusCode, errors.New(res.Status)
	}
	return res.StatusCode, nil
}
