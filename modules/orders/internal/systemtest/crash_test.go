package systemtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/proctest"
)

// TestCrash_CheckoutsSurviveSIGKILL runs the real binary under a stream of
// checkouts (every test card, wallet and bank transfer), kills it with
// SIGKILL at random moments several times, starts it again each time, and
// then checks the saga's invariants (requireSettled).
func TestCrash_CheckoutsSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts the real binary for minutes")
	}
	t.Parallel()
	w := newCrashWorld(t)
	addr := proctest.FreeAddr(t)
	srv := proctest.ServeAt(t, addr, w.env)
	stream := w.checkouts("http://" + addr)
	for range 5 {
		<-time.After(time.Duration(500+rand.IntN(2500)) * time.Millisecond)
		srv.Kill(t)
		srv = proctest.ServeAt(t, addr, w.env)
	}
	restarted := time.Now()
	<-time.After(time.Second)
	stream.stop(t)
	w.requireSettled(t, restarted, "river")
}

// TestCrash_SplitCatalogSIGKILL runs the split shop under a stream of
// checkouts and SIGKILLs the catalog's process at random moments. While
// it is down, catalog pages answer 503 at once and auth pages still work;
// the supervisor restarts it; and then every accepted order ends in a
// final state, no copy is oversold or lost, nothing is charged twice.
func TestCrash_SplitCatalogSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a process of the split shop for minutes")
	}
	t.Parallel()
	w := newCrashWorld(t)
	shop := proctest.ServeSplit(t, w.env)
	stream := w.checkouts(shop.URL())
	for kill := 1; kill <= 3; kill++ {
		<-time.After(time.Duration(500+rand.IntN(2000)) * time.Millisecond)
		require.NoError(t, syscall.Kill(shop.ChildPID(t, "catalog"), syscall.SIGKILL))
		w.requireCatalogDown(t, shop.URL())
		shop.WaitLog(t, `msg="process ready" process=catalog`, proctest.ReadyTimeout, kill+1)
	}
	restarted := time.Now()
	<-time.After(time.Second)
	stream.stop(t)
	t.Logf("supervisor log (restarts):\n%s", grepLines(shop.Stderr(), "process=catalog"))
	w.requireSettled(t, restarted, "river_orders")
}

// crashWorld is a shop's database with one book of many copies, its
// seller, and the bearer tokens of four buyers.
type crashWorld struct {
	pool   *pgxpool.Pool
	env    []string
	book   catalog.Book
	copies int
	tokens []string
	seller string
}

func newCrashWorld(t *testing.T) *crashWorld {
	t.Helper()
	ctx := context.Background()
	url := pgtest.NewURL(t)
	pool, err := pgxpool.New(ctx, url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	w := &crashWorld{pool: pool, copies: 60, env: []string{"DATABASE_URL=" + url, "BOOKSTORE_DATA_DIR=" + proctest.ReachableDir(t),
		"BOOKSTORE_LOG_LEVEL=error", "BOOKSTORE_SHIPPING_STEP=200ms", "BOOKSTORE_BANK_TRANSFER_DELAY=500ms",
		"BOOKSTORE_ORDER_TIMEOUT=4s", "BOOKSTORE_JOB_TIMEOUT=5s", "BOOKSTORE_PAYMENT_RETRY_WINDOW=1s"}}
	seller := authtest.CreateUser(ctx, t, pool, nil)
	w.seller = authtest.SignIn(ctx, t, pool, seller.Email, authtest.DefaultPassword).ID
	w.book = catalogtest.CreateBook(ctx, t, pool, &catalogtest.BookOpts{SellerID: seller.ID, Copies: w.copies, PriceCents: 999})
	for range 4 {
		u := authtest.CreateUser(ctx, t, pool, nil)
		w.tokens = append(w.tokens, authtest.SignIn(ctx, t, pool, u.Email, authtest.DefaultPassword).ID)
	}
	return w
}

// checkoutStream is the buyers' checkouts until stopped.
type checkoutStream struct {
	stopping        atomic.Bool
	wg              sync.WaitGroup
	placed, refused atomic.Int64
	edits           atomic.Int64
}

// checkouts starts each buyer checking out one copy after another at
// base, paying every way the simulated processor knows.
func (w *crashWorld) checkouts(base string) *checkoutStream {
	s := &checkoutStream{}
	a := &app{}
	payments := []map[string]any{
		{"method": "card", "card": map[string]any{"number": "4242424242424242", "exp_month": 12, "exp_year": 2099, "cvc": "123"}},
		{"method": "card", "card": map[string]any{"number": "4000000000000002", "exp_month": 12, "exp_year": 2099, "cvc": "123"}},
		{"method": "card", "card": map[string]any{"number": "4000000000009995", "exp_month": 12, "exp_year": 2099, "cvc": "123"}},
		{"method": "card", "card": map[string]any{"number": "4000000000000119", "exp_month": 12, "exp_year": 2099, "cvc": "123"}},
		{"method": "wallet"},
		{"method": "bank_transfer"},
	}
	for i, tok := range w.tokens {
		s.wg.Go(func() {
			b := buyer{token: tok}
			for n := 0; !s.stopping.Load(); n++ {
				key := fmt.Sprintf("crash-%d-%d", i, n)
				body := checkoutBody("", service.SeenLine{BookID: w.book.ID, Quantity: 1, PriceCents: w.book.PriceCents})
				body["payment"] = payments[(i+n)%len(payments)]
				// Retry the same key until the shop answers, as a client
				// whose connection broke would, even after the stream
				// stops, so no order is left half placed. Once the order
				// was sent its outcome is unknown, so only the order is
				// sent again: the cart may already be empty.
				sent := false
				for giveUp := time.Now().Add(time.Minute); time.Now().Before(giveUp); <-time.After(100 * time.Millisecond) {
					if !sent {
						st, err := a.try(b, base, http.MethodPut, fmt.Sprintf("/api/v1/cart/items/%d", w.book.ID), map[string]any{"quantity": 1})
						if err == nil && st == http.StatusConflict {
							s.refused.Add(1) // sold out until failed payments give copies back
							break
						}
						if err != nil || st != http.StatusOK {
							continue
						}
					}
					sent = true
					st, err := a.try(b, base, http.MethodPost, "/api/v1/orders", body, "Idempotency-Key", key)
					if err == nil && st == http.StatusCreated {
						s.placed.Add(1)
						break
					}
					if err == nil && st < 500 {
						s.refused.Add(1)
						break
					}
				}
			}
		})
	}
	// Meanwhile the seller edits the listing from what they last read, as
	// an edit form open while copies sell would: the description changes
	// and the copies are sent back as read, with that count as their base.
	// A stale count must never put sold copies back on sale, which
	// requireSettled's listed-copies check would catch.
	s.wg.Go(func() {
		seller := buyer{token: w.seller}
		path := fmt.Sprintf("/api/v1/books/%d", w.book.ID)
		for n := 0; !s.stopping.Load(); n++ {
			var seen struct {
				Copies int `json:"copies"`
			}
			res, err := http.Get(base + path)
			if err == nil {
				err = json.NewDecoder(res.Body).Decode(&seen)
				res.Body.Close()
			}
			if err != nil || res.StatusCode != http.StatusOK {
				<-time.After(100 * time.Millisecond)
				continue
			}
			<-time.After(time.Duration(rand.IntN(200)) * time.Millisecond) // the seller reads the form
			st, err := a.try(seller, base, http.MethodPatch, path, map[string]any{"description": fmt.Sprintf("Edited %d times.", n+1), "copies": seen.Copies, "copies_base": seen.Copies})
			if err == nil && st == http.StatusOK {
				s.edits.Add(1)
			}
		}
	})
	return s
}

// stop ends the stream and requires that it placed orders.
func (s *checkoutStream) stop(t *testing.T) {
	t.Helper()
	s.stopping.Store(true)
	s.wg.Wait()
	t.Logf("placed %d orders, %d refused (sold out); the seller saved %d edits", s.placed.Load(), s.refused.Load(), s.edits.Load())
	require.Positive(t, s.placed.Load())
	require.Positive(t, s.edits.Load())
}

// requireCatalogDown checks the split shop while the catalog's process is
// dead: its pages answer 503 at once (never a hang), and the accounts
// pages still work.
func (w *crashWorld) requireCatalogDown(t *testing.T, base string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		start := time.Now()
		resp, err := http.Get(fmt.Sprintf("%s/books/%d", base, w.book.ID))
		require.NoError(t, err)
		resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable {
			require.Less(t, time.Since(start), 2*time.Second, "a dead module is answered for at once")
			break
		}
		select {
		case <-deadline:
			t.Fatalf("the catalog's pages never answered 503 after SIGKILL (last %d)", resp.StatusCode)
		case <-time.After(10 * time.Millisecond):
		}
	}
	resp, err := http.Get(base + "/signin")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "auth pages work while the catalog is down")
}

// requireSettled checks the saga's invariants once the shop is left alone
// after its last restart: every order moves past payment within a minute
// and ends in a terminal state within a bound, stock is conserved (listed =
// available + held + sold, nothing held at the end), and no order was
// charged more than once or charged without being paid. riverSchema is
// where the orders' jobs are, for a failure message.
func (w *crashWorld) requireSettled(t *testing.T, restarted time.Time, riverSchema string) {
	t.Helper()
	ctx, pool := context.Background(), w.pool
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
			t.Fatalf("%d orders still wait for payment a minute after the last restart: %v", waiting, waitingOrders(ctx, t, pool, riverSchema))
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
	for catalogtest.StockOf(ctx, t, pool, w.book.ID).Held != 0 {
		select {
		case <-deadline:
			t.Fatalf("copies still held: %+v", catalogtest.StockOf(ctx, t, pool, w.book.ID))
		case <-time.After(200 * time.Millisecond):
		}
	}
	c := catalogtest.StockOf(ctx, t, pool, w.book.ID)
	require.Equal(t, w.copies, c.Listed)
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

// waitingOrders describes the orders still before payment and their jobs
// (in riverSchema), for a failure message.
func waitingOrders(ctx context.Context, t *testing.T, pool *pgxpool.Pool, riverSchema string) []string {
	rows, err := pool.Query(ctx, `SELECT o.id || ' ' || o.status || ' since ' || o.updated_at::time::text || ' jobs: ' ||
		COALESCE((SELECT string_agg(j.kind || '=' || j.state || '#' || j.attempt || ' ' || j.errors::text, '; ') FROM `+riverSchema+`.river_job j WHERE (j.args->>'order_id')::bigint = o.id), 'none')
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

// grepLines are the lines of s holding want.
func grepLines(s, want string) string {
	var out []string
	for line := range strings.Lines(s) {
		if strings.Contains(line, want) {
			out = append(out, strings.TrimRight(line, "\n"))
		}
	}
	return strings.Join(out, "\n")
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
