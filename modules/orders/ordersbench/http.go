package ordersbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/bench"
	"github.com/bookstore/bookstore/platform/loadgen"
)

// client talks JSON to the shop over keep-alive connections.
type client struct {
	base string
	http *http.Client
}

func newClient(base string) *client {
	return &client{base: base, http: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}}}
}

// do sends body as JSON and decodes a 2xx answer into out.
func (c *client) do(ctx context.Context, method, path, token string, body, out any, hdr ...string) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %.200s", method, path, res.Status, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// signUp creates a buyer through the API and returns a bearer token.
func (c *client) signUp(ctx context.Context, n int) (string, error) {
	acct := map[string]string{"email": fmt.Sprintf("buyer%d@bench.example", n), "name": fmt.Sprintf("Buyer %d", n), "password": "bench-password-123"}
	if err := c.do(ctx, http.MethodPost, "/api/v1/auth/signup", "", acct, nil); err != nil {
		return "", err
	}
	var res struct {
		Token string `json:"token"`
	}
	err := c.do(ctx, http.MethodPost, "/api/v1/auth/signin", "", map[string]string{"email": acct["email"], "password": acct["password"]}, &res)
	return res.Token, err
}

// httpCheckout runs the checkout a JSON client makes (put one copy in the
// cart, then place the order with the lines the cart answered, paying by
// card) against the real binary, and reads the binary's memory idle and at
// its peak.
func httpCheckout(ctx context.Context, env *bench.Env) ([]bench.Figure, error) {
	db, err := env.NewDatabase(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Drop()
	books, err := dataSet(ctx, db.Pool, 1000, 1_000_000)
	if err != nil {
		return nil, err
	}
	shop, err := env.StartShop(ctx, db.URL)
	if err != nil {
		return nil, err
	}
	defer shop.Stop()
	// Idle: started and migrated, its periodic jobs run once, no request
	// served yet (a sign-up's password hashing alone takes tens of MB).
	time.Sleep(3 * time.Second)
	idle, _, err := shop.RSS()
	if err != nil {
		return nil, err
	}
	s, err := prepareCheckout(ctx, env, shop.URL, db.Pool, books, nil)
	if err != nil {
		return nil, err
	}
	dur := env.Dur(30 * time.Second)
	env.Logf("measuring for %s", dur)
	res, err := s.measure(ctx, dur, "run")
	if err != nil {
		return nil, err
	}
	_, peak, err := shop.RSS()
	if err != nil {
		return nil, err
	}
	return []bench.Figure{
		{Name: "orders/s", Value: res.PerSecond(), Unit: "orders/s", Target: bench.Min(500), Note: errNote(res)},
		{Name: "p50", Value: bench.Ms(res.Percentile(50)), Unit: "ms"},
		{Name: "p99", Value: bench.Ms(res.Percentile(99)), Unit: "ms", Target: bench.Max(100)},
		{Name: "RSS idle", Value: idle, Unit: "MB", Target: bench.Max(40), Note: "3 s after start, before any request"},
		{Name: "RSS peak during checkout", Value: peak, Unit: "MB", Target: bench.Max(150), Note: "VmHWM: includes 8 sign-ups (argon2id)"},
	}, nil
}

// checkoutShop is a shop ready for the JSON checkout: Buyers buyers signed
// up, the shop warmed up and its database analyzed.
type checkoutShop struct {
	place func(round string) loadgen.OpFunc
	use   *usage
}

// prepareCheckout signs Buyers buyers up at the shop at base, and warms it
// up with their checkouts of books (then analyzes its database, db). use,
// if not nil, reads what the shop's processes spend on the measured rounds.
func prepareCheckout(ctx context.Context, env *bench.Env, base string, db *pgxpool.Pool, books []service.SeenLine, use *usage) (*checkoutShop, error) {
	c := newClient(base)
	tokens := make([]string, Buyers)
	for i := range tokens {
		var err error
		if tokens[i], err = c.signUp(ctx, i); err != nil {
			return nil, err
		}
	}
	exp := time.Now().Year() + 2
	place := func(round string) loadgen.OpFunc {
		return func(ctx context.Context, worker, i int) error {
			book := books[(worker*7919+i*31)%len(books)]
			var cart struct {
				Lines []service.SeenLine `json:"lines"`
			}
			if err := c.do(ctx, http.MethodPut, fmt.Sprintf("/api/v1/cart/items/%d", book.BookID), tokens[worker], map[string]int{"quantity": 1}, &cart); err != nil {
				return err
			}
			body := map[string]any{
				"lines":                cart.Lines,
				"shipping_address":     shipTo,
				"delivery_provider_id": 3,
				"delivery_cents":       800,
				"payment":              map[string]any{"method": "card", "card": map[string]any{"number": "4242424242424242", "exp_month": 12, "exp_year": exp, "cvc": "123"}},
			}
			return c.do(ctx, http.MethodPost, "/api/v1/orders", tokens[worker], body, nil, "Idempotency-Key", fmt.Sprintf("%s-%d-%d", round, worker, i))
		}
	}
	env.Logf("warming up")
	loadgen.Run(ctx, loadgen.Options{Workers: Buyers, Duration: env.Dur(5 * time.Second)}, place("warm"))
	if err := analyze(ctx, db); err != nil {
		return nil, err
	}
	return &checkoutShop{place: place, use: use}, nil
}

// measure runs the buyers' checkouts for dur; round names its orders'
// idempotency keys, so that each round of a shop places new orders.
func (s *checkoutShop) measure(ctx context.Context, dur time.Duration, round string) (loadgen.Result, error) {
	if err := s.use.start(ctx); err != nil {
		return loadgen.Result{}, err
	}
	res := loadgen.Run(ctx, loadgen.Options{Workers: Buyers, Duration: dur}, s.place(round))
	return res, s.use.stop(ctx)
}

// The split shop and the monolith are compared in splitRounds rounds of
// splitRound each, taking turns (loadgen.Alternate), both shops running
// throughout: one waits, idle but for its periodic jobs, while the other
// is measured.
const (
	splitRounds = 3
	splitRound  = 10 * time.Second
)

// splitCheckout runs the JSON API checkout against the split shop (the
// gateway and a process per module, supervised by serve --split) and
// against the monolith, each on a fresh copy of the same data set, so the
// price of the network hops is read in one run on one machine. Beside the
// throughputs, which a busy machine moves, it reads from each process's
// metrics what the checkouts cost it: CPU per order (the Go processes,
// not Postgres) and, split, the calls between processes per order, a
// count no neighbour changes.
func splitCheckout(ctx context.Context, env *bench.Env) ([]bench.Figure, error) {
	prepare := func(split bool) (*checkoutShop, func(), error) {
		db, err := env.NewDatabase(ctx)
		if err != nil {
			return nil, nil, err
		}
		books, err := dataSet(ctx, db.Pool, 1000, 1_000_000)
		if err != nil {
			db.Drop()
			return nil, nil, err
		}
		start, processes := env.StartShop, 1
		if split {
			start, processes = env.StartSplitShop, 4 // the gateway, then auth, catalog and orders
		}
		use, err := newUsage(processes)
		if err != nil {
			db.Drop()
			return nil, nil, err
		}
		shop, err := start(ctx, db.URL, "BOOKSTORE_METRICS_ADDR="+use.addrs[0])
		if err != nil {
			db.Drop()
			return nil, nil, err
		}
		stop := func() {
			shop.Stop()
			db.Drop()
		}
		s, err := prepareCheckout(ctx, env, shop.URL, db.Pool, books, use)
		if err != nil {
			stop()
			return nil, nil, err
		}
		return s, stop, nil
	}
	env.Logf("monolith")
	monoShop, stopMono, err := prepare(false)
	if err != nil {
		return nil, err
	}
	defer stopMono()
	env.Logf("split")
	splitShop, stopSplit, err := prepare(true)
	if err != nil {
		return nil, err
	}
	defer stopSplit()
	shops := [2]*checkoutShop{splitShop, monoShop}
	env.Logf("%d rounds of %s each, taking turns", splitRounds, env.Dur(splitRound))
	sides, lo, hi, err := loadgen.Alternate(splitRounds, func(side, i int) (loadgen.Result, error) {
		return shops[side].measure(ctx, env.Dur(splitRound), fmt.Sprintf("run%d", i))
	})
	if err != nil {
		return nil, err
	}
	split, mono := sides[0], sides[1]
	ratio := split.PerSecond() / max(mono.PerSecond(), 1e-9)
	perOrder := func(v float64, r loadgen.Result) float64 { return v / float64(max(r.Ops, 1)) }
	return []bench.Figure{
		{Name: "monolith orders/s", Value: mono.PerSecond(), Unit: "orders/s", Note: errNote(mono)},
		{Name: "monolith p99", Value: bench.Ms(mono.Percentile(99)), Unit: "ms"},
		{Name: "monolith CPU per order", Value: 1000 * perOrder(monoShop.use.cpu, mono), Unit: "ms", Note: "the shop's process, not Postgres"},
		{Name: "split orders/s", Value: split.PerSecond(), Unit: "orders/s", Note: errNote(split)},
		{Name: "split p99", Value: bench.Ms(split.Percentile(99)), Unit: "ms"},
		{Name: "split CPU per order", Value: 1000 * perOrder(splitShop.use.cpu, split), Unit: "ms", Note: "the gateway and the three modules, not Postgres"},
		{Name: "split internal calls per order", Value: perOrder(splitShop.use.internal, split), Unit: "calls", Note: "requests to /internal/v1/ of any process, jobs' included"},
		{Name: "split ÷ monolith throughput", Value: ratio, Unit: "×", Target: bench.Min(0.7),
			Note: fmt.Sprintf("all rounds together; each round's from %.2f to %.2f", lo, hi)},
	}, nil
}

// usage reads, from the /metrics of a shop's processes on their private
// listeners (addrs, consecutive ports as serve --split gives its children),
// the CPU they spent and the internal calls they answered between each
// start and the stop after it, summed over the rounds; nil reads nothing.
type usage struct {
	addrs         []string
	cpu, internal float64
	// at the last start
	cpu0, internal0 float64
}

// newUsage finds n consecutive free loopback ports.
func newUsage(n int) (*usage, error) {
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		port := ln.Addr().(*net.TCPAddr).Port
		lns := []net.Listener{ln}
		for i := 1; i < n && err == nil; i++ {
			var l net.Listener
			if l, err = net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port+i)); err == nil {
				lns = append(lns, l)
			}
		}
		for _, l := range lns {
			_ = l.Close()
		}
		if len(lns) == n {
			u := &usage{}
			for i := range n {
				u.addrs = append(u.addrs, fmt.Sprintf("127.0.0.1:%d", port+i))
			}
			return u, nil
		}
	}
	return nil, fmt.Errorf("no %d consecutive free loopback ports", n)
}

func (u *usage) start(ctx context.Context) error {
	if u == nil {
		return nil
	}
	var err error
	u.cpu0, u.internal0, err = u.read(ctx)
	return err
}

func (u *usage) stop(ctx context.Context) error {
	if u == nil {
		return nil
	}
	cpu, internal, err := u.read(ctx)
	u.cpu += cpu - u.cpu0
	u.internal += internal - u.internal0
	return err
}

// read sums process_cpu_seconds_total and the internal routes' share of
// bookstore_http_requests_total over the processes.
func (u *usage) read(ctx context.Context) (cpu, internal float64, err error) {
	for _, addr := range u.addrs {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
		if err != nil {
			return 0, 0, err
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, 0, fmt.Errorf("metrics of %s: %w", addr, err)
		}
		parser := expfmt.NewTextParser(model.UTF8Validation)
		families, err := parser.TextToMetricFamilies(res.Body)
		res.Body.Close()
		if err != nil {
			return 0, 0, fmt.Errorf("metrics of %s: %w", addr, err)
		}
		for _, m := range families["process_cpu_seconds_total"].GetMetric() {
			cpu += value(m)
		}
		for _, m := range families["bookstore_http_requests_total"].GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "route" && strings.HasPrefix(l.GetValue(), "/internal/") {
					internal += value(m)
				}
			}
		}
	}
	return cpu, internal, nil
}

// value is a counter's value, or an untyped sample's.
func value(m *dto.Metric) float64 {
	if c := m.GetCounter(); c != nil {
		return c.GetValue()
	}
	return m.GetUntyped().GetValue()
}
