package nginx_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// tally counts one phase's requests by outcome.
type tally struct {
	total, failed, unavailable atomic.Int64
	slowest                    atomic.Int64 // nanoseconds
	mu                         sync.Mutex
	errors                     map[string]int
}

func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return fmt.Sprintf("%d requests, %d failed, %d answered 503, slowest %s %v",
		t.total.Load(), t.failed.Load(), t.unavailable.Load(), time.Duration(t.slowest.Load()).Round(time.Millisecond), t.errors)
}

// load is a bounded stream of page views and checkouts, the mix a shop
// sees: each round a buyer views the home page, a book's page and its
// JSON, puts the book in the cart and places an order (Idempotency-Key
// retried until the shop answers, as a client would).
type load struct {
	base   string
	client *http.Client
	shop   *shop

	phase   atomic.Pointer[tally]
	stop    atomic.Bool
	wg      sync.WaitGroup
	mu      sync.Mutex
	placed  []int64
	rounds  atomic.Int64
	pages   atomic.Int64
	orders  atomic.Int64
	started time.Time
}

func newLoad(s *shop) *load {
	return &load{base: s.base, shop: s, client: &http.Client{
		// A request that hangs past this counts as failed: an outage
		// must answer 503, not hang.
		Timeout:   15 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64},
	}}
}

// begin starts a new phase and returns the one that ended.
func (l *load) begin() *tally {
	return l.phase.Swap(&tally{errors: map[string]int{}})
}

// run starts workers buyers, each looping until stop, or until deadline.
func (l *load) run(workers int, deadline time.Duration) {
	l.begin()
	l.started = time.Now()
	for i := range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			token := l.shop.buyers[i%len(l.shop.buyers)]
			for n := 0; !l.stop.Load() && time.Since(l.started) < deadline; n++ {
				l.round(token, l.shop.books[(i*7+n)%len(l.shop.books)], fmt.Sprintf("w%d-%d", i, n))
				l.rounds.Add(1)
			}
		}()
	}
}

// end stops the workers and returns the last phase.
func (l *load) end() *tally {
	l.stop.Store(true)
	l.wg.Wait()
	return l.phase.Load()
}

func (l *load) round(token string, book int64, key string) {
	for _, path := range []string{"/", fmt.Sprintf("/books/%d", book), fmt.Sprintf("/api/v1/books/%d", book)} {
		l.do(http.MethodGet, path, "", nil, "")
		l.pages.Add(1)
	}
	// The order is placed at the prices the cart showed, as a client does.
	var cart struct {
		Lines []struct {
			BookID     int64 `json:"book_id"`
			Quantity   int   `json:"quantity"`
			PriceCents int64 `json:"price_cents"`
		} `json:"lines"`
	}
	if st := l.do(http.MethodPut, fmt.Sprintf("/api/v1/cart/items/%d", book), token, map[string]any{"quantity": 1}, "", &cart); st != http.StatusOK {
		return
	}
	body := map[string]any{
		"lines":                cart.Lines,
		"shipping_address":     map[string]any{"name": "Ana", "street": "Calle 1", "city": "Bogotá", "region": "DC", "postal_code": "110111", "country": "CO"},
		"delivery_provider_id": 3,
		"delivery_cents":       800,
		"payment":              map[string]any{"method": "card", "card": map[string]any{"number": "4242424242424242", "exp_month": 12, "exp_year": time.Now().Year() + 1, "cvc": "123"}},
	}
	for giveUp := time.Now().Add(time.Minute); time.Now().Before(giveUp); {
		var o struct {
			ID int64 `json:"id"`
		}
		st := l.do(http.MethodPost, "/api/v1/orders", token, body, key, &o)
		if st == http.StatusCreated || st == http.StatusOK {
			l.orders.Add(1)
			l.mu.Lock()
			l.placed = append(l.placed, o.ID)
			l.mu.Unlock()
			return
		}
		if st >= 400 && st < 500 && st != http.StatusTooManyRequests {
			return // the cart was emptied by an earlier attempt of this key's order
		}
		<-time.After(100 * time.Millisecond)
	}
}

// do sends one request and counts its outcome in the current phase: a 2xx
// or an expected 4xx is fine, a 503 is "unavailable", anything else
// (5xx, a network error, a timeout) failed.
func (l *load) do(method, path, token string, body any, key string, out ...any) int {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, l.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	if method == http.MethodPut && key == "" {
		// A PUT is idempotent, and Go's transport, like a browser, then
		// resends it when a kept-alive connection turns out closed before
		// any answer (nginx closes idle client connections on a reload);
		// Go knows PUT's idempotence only from this header.
		req.Header.Set("Idempotency-Key", "put")
	}
	start := time.Now()
	resp, err := l.client.Do(req)
	took := time.Since(start)
	t := l.phase.Load()
	t.total.Add(1)
	for {
		cur := t.slowest.Load()
		if int64(took) <= cur || t.slowest.CompareAndSwap(cur, int64(took)) {
			break
		}
	}
	if err != nil {
		t.failed.Add(1)
		t.note(method + " " + path + ": " + err.Error())
		return 0
	}
	defer resp.Body.Close()
	if len(out) > 0 && resp.StatusCode < 300 {
		_ = json.NewDecoder(resp.Body).Decode(out[0])
	} else {
		_, _ = io.Copy(io.Discard, resp.Body)
	}
	switch {
	case resp.StatusCode == http.StatusServiceUnavailable:
		t.unavailable.Add(1)
	case resp.StatusCode >= 500:
		t.failed.Add(1)
		t.note(fmt.Sprintf("%s %s: %d", method, path, resp.StatusCode))
	}
	return resp.StatusCode
}

func (t *tally) note(what string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.errors) < 20 {
		t.errors[what]++
	}
}
