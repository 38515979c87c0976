package pages_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders/internal/api"
	"github.com/bookstore/bookstore/modules/orders/internal/pages"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/metrics"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// Users the test middleware signs in by the X-Test-User header.
var (
	buyer  = auth.User{ID: 1, Name: "Buyer", Role: auth.RoleMember}
	seller = auth.User{ID: 2, Name: "Seller", Role: auth.RoleMember}
	admin  = auth.User{ID: 3, Name: "Admin", Role: auth.RoleAdmin}
	other  = auth.User{ID: 4, Name: "Other", Role: auth.RoleMember}
	users  = map[string]auth.User{"1": buyer, "2": seller, "3": admin, "4": other}
)

// signIn stands in for the auth module's middleware.
func signIn() web.Middleware {
	return web.Middleware{Order: 10, Func: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, ok := users[r.Header.Get("X-Test-User")]; ok {
				nav := view.NavFrom(r.Context())
				nav.SignedIn, nav.UserName, nav.Admin = true, u.Name, u.IsAdmin()
				r = r.WithContext(auth.WithUser(r.Context(), u))
			}
			next.ServeHTTP(w, r)
		})
	}}
}

type bundle struct {
	pool *pgxpool.Pool
	cat  catalog.Service
	svc  *service.Service
	srv  *httptest.Server
	book catalog.Book
}

func setup(t *testing.T) *bundle {
	t.Helper()
	pool := pgtest.New(t)
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Schema: "river"})
	require.NoError(t, err)
	cat := catalogtest.NewService(pool)
	svc := service.New(pool, cat, rc, nil)
	pageRoutes, err := pages.Routes(svc, rc)
	require.NoError(t, err)
	h := web.NewRouter(web.RouterParams{
		Config:     config.Config{},
		Log:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		Metrics:    metrics.New(pool),
		Routes:     []web.Routes{pageRoutes, api.Routes(svc)},
		Middleware: []web.Middleware{pages.Middleware(svc), signIn()},
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &bundle{pool: pool, cat: cat, svc: svc, srv: srv, book: catalogtest.CreateBook(context.Background(), t, pool, &catalogtest.BookOpts{SellerID: seller.ID, Title: "Dune", PriceCents: 1500, Copies: 3})}
}

type resp struct {
	status int
	body   string
	hdr    http.Header
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (b *bundle) do(t *testing.T, user, method, path, contentType, body string, hdr ...string) resp {
	t.Helper()
	req, err := http.NewRequest(method, b.srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if user != "" {
		req.Header.Set("X-Test-User", user)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := noRedirect.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return resp{res.StatusCode, string(raw), res.Header}
}

func (b *bundle) form(t *testing.T, user, path string, v url.Values, hdr ...string) resp {
	t.Helper()
	return b.do(t, user, http.MethodPost, path, "application/x-www-form-urlencoded", v.Encode(), hdr...)
}

func (b *bundle) json(t *testing.T, user, method, path, body string, hdr ...string) resp {
	t.Helper()
	return b.do(t, user, method, path, "application/json", body, hdr...)
}

func checkoutForm(key string) url.Values {
	return url.Values{"idempotency_key": {key}, "name": {"Ana"}, "street": {"Calle 1"}, "city": {"Bogotá"}, "region": {"DC"},
		"postal_code": {"110111"}, "country": {"CO"}, "delivery_provider_id": {"3"}, "payment_method": {"card"},
		"card_number": {"4242 4242 4242 4242"}, "card_exp_month": {"12"}, "card_exp_year": {strconv.Itoa(time.Now().Year() + 1)}, "card_cvc": {"123"}}
}

// linesShown reads the cart lines a checkout page carries in its form.
func linesShown(t *testing.T, body string) []string {
	t.Helper()
	out := webtest.HiddenValues(body, "line")
	require.NotEmpty(t, out, "the checkout form carries the lines shown")
	return out
}

func countRows(t *testing.T, pool *pgxpool.Pool, q string) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(context.Background(), q).Scan(&n))
	return n
}

func TestPages_CartAndCheckout(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := strconv.FormatInt(int64(b.book.ID), 10)

	r := b.form(t, "1", "/cart/items", url.Values{"book_id": {id}, "quantity": {"2"}})
	require.Equal(t, http.StatusSeeOther, r.status)
	require.Equal(t, "/cart", r.hdr.Get("Location"))
	r = b.do(t, "1", http.MethodGet, "/cart", "", "")
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, "Dune")
	require.Contains(t, r.body, "$30.00")
	require.Contains(t, r.body, `data-cart-count>2<`)

	r = b.do(t, "1", http.MethodGet, "/checkout", "", "")
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, "Servientrega")
	require.NotContains(t, r.body, "DHL") // CO is national

	bad := checkoutForm("k1")
	bad.Set("name", "")
	bad.Set("card_number", "4242424242424241")
	bad.Set("city", "<script>alert(1)</script>")
	r = b.form(t, "1", "/checkout", bad)
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Contains(t, r.body, "enter the name")
	require.Contains(t, r.body, "this card number is not valid")
	require.Contains(t, r.body, "&lt;script&gt;alert(1)&lt;/script&gt;")
	require.NotContains(t, r.body, "4242424242424241") // the number is never echoed

	long := checkoutForm("k1")
	long.Set("name", strings.Repeat("ß", 10_000))
	long.Set("postal_code", "' OR '1'='1")
	long.Set("country", "Colombia")
	long.Set("card_exp_month", "")
	long.Set("card_cvc", "abc")
	r = b.form(t, "1", "/checkout", long)
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Contains(t, r.body, "the name must be at most 100 characters")
	require.Contains(t, r.body, "enter a two-letter country code")
	require.Contains(t, r.body, "enter the expiry month")
	require.Contains(t, r.body, "enter the 3-digit security code")
	require.Contains(t, r.body, "&#39; OR &#39;1&#39;=&#39;1")
	noProvider := checkoutForm("k1")
	noProvider.Del("delivery_provider_id")
	noProvider.Set("payment_method", "")
	r = b.form(t, "1", "/checkout", noProvider)
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Contains(t, r.body, "choose a delivery provider")
	require.Contains(t, r.body, "choose a payment method")

	// The seller raises the price after the page was shown: the order is
	// not placed, and the page shows what changed and the new total.
	r = b.do(t, "1", http.MethodGet, "/checkout", "", "")
	html := checkoutForm("k2")
	html.Set("name", `<img src=x onerror=alert(1)> مريم`)
	html["line"] = linesShown(t, r.body)
	require.Equal(t, []string{id + ":2:1500"}, html["line"])
	catalogtest.SetPrice(context.Background(), t, b.pool, b.book.ID, 990_000)
	r = b.form(t, "1", "/checkout", html)
	require.Equal(t, http.StatusConflict, r.status)
	require.Contains(t, r.body, "the price of &#34;Dune&#34; changed from $15.00 to $9,900.00")
	require.Contains(t, r.body, "$19,800.00")
	require.Equal(t, []string{id + ":2:990000"}, linesShown(t, r.body))
	require.Zero(t, countRows(t, b.pool, "SELECT count(*) FROM orders.orders"))
	catalogtest.SetPrice(context.Background(), t, b.pool, b.book.ID, 1500)
	r = b.do(t, "1", http.MethodGet, "/checkout", "", "")
	html["line"] = linesShown(t, r.body)
	r = b.form(t, "1", "/checkout", html)
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	loc := r.hdr.Get("Location")
	require.True(t, strings.HasPrefix(loc, "/orders/"))
	again := b.form(t, "1", "/checkout", html) // double click
	require.Equal(t, loc, again.hdr.Get("Location"))

	r = b.do(t, "1", http.MethodGet, loc, "", "")
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, ">Awaiting payment</strong>")
	require.Contains(t, r.body, "ending 4242")
	require.Contains(t, r.body, "&lt;img src=x onerror=alert(1)&gt; مريم")
	r = b.do(t, "2", http.MethodGet, loc, "", "")
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, "Bogotá")
	require.NotContains(t, r.body, "Calle 1")
	require.NotContains(t, r.body, "4242")
	require.Equal(t, http.StatusOK, b.do(t, "3", http.MethodGet, loc, "", "").status)
	require.Equal(t, http.StatusNotFound, b.do(t, "4", http.MethodGet, loc, "", "").status)
	require.Equal(t, http.StatusNotFound, b.do(t, "1", http.MethodGet, "/orders/abc", "", "").status)
	require.Equal(t, http.StatusSeeOther, b.do(t, "", http.MethodGet, loc, "", "").status) // to sign in

	r = b.do(t, "2", http.MethodGet, "/my/sales", "", "")
	require.Contains(t, r.body, "&lt;img src=x onerror=alert(1)&gt; مريم, Bogotá")
	require.NotContains(t, r.body, "Calle 1")
	r = b.do(t, "2", http.MethodGet, "/notifications", "", "")
	require.Contains(t, r.body, "includes your listing")
	r = b.do(t, "1", http.MethodGet, "/my/orders", "", "")
	require.Contains(t, r.body, "Dune ×2")

	require.Equal(t, http.StatusNotFound, b.form(t, "4", loc+"/cancel", nil).status)
	r = b.form(t, "1", loc+"/cancel", nil)
	require.Equal(t, http.StatusSeeOther, r.status)
	r = b.form(t, "1", loc+"/cancel", nil)
	require.Equal(t, http.StatusSeeOther, r.status) // flash: can no longer be cancelled
}

func TestPages_CartRejections(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := strconv.FormatInt(int64(b.book.ID), 10)
	for name, v := range map[string]url.Values{
		"Empty":       {},
		"NotANumber":  {"book_id": {"abc"}},
		"Unknown":     {"book_id": {"999"}},
		"BadQuantity": {"book_id": {id}, "quantity": {"-1"}},
		"Words":       {"book_id": {id}, "quantity": {"two"}},
		"TooMany":     {"book_id": {id}, "quantity": {"4"}},
		"Injection":   {"book_id": {"1 OR 1=1"}, "quantity": {"1; DROP TABLE orders.orders"}},
		"Long":        {"book_id": {strings.Repeat("9", 10_000)}},
	} {
		r := b.form(t, "1", "/cart/items", v)
		require.Equal(t, http.StatusSeeOther, r.status, name)
		require.Equal(t, "/cart", r.hdr.Get("Location"), name)
	}
	require.Equal(t, http.StatusSeeOther, b.form(t, "2", "/cart/items", url.Values{"book_id": {id}}).status) // own listing: flash
	n, err := b.svc.CartCount(context.Background(), service.Owner{UserID: seller.ID})
	require.NoError(t, err)
	require.Zero(t, n)
	r := b.do(t, "1", http.MethodGet, "/checkout", "", "")
	require.Contains(t, r.body, "Your cart is empty")
	r = b.form(t, "1", "/checkout", checkoutForm("k"))
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Contains(t, r.body, "your cart is empty")
	r = b.form(t, "", "/cart/items/1", url.Values{"quantity": {"1"}})
	require.Equal(t, http.StatusSeeOther, r.status)
}

func TestPages_VisitorCartMergedAtSignIn(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.form(t, "", "/cart/items", url.Values{"book_id": {strconv.FormatInt(int64(b.book.ID), 10)}, "quantity": {"1"}})
	require.Equal(t, http.StatusSeeOther, r.status)
	var cookie string
	for _, c := range r.hdr.Values("Set-Cookie") {
		if strings.HasPrefix(c, pages.VisitorCookie+"=") {
			cookie = strings.SplitN(c, ";", 2)[0]
		}
	}
	require.NotEmpty(t, cookie)
	r = b.do(t, "", http.MethodGet, "/cart", "", "", "Cookie", cookie)
	require.Contains(t, r.body, "Sign in to check out")
	r = b.do(t, "1", http.MethodGet, "/cart", "", "", "Cookie", cookie)
	require.Contains(t, r.body, "Dune")
	require.Contains(t, strings.Join(r.hdr.Values("Set-Cookie"), "\n"), pages.VisitorCookie+"=;")
	n, err := b.svc.CartCount(context.Background(), service.Owner{UserID: buyer.ID})
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

func TestPages_Admin(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, p := range []string{"/admin/orders", "/admin/jobs", "/admin/providers"} {
		require.Equal(t, http.StatusForbidden, b.do(t, "1", http.MethodGet, p, "", "").status, p)
		require.Equal(t, http.StatusOK, b.do(t, "3", http.MethodGet, p, "", "").status, p)
	}
	require.Equal(t, http.StatusUnprocessableEntity, b.do(t, "3", http.MethodGet, "/admin/orders?status=nope", "", "").status)
	r := b.form(t, "3", "/admin/providers/3", url.Values{"name": {"Envia"}, "coverage": {"national"}, "cost": {"9.50"}, "days": {"2"}, "active": {"on"}})
	require.Equal(t, http.StatusSeeOther, r.status)
	ps, err := b.svc.ProvidersFor(context.Background(), "CO")
	require.NoError(t, err)
	require.Contains(t, ps, service.Provider{ID: 3, Name: "Envia", Coverage: "national", CostCents: 950, Days: 2, Active: true})
	r = b.form(t, "3", "/admin/providers/3", url.Values{"name": {""}, "coverage": {"space"}, "cost": {"-1"}, "days": {"x"}})
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Contains(t, r.body, "enter a cost such as 12.50")
	require.Equal(t, http.StatusForbidden, b.form(t, "1", "/admin/providers/3", url.Values{"name": {"X"}}).status)
	require.Equal(t, http.StatusNotFound, b.form(t, "3", "/admin/jobs/999999/retry", nil).status)
	ctx := context.Background()
	var jobID int64
	require.NoError(t, b.pool.QueryRow(ctx, `INSERT INTO river.river_job (kind, args, state, finalized_at, max_attempts, attempt, errors)
		VALUES ('orders.charge_payment', '{"order_id":42}', 'discarded', now(), 25, 25,
		ARRAY['{"at":"2026-01-01T00:00:00Z","attempt":25,"error":"payment processor unavailable","trace":""}'::jsonb]) RETURNING id`).Scan(&jobID))
	r = b.do(t, "3", http.MethodGet, "/admin/jobs", "", "")
	require.Contains(t, r.body, "payment processor unavailable")
	require.Equal(t, http.StatusSeeOther, b.form(t, "3", fmt.Sprintf("/admin/jobs/%d/retry", jobID), nil).status)
	var state string
	require.NoError(t, b.pool.QueryRow(ctx, "SELECT state FROM river.river_job WHERE id = $1", jobID).Scan(&state))
	require.Equal(t, "available", state)
	require.Equal(t, http.StatusSeeOther, b.form(t, "3", fmt.Sprintf("/admin/jobs/%d/cancel", jobID), nil).status)
	require.NoError(t, b.pool.QueryRow(ctx, "SELECT state FROM river.river_job WHERE id = $1", jobID).Scan(&state))
	require.Equal(t, "cancelled", state)
	require.Equal(t, http.StatusForbidden, b.form(t, "1", "/admin/jobs/1/cancel", nil).status)
}

func TestAPI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	path := fmt.Sprintf("/api/v1/cart/items/%d", b.book.ID)
	id := strconv.FormatInt(int64(b.book.ID), 10)

	t.Run("Authorization", func(t *testing.T) {
		for _, p := range []string{"/api/v1/cart", "/api/v1/orders", "/api/v1/sales", "/api/v1/notifications", "/api/v1/orders/1"} {
			r := b.json(t, "", http.MethodGet, p, "")
			require.Equal(t, http.StatusUnauthorized, r.status, p)
			require.Contains(t, r.body, `"code":"auth.unauthenticated"`)
		}
	})

	t.Run("BadBodies", func(t *testing.T) {
		for name, body := range map[string]string{
			"Empty":      "",
			"NotJSON":    "quantity=1",
			"WrongType":  `{"quantity":"1"}`,
			"Extra":      `{"quantity":1,"price_cents":1}`,
			"Missing":    `{}`,
			"Zero":       `{"quantity":0}`,
			"Negative":   `{"quantity":-5}`,
			"TooMany":    `{"quantity":4}`,
			"Huge":       `{"quantity":1e30}`,
			"Two":        `{"quantity":1}{"quantity":2}`,
			"LongString": `{"quantity":"` + strings.Repeat("x", 10_000) + `"}`,
		} {
			r := b.json(t, "1", http.MethodPut, path, body)
			require.GreaterOrEqual(t, r.status, 400, name)
			require.Less(t, r.status, 500, name)
			require.Contains(t, r.body, `"error"`, name)
		}
		require.Equal(t, http.StatusNotFound, b.json(t, "1", http.MethodPut, "/api/v1/cart/items/abc", `{"quantity":1}`).status)
		require.Equal(t, http.StatusForbidden, b.json(t, "2", http.MethodPut, path, `{"quantity":1}`).status)
	})

	t.Run("Providers", func(t *testing.T) {
		r := b.json(t, "", http.MethodGet, "/api/v1/delivery-providers?country=us", "")
		require.Equal(t, http.StatusOK, r.status)
		require.Contains(t, r.body, "DHL")
		require.NotContains(t, r.body, "Envia")
		require.Equal(t, http.StatusUnprocessableEntity, b.json(t, "", http.MethodGet, "/api/v1/delivery-providers?country=Colombia", "").status)
		require.Equal(t, http.StatusUnprocessableEntity, b.json(t, "", http.MethodGet, "/api/v1/delivery-providers", "").status)
	})

	t.Run("PlaceAndCancel", func(t *testing.T) {
		require.Equal(t, http.StatusOK, b.json(t, "1", http.MethodPut, path, `{"quantity":1}`).status)
		body := `{"lines":[{"book_id":` + id + `,"quantity":1,"price_cents":1500}],"shipping_address":{"name":"مريم","street":"Calle 1","city":"Cali","region":"VC","postal_code":"760001","country":"CO"},"delivery_provider_id":4,"payment":{"method":"wallet"}}`
		r := b.json(t, "1", http.MethodPost, "/api/v1/orders", body)
		require.Equal(t, http.StatusUnprocessableEntity, r.status) // no Idempotency-Key
		r = b.json(t, "1", http.MethodPost, "/api/v1/orders", body, "Idempotency-Key", "a1")
		require.Equal(t, http.StatusCreated, r.status, r.body)
		for _, f := range []string{`"status":"awaiting_payment"`, `"subtotal_cents":1500`, `"delivery_cents":650`, `"total_cents":2150`, `"method":"wallet"`, `"shipment":null`, `"title":"Dune"`, `"price_cents":1500`, "مريم"} {
			require.Contains(t, r.body, f)
		}
		r = b.json(t, "1", http.MethodPost, "/api/v1/orders", body, "Idempotency-Key", "a0")
		require.Equal(t, http.StatusConflict, r.status, "the cart checks out once")
		require.Contains(t, r.body, "orders.cart_changed")
		again := b.json(t, "1", http.MethodPost, "/api/v1/orders", body, "Idempotency-Key", "a1")
		require.Equal(t, http.StatusCreated, again.status)
		changed := strings.Replace(body, "Cali", "Pasto", 1)
		r = b.json(t, "1", http.MethodPost, "/api/v1/orders", changed, "Idempotency-Key", "a1")
		require.Equal(t, http.StatusUnprocessableEntity, r.status)
		require.Contains(t, r.body, "orders.idempotency_key_reused")

		r = b.json(t, "1", http.MethodGet, "/api/v1/orders", "")
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, 1, strings.Count(r.body, `"id":`))
		require.Equal(t, http.StatusNotFound, b.json(t, "4", http.MethodPost, "/api/v1/orders/1/cancel", "").status)
		r = b.json(t, "1", http.MethodPost, "/api/v1/orders/1/cancel", "")
		require.Equal(t, http.StatusOK, r.status)
		require.Contains(t, r.body, `"status":"cancelled"`)
		require.Equal(t, http.StatusConflict, b.json(t, "1", http.MethodPost, "/api/v1/orders/1/cancel", "").status)
		require.Equal(t, http.StatusOK, b.json(t, "2", http.MethodGet, "/api/v1/sales", "").status)
		r = b.json(t, "1", http.MethodGet, "/api/v1/notifications?limit=5", "")
		require.Contains(t, r.body, `"unread":2`)
		require.Equal(t, http.StatusUnprocessableEntity, b.json(t, "1", http.MethodGet, "/api/v1/notifications?limit=abc", "").status)
	})

	t.Run("PlaceRejections", func(t *testing.T) {
		require.Equal(t, http.StatusOK, b.json(t, "1", http.MethodPut, path, `{"quantity":1}`).status)
		for name, tc := range map[string]struct {
			body   string
			status int
			want   string
		}{
			"Empty":         {`{}`, 422, `"payment_method"`},
			"WrongType":     {`{"delivery_provider_id":"3"}`, 400, "delivery_provider_id"},
			"Extra":         {`{"total_cents":1}`, 400, "total_cents"},
			"CountryNoProv": {`{"shipping_address":{"name":"A","street":"B","city":"C","region":"D","postal_code":"1","country":"US"},"delivery_provider_id":4,"payment":{"method":"wallet"}}`, 422, "does not deliver to US"},
			"Declined":      {`{"shipping_address":{"name":"A","street":"B","city":"C","region":"D","postal_code":"1","country":"CO"},"delivery_provider_id":4,"payment":{"method":"card","card":{"number":"4242","exp_month":13,"exp_year":1999,"cvc":"1"}}}`, 422, "card_cvc"},
			"Method":        {`{"payment":{"method":"cash"}}`, 422, "choose card, wallet or bank transfer"},
		} {
			r := b.json(t, "1", http.MethodPost, "/api/v1/orders", tc.body, "Idempotency-Key", "r-"+name)
			require.Equal(t, tc.status, r.status, name+": "+r.body)
			require.Contains(t, r.body, tc.want, name)
		}
		seen := `{"lines":[{"book_id":` + id + `,"quantity":1,"price_cents":1500}],"shipping_address":{"name":"A","street":"B","city":"C","region":"D","postal_code":"1","country":"CO"},"delivery_provider_id":4,"payment":{"method":"wallet"}}`
		catalogtest.SetPrice(context.Background(), t, b.pool, b.book.ID, 990_000)
		r := b.json(t, "1", http.MethodPost, "/api/v1/orders", seen, "Idempotency-Key", "raised")
		require.Equal(t, http.StatusConflict, r.status)
		require.Contains(t, r.body, "orders.cart_changed")
		require.Contains(t, r.body, "changed from $15.00 to $9,900.00")
		catalogtest.SetPrice(context.Background(), t, b.pool, b.book.ID, 1500)
		catalogtest.SetStatus(context.Background(), t, b.pool, b.book.ID, catalog.StatusPaused)
		r = b.json(t, "1", http.MethodPost, "/api/v1/orders", seen, "Idempotency-Key", "paused")
		require.Equal(t, http.StatusConflict, r.status)
		require.Contains(t, r.body, "catalog.not_for_sale")
	})
}

func TestPages_RenderEveryTemplate(t *testing.T) {
	t.Parallel()
	set, err := pages.Pages()
	require.NoError(t, err)
	require.Len(t, set.Pages(), 9)
}
