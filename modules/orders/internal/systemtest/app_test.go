package systemtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authfx"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog/catalogfx"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/modules/orders/ordersfx"
	"github.com/bookstore/bookstore/platform/apidoc/apitest"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/metrics"
	"github.com/bookstore/bookstore/platform/pg"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/riverfx"
	"github.com/bookstore/bookstore/platform/tracing"
	"github.com/bookstore/bookstore/platform/web"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// app is the monolith's graph (auth, catalog, orders, River, router) on a
// fresh database, with River working jobs at test pace (riverfx.TestOpts).
type app struct {
	pool    *pgxpool.Pool
	svc     *service.Service
	handler http.Handler
	server  *httptest.Server
	// client checks every API exchange against the OpenAPI document.
	client  *http.Client
	metrics *metrics.Metrics
	// jobs works River's jobs.
	jobs *riverfx.Client
}

func newApp(t testing.TB) *app {
	t.Helper()
	return newTracedApp(t, &tracing.Tracing{})
}

// newTracedApp is newApp with tracing on tr.
func newTracedApp(t testing.TB, tr *tracing.Tracing) *app {
	t.Helper()
	return newAppLogging(t, tr, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// newAppLogging is newTracedApp logging to log.
func newAppLogging(t testing.TB, tr *tracing.Tracing, log *slog.Logger) *app {
	t.Helper()
	// The bank never confirms a transfer while a test runs: a transfer is
	// the order a test can still cancel, and a 100 ms delay lost that race
	// on a loaded machine. A declined order's copies go back on sale a
	// second after the failure.
	cfg := config.Config{
		Addr: "127.0.0.1:0", DatabaseURL: pgtest.NewURL(t), DataDir: t.TempDir(), LogLevel: "error", LogFormat: "text",
		ShutdownTimeout: 5 * time.Second, Modules: config.AllModules,
		HomeCountry: "CO", ShippingStep: 50 * time.Millisecond, BankTransferDelay: time.Hour, OrderTimeout: time.Minute, PaymentRetryWindow: time.Second,
	}
	a := &app{}
	fa := fxtest.New(t,
		fx.Supply(cfg, log, pg.Migrations(nil), riverfx.TestOpts(), tr),
		fx.NopLogger,
		pg.Module, metrics.Module, riverfx.Module,
		fx.Provide(web.NewRouter),
		authfx.Module, catalogfx.Module, ordersfx.Module,
		fx.Populate(&a.pool, &a.svc, &a.handler, &a.metrics, &a.jobs),
	)
	fa.RequireStart()
	t.Cleanup(fa.RequireStop)
	a.server = httptest.NewServer(a.handler)
	t.Cleanup(a.server.Close)
	a.client = &http.Client{Transport: apitest.Transport(t, nil)}
	return a
}

// buyer is a signed-up user with a session, used as a bearer credential.
type buyer struct {
	user  auth.User
	token string
}

func (a *app) newUser(t testing.TB, admin bool) buyer {
	t.Helper()
	ctx := context.Background()
	u := authtest.CreateUser(ctx, t, a.pool, &authtest.UserOpts{Admin: admin})
	s := authtest.SignIn(ctx, t, a.pool, u.Email, authtest.DefaultPassword)
	return buyer{user: u, token: s.ID}
}

// call sends a JSON request and decodes the answer into out (if not nil).
func (a *app) call(t testing.TB, b buyer, method, path string, body any, out any, hdr ...string) int {
	t.Helper()
	req, err := newJSONRequest(method, a.server.URL+path, body)
	require.NoError(t, err)
	if b.token != "" {
		req.Header.Set("Authorization", "Bearer "+b.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := a.client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	if out != nil && len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, out), string(raw))
	}
	return res.StatusCode
}

// checkoutBody is a checkout with a card (or, with "", no payment) for the
// cart lines the buyer was shown.
func checkoutBody(card string, seen ...service.SeenLine) map[string]any {
	return map[string]any{
		"lines":                seen,
		"shipping_address":     map[string]any{"name": "Ana", "street": "Calle 1", "city": "Bogotá", "region": "DC", "postal_code": "110111", "country": "CO"},
		"delivery_provider_id": 3,
		"delivery_cents":       800,
		"payment":              map[string]any{"method": "card", "card": map[string]any{"number": card, "exp_month": 12, "exp_year": time.Now().Year() + 1, "cvc": "123"}},
	}
}

type orderJSON struct {
	ID            int64  `json:"id"`
	Status        string `json:"status"`
	TotalCents    int64  `json:"total_cents"`
	SubtotalCents int64  `json:"subtotal_cents"`
	DeliveryCents int64  `json:"delivery_cents"`
	Lines         []struct {
		BookID     int64  `json:"book_id"`
		Title      string `json:"title"`
		Quantity   int    `json:"quantity"`
		PriceCents int64  `json:"price_cents"`
	} `json:"lines"`
	Payment struct {
		Method, Status, Brand, Last4 string
		FailureReason                string `json:"failure_reason"`
	} `json:"payment"`
	Shipment *struct {
		Provider       string            `json:"provider"`
		TrackingNumber string            `json:"tracking_number"`
		Events         []json.RawMessage `json:"events"`
	} `json:"shipment"`
}

// waitStatus polls the order until it reaches want or the deadline passes.
func (a *app) waitStatus(t testing.TB, b buyer, id int64, want string) orderJSON {
	t.Helper()
	deadline := time.After(2 * time.Minute)
	for {
		var o orderJSON
		require.Equal(t, http.StatusOK, a.call(t, b, http.MethodGet, fmt.Sprintf("/api/v1/orders/%d", id), nil, &o))
		if o.Status == want {
			return o
		}
		select {
		case <-deadline:
			t.Fatalf("order %d is %s, want %s", id, o.Status, want)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func newJSONRequest(method, url string, body any) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

// metric reads one series from the app's metrics, e.g.
// `bookstore_orders_total{status="paid"}`; a series that is not there fails.
func (a *app) metric(t testing.TB, series string) float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	a.metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for line := range strings.Lines(rec.Body.String()) {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			require.NoError(t, err)
			return f
		}
	}
	t.Fatalf("no series %s on /metrics", series)
	return 0
}
