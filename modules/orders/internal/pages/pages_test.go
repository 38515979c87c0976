package pages_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/api"
	"github.com/bookstore/bookstore/modules/orders/internal/httpcart"
	"github.com/bookstore/bookstore/modules/orders/internal/pages"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/apidoc/apitest"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/riverfx"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// Users the fake sign-in knows.
var (
	buyer  = auth.User{ID: 1, Name: "Buyer", Role: auth.RoleMember, EmailVerified: true}
	seller = auth.User{ID: 2, Name: "Seller", Role: auth.RoleMember, EmailVerified: true}
	admin  = auth.User{ID: 3, Name: "Admin", Role: auth.RoleAdmin, EmailVerified: true}
	other  = auth.User{ID: 4, Name: "Other", Role: auth.RoleMember, EmailVerified: true}
)

type bundle struct {
	pool *pgxpool.Pool
	cat  catalog.Service
	svc  *service.Service
	c    *webtest.Client
	h    http.Handler // what b.c reaches, for a request the test cancels
	logs *webtest.Buffer
	book catalog.Book
}

// setup serves the module's pages and API, whose Activity page reads the
// other modules' logs from logs.
func setup(t testing.TB, logs ...activity.Log) *bundle {
	t.Helper()
	pool := pgtest.New(t)
	b := &bundle{pool: pool, cat: catalogtest.NewService(pool)}
	b.serve(t, service.Options{Logs: logs})
	b.book = catalogtest.CreateBook(context.Background(), t, pool, &catalogtest.BookOpts{SellerID: seller.ID, Title: "Dune", PriceCents: 1500, Copies: 3})
	return b
}

// serve serves the module's pages and API from a new service with opts
// over b's database, in place of those served before.
func (b *bundle) serve(t testing.TB, opts service.Options) {
	t.Helper()
	rc, err := riverfx.NewInserter(b.pool, nil)
	require.NoError(t, err)
	// Each shipping step is due as soon as the carrier's next round runs.
	opts.ShippingStep = time.Microsecond
	b.svc = service.New(b.pool, b.cat, rc, &opts)
	srv := webtest.New(t, webtest.Opts{
		Routes:     []web.Routes{pages.Routes(b.svc), api.Routes(b.svc)},
		Middleware: []web.Middleware{pages.Middleware(b.svc), authtest.FakeSignIn(buyer, seller, admin, other)},
		Pool:       b.pool,
	})
	// No cookies kept: each request names its user and carries the
	// cookies it means to send.
	b.c = srv.Client()
	b.c.HTTP.Jar = nil
	b.h = srv.Handler
	b.logs = srv.Logs
}

func checkoutForm(key string) url.Values {
	return url.Values{"idempotency_key": {key}, "name": {"Ana"}, "street": {"Calle 1"}, "city": {"Bogotá"}, "region": {"DC"},
		"postal_code": {"110111"}, "country": {"CO"}, "delivery_provider_id": {"3"}, "delivery_cents": {"800"}, "payment_method": {"card"},
		"card_number": {"4242 4242 4242 4242"}, "card_exp_month": {"12"}, "card_exp_year": {strconv.Itoa(time.Now().Year() + 1)}, "card_cvc": {"123"}}
}

// linesShown reads the cart lines a checkout page carries in its form.
func linesShown(t *testing.T, body string) []string {
	t.Helper()
	out := webtest.HiddenValues(body, "line")
	require.NotEmpty(t, out, "the checkout form carries the lines shown")
	return out
}

// placedOrder puts a copy of the book in the buyer's cart and checks out
// with a card through the page, under key; it returns the order's path
// and id.
func (b *bundle) placedOrder(t *testing.T, key string) (string, int64) {
	t.Helper()
	r := b.c.Post(t, "/cart/items", url.Values{"book_id": {strconv.FormatInt(int64(b.book.ID), 10)}}, authtest.As(&buyer)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	r = b.c.Get(t, "/checkout?country=CO", authtest.As(&buyer)...)
	form := checkoutForm(key)
	form["line"] = linesShown(t, r.Body)
	r = b.c.Post(t, "/checkout", form, authtest.As(&buyer)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
	path := r.Header.Get("Location")
	id, err := strconv.ParseInt(strings.TrimPrefix(path, "/orders/"), 10, 64)
	require.NoError(t, err)
	return path, id
}

// visitorCart puts a copy of the book in a new visitor's cart and returns
// the cookie that names the cart.
func (b *bundle) visitorCart(t *testing.T) string {
	t.Helper()
	r := b.c.Post(t, "/cart/items", url.Values{"book_id": {strconv.FormatInt(int64(b.book.ID), 10)}, "quantity": {"1"}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	for _, c := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, httpcart.CookieName+"=") {
			return strings.SplitN(c, ";", 2)[0]
		}
	}
	require.FailNow(t, "no visitor cookie")
	return ""
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

	r := b.c.Post(t, "/cart/items", url.Values{"book_id": {id}, "quantity": {"2"}}, authtest.As(&buyer)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	require.Equal(t, "/cart", r.Header.Get("Location"))
	r = b.c.Get(t, "/cart", authtest.As(&buyer)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Contains(t, r.Body, "Dune")
	require.Contains(t, r.Body, "$30.00")
	require.Contains(t, r.Body, `data-cart-count>2<`)

	r = b.c.Get(t, "/checkout", authtest.As(&buyer)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Contains(t, r.Body, "Servientrega")
	require.NotContains(t, r.Body, "DHL") // CO is national

	bad := checkoutForm("k1")
	bad.Set("name", "")
	bad.Set("card_number", "4242424242424241")
	bad.Set("city", "<script>alert(1)</script>")
	r = b.c.Post(t, "/checkout", bad, authtest.As(&buyer)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	require.Contains(t, r.Body, "enter the name")
	require.Contains(t, r.Body, "this card number is not valid")
	require.Contains(t, r.Body, "&lt;script&gt;alert(1)&lt;/script&gt;")
	require.NotContains(t, r.Body, "4242424242424241") // the number is never echoed

	long := checkoutForm("k1")
	long.Set("name", strings.Repeat("ß", 10_000))
	long.Set("postal_code", "' OR '1'='1")
	long.Set("country", "Colombia")
	long.Set("card_exp_month", "")
	long.Set("card_cvc", "abc")
	r = b.c.Post(t, "/checkout", long, authtest.As(&buyer)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	// Each message sits under its own input.
	require.Contains(t, r.Body, `id="e-f-name">the name must be at most 100 characters`)
	require.Contains(t, r.Body, `id="e-f-country">enter a two-letter country code`)
	require.Contains(t, r.Body, `id="e-f-card_exp_month">enter the expiry month`)
	require.Contains(t, r.Body, `id="e-f-card_cvc">enter the 3-digit security code`)
	require.Contains(t, r.Body, "&#39; OR &#39;1&#39;=&#39;1")
	expired := checkoutForm("k1")
	expired.Set("card_exp_year", strconv.Itoa(time.Now().Year()-1))
	r = b.c.Post(t, "/checkout", expired, authtest.As(&buyer)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	require.Contains(t, r.Body, `id="e-f-card_exp_year">this card has expired`)
	require.Contains(t, r.Body, `name="card_exp_year" type="text" value="`+strconv.Itoa(time.Now().Year()-1)+`"`)
	noProvider := checkoutForm("k1")
	noProvider.Del("delivery_provider_id")
	noProvider.Set("payment_method", "")
	r = b.c.Post(t, "/checkout", noProvider, authtest.As(&buyer)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	require.Contains(t, r.Body, "choose a delivery provider")
	require.Contains(t, r.Body, "choose a payment method")

	// What no field of the form can fix is said in its message: a bad key
	// the form carries is replaced, and a cart that cannot be ordered is
	// named.
	badKey := checkoutForm(strings.Repeat("k", 500))
	r = b.c.Post(t, "/checkout", badKey, authtest.As(&buyer)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	require.Contains(t, r.Body, "Please review your order and place it again.")
	require.NotContains(t, r.Body, strings.Repeat("k", 500), "the form carries a new key")
	tooMany := checkoutForm("k1")
	for i := range service.MaxCartLines + 1 {
		tooMany.Add("line", fmt.Sprintf("%d:1:1500", i+1))
	}
	r = b.c.Post(t, "/checkout", tooMany, authtest.As(&buyer)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	require.Contains(t, r.Body, "Your cart cannot be ordered as it is (at most 100 lines)")

	// The seller raises the price after the page was shown: the order is
	// not placed, and the page shows what changed and the new total.
	r = b.c.Get(t, "/checkout", authtest.As(&buyer)...)
	html := checkoutForm("k2")
	html.Set("name", `<img src=x onerror=alert(1)> مريم`)
	html["line"] = linesShown(t, r.Body)
	require.Equal(t, []string{id + ":2:1500"}, html["line"])
	catalogtest.SetPrice(context.Background(), t, b.pool, b.book.ID, 990_000)
	r = b.c.Post(t, "/checkout", html, authtest.As(&buyer)...)
	require.Equal(t, http.StatusConflict, r.StatusCode)
	require.Contains(t, r.Body, "the price of “\u2068Dune\u2069” changed from $15.00 to $9,900.00")
	require.Contains(t, r.Body, "$19,800.00")
	require.Equal(t, []string{id + ":2:990000"}, linesShown(t, r.Body))
	require.Zero(t, countRows(t, b.pool, "SELECT count(*) FROM orders.orders"))
	catalogtest.SetPrice(context.Background(), t, b.pool, b.book.ID, 1500)
	r = b.c.Get(t, "/checkout", authtest.As(&buyer)...)
	html["line"] = linesShown(t, r.Body)
	r = b.c.Post(t, "/checkout", html, authtest.As(&buyer)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
	loc := r.Header.Get("Location")
	require.True(t, strings.HasPrefix(loc, "/orders/"))
	again := b.c.Post(t, "/checkout", html, authtest.As(&buyer)...) // double click
	require.Equal(t, loc, again.Header.Get("Location"))

	r = b.c.Get(t, loc, authtest.As(&buyer)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Contains(t, r.Body, ">Awaiting payment</strong>")
	require.Contains(t, r.Body, "ending 4242")
	require.Contains(t, r.Body, "&lt;img src=x onerror=alert(1)&gt; مريم")
	r = b.c.Get(t, loc, authtest.As(&seller)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Contains(t, r.Body, "Bogotá")
	require.NotContains(t, r.Body, "Calle 1")
	require.NotContains(t, r.Body, "4242")
	require.Equal(t, http.StatusOK, b.c.Get(t, loc, authtest.As(&admin)...).StatusCode)
	require.Equal(t, http.StatusNotFound, b.c.Get(t, loc, authtest.As(&other)...).StatusCode)
	require.Equal(t, http.StatusNotFound, b.c.Get(t, "/orders/abc", authtest.As(&buyer)...).StatusCode)
	require.Equal(t, http.StatusSeeOther, b.c.Get(t, loc).StatusCode) // to sign in

	r = b.c.Get(t, "/my/sales", authtest.As(&seller)...)
	require.Contains(t, r.Body, "<bdi>&lt;img src=x onerror=alert(1)&gt; مريم</bdi>, <bdi>Bogotá</bdi>")
	require.NotContains(t, r.Body, "Calle 1")
	r = b.c.Get(t, "/notifications", authtest.As(&seller)...)
	require.Contains(t, r.Body, "includes your listing")
	r = b.c.Get(t, "/my/orders", authtest.As(&buyer)...)
	require.Contains(t, r.Body, "<bdi>Dune</bdi> ×2")

	require.Equal(t, http.StatusNotFound, b.c.Post(t, loc+"/cancel", nil, authtest.As(&other)...).StatusCode)
	r = b.c.Post(t, loc+"/cancel", nil, authtest.As(&buyer)...)
	require.Contains(t, b.follow(t, r, &buyer), "You cancelled your order #"+strings.TrimPrefix(loc, "/orders/")+". Nothing was charged.")
	r = b.c.Post(t, loc+"/cancel", nil, authtest.As(&buyer)...)
	require.Contains(t, b.follow(t, r, &buyer), orders.ErrAlreadyCancelled.Message)
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
		r := b.c.Post(t, "/cart/items", v, authtest.As(&buyer)...)
		require.Equal(t, http.StatusSeeOther, r.StatusCode, name)
		to := "/cart"
		if v.Has("quantity") && v.Get("book_id") == id {
			to = "/books/" + id // the book's page shows the quantity again, at its field
		}
		require.Equal(t, to, r.Header.Get("Location"), name)
	}
	require.Equal(t, http.StatusSeeOther, b.c.Post(t, "/cart/items", url.Values{"book_id": {id}}, authtest.As(&seller)...).StatusCode) // own listing: flash
	n, err := b.svc.CartCount(context.Background(), service.Owner{UserID: seller.ID})
	require.NoError(t, err)
	require.Zero(t, n)
	r := b.c.Get(t, "/checkout", authtest.As(&buyer)...)
	require.Contains(t, r.Body, "Your cart is empty")
	r = b.c.Post(t, "/checkout", checkoutForm("k"), authtest.As(&buyer)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	require.Contains(t, r.Body, "your cart is empty")
	r = b.c.Post(t, "/cart/items/1", url.Values{"quantity": {"1"}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
}

// A quantity refused on a line of the cart brings the cart back with what
// was typed on that line and the message under it, tied to its field; the
// other lines are as they were, and the cart is unchanged.
func TestPages_CartQuantityRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	emma := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: seller.ID, Title: "Emma", Copies: 5})
	me := service.Owner{UserID: buyer.ID}
	require.NoError(t, b.svc.SetQuantity(ctx, me, b.book.ID, 1))
	require.NoError(t, b.svc.SetQuantity(ctx, me, emma.ID, 2))
	line := strconv.FormatInt(int64(emma.ID), 10)
	for typed, msg := range map[string]string{
		"two": "enter a whole number",
		"500": "enter a quantity from 1 to 99",
	} {
		r := b.c.Post(t, "/cart/items/"+line, url.Values{"quantity": {typed}}, authtest.As(&buyer)...)
		require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, typed)
		require.Contains(t, r.Body, "<title>Error: Your cart · BookStore</title>")
		require.Contains(t, r.Body, `<input id="q-`+line+`" name="quantity" type="text" inputmode="numeric" value="`+typed+`" aria-invalid="true" aria-describedby="qe-`+line+`">`, "what was typed, tied to its message")
		require.Contains(t, r.Body, `<p class="field-error" id="qe-`+line+`">`+msg+`</p>`)
		require.Contains(t, r.Body, fmt.Sprintf(`<input id="q-%d" name="quantity" type="number" min="1" max="99" value="1">`, b.book.ID), "the other line is as it was")
	}
	c, err := b.svc.Cart(ctx, me)
	require.NoError(t, err)
	require.Equal(t, 2, c.Lines[slices.IndexFunc(c.Lines, func(l service.CartLine) bool { return l.BookID == emma.ID })].Quantity, "nothing changed")

	r := b.c.Post(t, "/cart/items/999999", url.Values{"quantity": {"two"}}, authtest.As(&buyer)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, "a line not in the cart has no field to show the message under")
}

// An "Add to cart" refused for its quantity goes to the book's page, the
// one page with the field, whichever page it came from, carrying what was
// typed and the message for the field (the catalog's page shows them
// there); the message says it at the top too. A refusal with nothing to
// correct in the form goes back to the page it came from with its
// message. Nothing is put in the cart, a visitor's or a member's.
func TestPages_AddToCartRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := strconv.FormatInt(int64(b.book.ID), 10)
	bookPage := "/books/" + id
	// refused is the form the answer's flash sends back to the book's page.
	refused := func(t *testing.T, r webtest.Response) (view.RefusedForm, string) {
		t.Helper()
		require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
		req := httptest.NewRequest(http.MethodGet, r.Header.Get("Location"), nil)
		for _, c := range r.Cookies() {
			req.AddCookie(c)
		}
		f, ok := view.RefusedFormOf(req, view.CartItemsPath)
		require.True(t, ok, "the form goes back with the browser")
		return f, view.TakeFlash(httptest.NewRecorder(), req).Message
	}
	for typed, want := range map[string][2]string{
		"two":   {"enter a whole number", "Quantity: enter a whole number"},
		"0":     {"enter a quantity from 1 to 99", "Quantity: enter a quantity from 1 to 99"},
		"100":   {"enter a quantity from 1 to 99", "Quantity: enter a quantity from 1 to 99"},
		"4":     {"only 3 copies of “\u2068Dune\u2069” are available", "only 3 copies of “\u2068Dune\u2069” are available"},
		" 1.5 ": {"enter a whole number", "Quantity: enter a whole number"},
	} {
		for who, hdr := range map[string][]string{"Member": authtest.As(&buyer), "Visitor": nil} {
			// From the book's page, from another page, and from none
			// named: each ends on the book's page.
			for _, from := range []string{bookPage, "/sellers/2", ""} {
				h := hdr
				if from != "" {
					h = append(slices.Clone(hdr), "Referer", b.c.URL+from)
				}
				r := b.c.Post(t, "/cart/items", url.Values{"book_id": {id}, "quantity": {typed}}, h...)
				require.Equal(t, bookPage, r.Header.Get("Location"), "%s %q from %q", who, typed, from)
				f, msg := refused(t, r)
				require.Equal(t, view.RefusedForm{Action: "/cart/items", Values: map[string]string{"book_id": id, "quantity": typed}, Errors: map[string]string{"quantity": want[0]}}, f, "%s %q", who, typed)
				require.Equal(t, want[1], msg)
			}
		}
	}
	n, err := b.svc.CartCount(context.Background(), service.Owner{UserID: buyer.ID})
	require.NoError(t, err)
	require.Zero(t, n, "nothing was put in the cart")
	require.Zero(t, countRows(t, b.pool, "SELECT count(*) FROM orders.carts"), "nor in a visitor's")

	// More copies than are left, counting those already in the cart.
	require.NoError(t, b.svc.SetQuantity(context.Background(), service.Owner{UserID: buyer.ID}, b.book.ID, 2))
	r := b.c.Post(t, "/cart/items", url.Values{"book_id": {id}, "quantity": {"2"}}, authtest.As(&buyer)...)
	f, _ := refused(t, r)
	require.Equal(t, "only 3 copies of “\u2068Dune\u2069” are available, and your cart already has 2", f.Errors["quantity"])
	c, err := b.svc.Cart(context.Background(), service.Owner{UserID: buyer.ID})
	require.NoError(t, err)
	require.Equal(t, 2, c.Lines[0].Quantity, "the cart is as it was")

	// Nothing to correct in the form: back to the page, the message on top.
	r = b.c.Post(t, "/cart/items", url.Values{"book_id": {id}, "quantity": {"1"}}, append(authtest.As(&seller), "Referer", b.c.URL+bookPage)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	require.Equal(t, bookPage, r.Header.Get("Location"))
	catalogtest.SetStatus(context.Background(), t, b.pool, b.book.ID, catalog.StatusPaused)
	r = b.c.Post(t, "/cart/items", url.Values{"book_id": {id}, "quantity": {"1"}}, append(authtest.As(&other), "Referer", b.c.URL+"/sellers/2")...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	require.Equal(t, "/sellers/2", r.Header.Get("Location"))
	req := httptest.NewRequest(http.MethodGet, "/sellers/2", nil)
	for _, c := range r.Cookies() {
		req.AddCookie(c)
	}
	_, ok := view.RefusedFormOf(req, view.CartItemsPath)
	require.False(t, ok, "no field to show it at")
	require.Equal(t, &view.Flash{Kind: "error", Message: "“\u2068Dune\u2069” is not for sale right now"}, view.TakeFlash(httptest.NewRecorder(), req))

	// A listing that cannot be bought is the reason given whatever was
	// typed, back on the page the form was on: the book's page would have
	// no field to correct (or be gone), and a quantity was never the
	// problem.
	soldOut := catalogtest.CreateBook(context.Background(), t, b.pool, &catalogtest.BookOpts{SellerID: seller.ID, Title: "Emma", PriceCents: 900, Copies: 1})
	catalogtest.Hold(context.Background(), t, b.cat, b.pool, 1, soldOut.ID, 1)
	for name, c := range map[string]struct {
		as   []string
		book string
		want string
	}{
		"Paused":  {authtest.As(&other), id, "“\u2068Dune\u2069” is not for sale right now"},
		"OwnBook": {authtest.As(&seller), id, "you cannot buy your own listing"},
		"Gone":    {authtest.As(&other), "99999", "book not found"},
		"SoldOut": {nil, strconv.FormatInt(int64(soldOut.ID), 10), "“\u2068Emma\u2069” is sold out"},
	} {
		for _, typed := range []string{"two", "0", "100", "2"} {
			r := b.c.Post(t, "/cart/items", url.Values{"book_id": {c.book}, "quantity": {typed}}, append(slices.Clone(c.as), "Referer", b.c.URL+"/books?q=dune")...)
			require.Equal(t, http.StatusSeeOther, r.StatusCode, "%s %q", name, typed)
			require.Equal(t, "/books?q=dune", r.Header.Get("Location"), "%s %q: back to the search", name, typed)
			req := httptest.NewRequest(http.MethodGet, "/books?q=dune", nil)
			for _, c := range r.Cookies() {
				req.AddCookie(c)
			}
			_, ok := view.RefusedFormOf(req, view.CartItemsPath)
			require.False(t, ok, "%s %q: no field to show it at", name, typed)
			require.Equal(t, &view.Flash{Kind: "error", Message: c.want}, view.TakeFlash(httptest.NewRecorder(), req), "%s %q", name, typed)
		}
	}
}

// A cart line that cannot be bought keeps the checkout page from offering
// the order: the page names the line and its problem, sends the buyer back
// to the cart, and shows no total that the lines above it contradict.
func TestPages_CheckoutBlockedLine(t *testing.T) {
	t.Parallel()
	b := setup(t)
	blocked := func(t *testing.T, r webtest.Response, problem string) {
		t.Helper()
		require.Contains(t, r.Body, problem)
		require.Contains(t, r.Body, "Remove or fix the flagged lines")
		require.Contains(t, r.Body, `href="/cart"`)
		require.NotContains(t, r.Body, "Place order")
		require.NotContains(t, r.Body, "Subtotal")
		require.NotContains(t, r.Body, `id="checkout-form"`)
	}

	t.Run("OwnListing", func(t *testing.T) {
		// A visitor fills a cart with their own listing, then signs in.
		r := b.c.Get(t, "/checkout", append(authtest.As(&seller), "Cookie", b.visitorCart(t))...)
		require.Equal(t, http.StatusOK, r.StatusCode)
		blocked(t, r, "this is your own listing")
	})

	t.Run("PausedBesideBuyable", func(t *testing.T) {
		paused := catalogtest.CreateBook(context.Background(), t, b.pool, &catalogtest.BookOpts{SellerID: seller.ID, Title: "Emma", PriceCents: 900, Copies: 5})
		for _, id := range []catalog.BookID{b.book.ID, paused.ID} {
			require.NoError(t, b.svc.SetQuantity(context.Background(), service.Owner{UserID: other.ID}, id, 1))
		}
		catalogtest.SetStatus(context.Background(), t, b.pool, paused.ID, catalog.StatusPaused)
		r := b.c.Get(t, "/checkout", authtest.As(&other)...)
		require.Equal(t, http.StatusOK, r.StatusCode)
		blocked(t, r, "this book is not for sale right now")

		// The order the page would have offered is refused, and the page
		// that says so is the same.
		form := checkoutForm("k")
		form["line"] = []string{strconv.FormatInt(int64(b.book.ID), 10) + ":1:1500", strconv.FormatInt(int64(paused.ID), 10) + ":1:900"}
		r = b.c.Post(t, "/checkout", form, authtest.As(&other)...)
		require.Equal(t, http.StatusConflict, r.StatusCode)
		blocked(t, r, "this book is not for sale right now")
		require.Zero(t, countRows(t, b.pool, "SELECT count(*) FROM orders.orders"))
	})
}

// TestPages_CheckoutAtDeliveryCostShown: an admin reprices the delivery
// the checkout page showed; the order it sends is refused as a changed
// price is, with the new cost named and shown, and nothing is charged.
func TestPages_CheckoutAtDeliveryCostShown(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.c.Post(t, "/cart/items", url.Values{"book_id": {strconv.FormatInt(int64(b.book.ID), 10)}}, authtest.As(&buyer)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	r = b.c.Get(t, "/checkout?country=CO", authtest.As(&buyer)...)
	require.Equal(t, []string{"650"}, webtest.HiddenValues(r.Body, "delivery_cents"), "the form carries the delivery cost shown")
	form := checkoutForm("k")
	form.Set("delivery_provider_id", "4")
	form["line"] = linesShown(t, r.Body)
	form["delivery_cents"] = webtest.HiddenValues(r.Body, "delivery_cents")

	r = b.c.Post(t, "/admin/providers/4", url.Values{"name": {"Servientrega"}, "coverage": {"national"}, "cost": {"9.99"}, "days": {"4"}, "active": {"on"}}, authtest.As(&admin)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
	r = b.c.Post(t, "/checkout", form, authtest.As(&buyer)...)
	require.Equal(t, http.StatusConflict, r.StatusCode, r.Body)
	require.Contains(t, r.Body, "Delivery by Servientrega costs $9.99, not the $6.50 in the total you were shown")
	require.Contains(t, r.Body, "Nothing was charged")
	require.Contains(t, r.Body, "$24.99", "the new total is shown")
	require.Equal(t, []string{"999"}, webtest.HiddenValues(r.Body, "delivery_cents"))
	require.Contains(t, r.Body, `value="Ana"`, "the form keeps what was typed")
	require.Zero(t, countRows(t, b.pool, "SELECT count(*) FROM orders.orders"))
	require.Zero(t, countRows(t, b.pool, "SELECT count(*) FROM orders.payments"))

	form["delivery_cents"] = []string{"6.50"}
	r = b.c.Post(t, "/checkout", form, authtest.As(&buyer)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, r.Body)
	require.Contains(t, r.Body, "The delivery cost this page showed could not be read")

	form["delivery_cents"] = webtest.HiddenValues(r.Body, "delivery_cents")
	r = b.c.Post(t, "/checkout", form, authtest.As(&buyer)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
	require.Equal(t, 1, countRows(t, b.pool, "SELECT count(*) FROM orders.payments WHERE amount_cents = 2499"))
}

// TestAPI_PlaceAtDeliveryCostShown: a client that sends the delivery cost
// it showed is refused with 409 orders.cart_changed when the provider was
// repriced since; one that sends none is charged the cost now.
func TestAPI_PlaceAtDeliveryCostShown(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := strconv.FormatInt(int64(b.book.ID), 10)
	require.Equal(t, http.StatusOK, b.c.JSON(t, http.MethodPut, "/api/v1/cart/items/"+id, `{"quantity":1}`, authtest.As(&buyer)...).StatusCode)
	_, err := b.pool.Exec(context.Background(), "UPDATE orders.delivery_providers SET cost_cents = 999 WHERE id = 4")
	require.NoError(t, err)
	body := func(delivery string) string {
		return `{"lines":[{"book_id":` + id + `,"quantity":1,"price_cents":1500}],"shipping_address":{"name":"A","street":"B","city":"C","region":"D","postal_code":"1","country":"CO"},"delivery_provider_id":4` +
			delivery + `,"payment":{"method":"wallet"}}`
	}
	r := b.c.JSON(t, http.MethodPost, "/api/v1/orders", body(`,"delivery_cents":650`), append(authtest.As(&buyer), "Idempotency-Key", "shown")...)
	require.Equal(t, http.StatusConflict, r.StatusCode, r.Body)
	require.Contains(t, r.Body, "orders.cart_changed")
	require.Contains(t, r.Body, "costs $9.99, not the $6.50")
	require.Zero(t, countRows(t, b.pool, "SELECT count(*) FROM orders.orders"))

	r = b.c.JSON(t, http.MethodPost, "/api/v1/orders", body(`,"delivery_cents":-1`), append(authtest.As(&buyer), "Idempotency-Key", "bad")...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, r.Body)
	require.Contains(t, r.Body, `"delivery_cents"`)

	r = b.c.JSON(t, http.MethodPost, "/api/v1/orders", body(`,"delivery_cents":999`), append(authtest.As(&buyer), "Idempotency-Key", "new")...)
	require.Equal(t, http.StatusCreated, r.StatusCode, r.Body)
	require.Contains(t, r.Body, `"total_cents":2499`)
}

// TestPages_CartSubtotalCoversWhatCanBeBought: beside a line that cannot
// be bought, the cart page and the API count no total for it, and the
// subtotal says what it covers, so the figures shown add up.
func TestPages_CartSubtotalCoversWhatCanBeBought(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	gone := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: seller.ID, Title: "Emma", PriceCents: 1554, Copies: 5})
	require.NoError(t, b.svc.SetQuantity(ctx, service.Owner{UserID: buyer.ID}, b.book.ID, 1))
	require.NoError(t, b.svc.SetQuantity(ctx, service.Owner{UserID: buyer.ID}, gone.ID, 2))
	_, err := b.pool.Exec(ctx, "DELETE FROM catalog.books WHERE id = $1", int64(gone.ID))
	require.NoError(t, err)

	r := b.c.Get(t, "/cart", authtest.As(&buyer)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Contains(t, r.Body, "Subtotal of the 1 book you can buy: $15.00")
	require.Contains(t, r.Body, "not counted")
	require.NotContains(t, r.Body, "$31.08", "no line total for the line that cannot be bought")

	r = b.c.JSON(t, http.MethodGet, "/api/v1/cart", "", authtest.As(&buyer)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	var c service.Cart
	require.NoError(t, json.Unmarshal([]byte(r.Body), &c))
	require.Len(t, c.Lines, 2)
	var sum int64
	for _, l := range c.Lines {
		sum += l.LineCents
	}
	require.Equal(t, int64(1500), c.SubtotalCents)
	require.Equal(t, c.SubtotalCents, sum, "the lines add up to the subtotal")
	require.Equal(t, 1, c.SubtotalCount)
}

func TestPages_VisitorCartMergedAtSignIn(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cookie := b.visitorCart(t)
	r := b.c.Get(t, "/cart", "Cookie", cookie)
	require.Contains(t, r.Body, "Sign in to check out")
	// The buyer's own cart already holds two copies of another book.
	other := catalogtest.CreateBook(context.Background(), t, b.pool, &catalogtest.BookOpts{SellerID: seller.ID, Title: "Emma", PriceCents: 900, Copies: 5})
	require.NoError(t, b.svc.SetQuantity(context.Background(), service.Owner{UserID: buyer.ID}, other.ID, 2))

	// Browsing only reads: the header counts both carts as they will
	// merge, and the visitor cart stays until a cart action.
	r = b.c.Get(t, "/notifications", append(authtest.As(&buyer), "Cookie", cookie)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Contains(t, r.Body, "data-cart-count>3<")
	require.Empty(t, r.Header.Values("Set-Cookie"))

	r = b.c.Get(t, "/cart", append(authtest.As(&buyer), "Cookie", cookie)...)
	require.Contains(t, r.Body, "Dune")
	require.Contains(t, strings.Join(r.Header.Values("Set-Cookie"), "\n"), httpcart.CookieName+"=;")
	n, err := b.svc.CartCount(context.Background(), service.Owner{UserID: buyer.ID})
	require.NoError(t, err)
	require.Equal(t, 3, n)
}

func TestPages_AdminCreateProvider(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.c.Get(t, "/admin/providers", authtest.As(&admin)...)
	require.Contains(t, r.Body, `<form method="post" action="/admin/providers" class="provider">`)
	require.Contains(t, r.Body, `id="active-new" type="checkbox" name="active" value="on" checked`, "a new provider is offered at checkout unless unticked")

	r = b.c.Post(t, "/admin/providers", url.Values{"name": {""}, "coverage": {"space"}, "cost": {"abc"}, "days": {"x"}}, authtest.As(&admin)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	for _, msg := range []string{"enter the name", "choose national or international", "enter a cost such as 12.50", "enter a whole number of days"} {
		require.Contains(t, r.Body, msg, "every field's message at once")
	}
	require.Contains(t, r.Body, `id="cost-new" name="cost" type="text" value="abc"`, "what was typed comes back as typed")
	require.Contains(t, r.Body, `id="days-new" name="days" type="text" value="x" dir="auto" inputmode="numeric"`)
	require.NotContains(t, r.Body, `id="active-new" type="checkbox" name="active" value="on" checked`, "unticked stays unticked")

	r = b.c.Post(t, "/admin/providers", url.Values{"name": {"DHL"}, "coverage": {"national"}, "cost": {"3"}, "days": {"1"}, "active": {"on"}}, authtest.As(&admin)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, "a taken name is the name's error, not a 500")
	require.Contains(t, r.Body, "another provider has this name")
	require.Contains(t, r.Body, `id="name-new" name="name" type="text" value="DHL"`)

	r = b.c.Post(t, "/admin/providers", url.Values{"name": {"Rappi"}, "coverage": {"national"}, "cost": {"3.00"}, "days": {"1"}, "active": {"on"}}, authtest.As(&admin)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
	require.Equal(t, "/admin/providers", r.Header.Get("Location"))
	r = b.c.Get(t, "/admin/providers", append(authtest.As(&admin), "Cookie", flashOf(t, r))...)
	require.Contains(t, r.Body, "\u2068Rappi\u2069 added; checkouts offer it for national addresses.")
	require.Contains(t, r.Body, "<legend>Rappi</legend>", "listed to be edited")
	r = b.c.Post(t, "/admin/providers", url.Values{"name": {"Quiet"}, "coverage": {"national"}, "cost": {"1"}, "days": {"9"}}, authtest.As(&admin)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
	require.Contains(t, b.c.Get(t, "/admin/providers", append(authtest.As(&admin), "Cookie", flashOf(t, r))...).Body, "\u2068Quiet\u2069 added; checkouts do not offer it until you tick Offered at checkout.")
	require.Equal(t, http.StatusForbidden, b.c.Post(t, "/admin/providers", url.Values{"name": {"Mine"}, "coverage": {"national"}, "cost": {"1"}, "days": {"1"}}, authtest.As(&buyer)...).StatusCode)

	ps, err := b.svc.ProvidersFor(context.Background(), "CO")
	require.NoError(t, err)
	var rappi service.Provider
	for _, p := range ps {
		require.NotEqual(t, "Quiet", p.Name, "an inactive provider is not offered")
		if p.Name == "Rappi" {
			rappi = p
		}
	}
	require.Equal(t, service.Provider{ID: rappi.ID, Name: "Rappi", Coverage: "national", CostCents: 300, Days: 1, Active: true}, rappi)
	provider := strconv.FormatInt(rappi.ID, 10)
	r = b.c.Post(t, "/cart/items", url.Values{"book_id": {strconv.FormatInt(int64(b.book.ID), 10)}}, authtest.As(&buyer)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	r = b.c.Get(t, "/checkout?country=CO", authtest.As(&buyer)...)
	require.Contains(t, r.Body, "Rappi", "offered at checkout for the address it covers")
	form := checkoutForm("rappi")
	form["line"] = linesShown(t, r.Body)
	form.Set("delivery_provider_id", provider)
	form["delivery_cents"] = webtest.HiddenValues(r.Body, "delivery_cents")
	r = b.c.Post(t, "/checkout", form, authtest.As(&buyer)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
	require.Equal(t, 1, countRows(t, b.pool, "SELECT count(*) FROM orders.orders WHERE provider_name = 'Rappi' AND delivery_cents = 300"))
}

// TestAPI_VisitorCartMergedAtSignIn: each cart endpoint of the API takes in
// the visitor cart the cookie carries, as a page's cart action does, for a
// script signed in by the session cookie, and drops the cookie.
func TestAPI_VisitorCartMergedAtSignIn(t *testing.T) {
	t.Parallel()
	b := setup(t)
	emma := catalogtest.CreateBook(context.Background(), t, b.pool, &catalogtest.BookOpts{SellerID: seller.ID, Title: "Emma", PriceCents: 900, Copies: 5})
	emmaPath := fmt.Sprintf("/api/v1/cart/items/%d", emma.ID)
	for _, c := range []struct {
		name         string
		user         *auth.User
		method, path string
		body         string
		want         map[catalog.BookID]int
	}{
		{"Get", &buyer, http.MethodGet, "/api/v1/cart", "", map[catalog.BookID]int{b.book.ID: 1, emma.ID: 2}},
		{"Put", &other, http.MethodPut, emmaPath, `{"quantity":1}`, map[catalog.BookID]int{b.book.ID: 1, emma.ID: 1}},
		{"Delete", &admin, http.MethodDelete, emmaPath, "", map[catalog.BookID]int{b.book.ID: 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The user's own cart already holds two copies of another book.
			require.NoError(t, b.svc.SetQuantity(context.Background(), service.Owner{UserID: c.user.ID}, emma.ID, 2))
			r := b.c.JSON(t, c.method, c.path, c.body, append(authtest.As(c.user), "Cookie", b.visitorCart(t))...)
			require.Equal(t, http.StatusOK, r.StatusCode, r.Body)
			require.Contains(t, strings.Join(r.Header.Values("Set-Cookie"), "\n"), httpcart.CookieName+"=;", "the visitor cookie is dropped")
			var answered service.Cart
			require.NoError(t, json.Unmarshal([]byte(r.Body), &answered))
			got := map[catalog.BookID]int{}
			for _, l := range answered.Lines {
				got[l.BookID] = l.Quantity
			}
			require.Equal(t, c.want, got, "the answer holds the merged cart")
			stored, err := b.svc.Cart(context.Background(), service.Owner{UserID: c.user.ID})
			require.NoError(t, err)
			require.Equal(t, answered, stored, "and the merge is kept")
		})
	}
}

// TestAPI_BearerRequestMergesNoVisitorCart: a request with a bearer token
// acts for the token's account, not for the browser whose visitor cookie
// it may carry: it leaves that cart, and the cookie, as they are.
func TestAPI_BearerRequestMergesNoVisitorCart(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	cookie := b.visitorCart(t)
	visitor := service.Owner{VisitorID: strings.TrimPrefix(cookie, httpcart.CookieName+"=")}
	before, err := b.svc.Cart(ctx, visitor)
	require.NoError(t, err)
	require.NotEmpty(t, before.Lines)

	emma := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: seller.ID, Title: "Emma", PriceCents: 900, Copies: 5})
	emmaPath := fmt.Sprintf("/api/v1/cart/items/%d", emma.ID)
	for _, c := range []struct {
		method, path, body string
		want               int
	}{
		{http.MethodGet, "/api/v1/cart", "", 0},
		{http.MethodPut, emmaPath, `{"quantity":2}`, 1},
		{http.MethodDelete, emmaPath, "", 0},
	} {
		r := b.c.JSON(t, c.method, c.path, c.body, append(authtest.As(&other), "Authorization", "Bearer test-token", "Cookie", cookie)...)
		require.Equal(t, http.StatusOK, r.StatusCode, r.Body)
		require.Empty(t, r.Header.Values("Set-Cookie"), c.method+": the visitor cookie stays")
		var answered service.Cart
		require.NoError(t, json.Unmarshal([]byte(r.Body), &answered))
		require.Len(t, answered.Lines, c.want, c.method+": the token's account took in no visitor cart")
		after, err := b.svc.Cart(ctx, visitor)
		require.NoError(t, err)
		require.Equal(t, before.Lines, after.Lines, c.method+": the visitor cart is the browser's still")
	}
}

// TestAPI_MaxLengthCountsSpaces: a text's maxLength counts the text as
// sent, as the document's maxLength does: the longest text with a space
// after it is refused, naming the field, though trimmed it would fit.
func TestAPI_MaxLengthCountsSpaces(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body := func(at string) string {
		return "/paths/" + strings.ReplaceAll(at, "/", "~1") + "/post/requestBody/content/application~1json/schema/properties/"
	}
	address := `{"name":"Ana","street":"Calle 1","city":"Bogotá","region":"DC","postal_code":"110111","country":"CO"}`
	for _, c := range []struct {
		user             *auth.User
		path, doc, field string
		json             func(v string) string
	}{
		{&buyer, "/api/v1/orders/1/reviews", body("/api/v1/orders/{id}/reviews") + "comment", "comment",
			func(v string) string { return `{"seller_id":2,"rating":5,"comment":` + v + `}` }},
		{&seller, "/api/v1/reviews/1/reply", body("/api/v1/reviews/{id}/reply") + "reply", "reply",
			func(v string) string { return `{"reply":` + v + `}` }},
		{&admin, "/api/v1/reviews/1/hide", body("/api/v1/reviews/{id}/hide") + "reason", "reason",
			func(v string) string { return `{"reason":` + v + `}` }},
		{&admin, "/api/v1/orders/1/cancel", body("/api/v1/orders/{id}/cancel") + "reason", "reason",
			func(v string) string { return `{"reason":` + v + `}` }},
	} {
		max := int(apitest.At(t, c.doc+"/maxLength").(float64))
		r := b.c.JSON(t, http.MethodPost, c.path, c.json(strconv.Quote(strings.Repeat("é", max)+" ")), authtest.As(c.user)...)
		require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, c.path+": "+r.Body)
		require.Contains(t, r.Body, `"fields":{"`+c.field+`":"must be at most `+strconv.Itoa(max)+` characters"}`, c.path)
	}
	for _, field := range []string{"name", "street", "city", "region", "postal_code"} {
		max := int(apitest.At(t, "/components/schemas/Address/properties/"+field+"/maxLength").(float64))
		var a map[string]string
		require.NoError(t, json.Unmarshal([]byte(address), &a))
		a[field] = strings.Repeat("é", max) + " "
		sent, err := json.Marshal(map[string]any{"lines": []map[string]int64{{"book_id": int64(b.book.ID), "quantity": 1, "price_cents": 1500}},
			"shipping_address": a, "delivery_provider_id": 3, "payment": map[string]string{"method": "wallet"}})
		require.NoError(t, err)
		r := b.c.JSON(t, http.MethodPost, "/api/v1/orders", string(sent), append(authtest.As(&buyer), "Idempotency-Key", "k-"+field)...)
		require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, field+": "+r.Body)
		require.Contains(t, r.Body, `"fields":{"shipping_address.`+field+`":"must be at most `+strconv.Itoa(max)+` characters"}`, field)
	}
}

func TestPages_Admin(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, p := range []string{"/admin/orders", "/admin/jobs", "/admin/providers"} {
		require.Equal(t, http.StatusForbidden, b.c.Get(t, p, authtest.As(&buyer)...).StatusCode, p)
		require.Equal(t, http.StatusOK, b.c.Get(t, p, authtest.As(&admin)...).StatusCode, p)
	}
	r := b.c.Get(t, "/admin/orders?status=nope", authtest.As(&admin)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	require.Contains(t, r.Body, `<form method="get" action="/admin/orders"`, "the filter comes back to be fixed")
	require.Contains(t, r.Body, "unknown status")
	for p, first := range map[string]string{"/admin/orders?status=paid&page=4": "/admin/orders?status=paid", "/my/orders?page=2": "/my/orders", "/notifications?page=3": "/notifications"} {
		r := b.c.Get(t, p, authtest.As(&admin)...)
		require.Equal(t, http.StatusSeeOther, r.StatusCode, "%s: past the end of the list", p)
		require.Equal(t, first, r.Header.Get("Location"))
	}
	r = b.c.Post(t, "/admin/providers/3", url.Values{"name": {"Envia"}, "coverage": {"national"}, "cost": {"9.50"}, "days": {"2"}, "active": {"on"}}, authtest.As(&admin)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	ps, err := b.svc.ProvidersFor(context.Background(), "CO")
	require.NoError(t, err)
	require.Contains(t, ps, service.Provider{ID: 3, Name: "Envia", Coverage: "national", CostCents: 950, Days: 2, Active: true})
	r = b.c.Post(t, "/admin/providers/3", url.Values{"name": {""}, "coverage": {"space"}, "cost": {"-1"}, "days": {"x"}}, authtest.As(&admin)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	for _, msg := range []string{"enter the name", "choose national or international", "enter a whole number of days"} {
		require.Contains(t, r.Body, msg, "every field's message at once")
	}
	require.Contains(t, r.Body, "enter a cost from 0 to 100000", "a negative cost parses, and the service refuses it")
	require.Contains(t, r.Body, `name="days" type="text" value="x" dir="auto" inputmode="numeric" aria-invalid="true"`,
		"what was typed comes back as typed, in a field that shows it (a browser empties a number input holding no number)")
	r = b.c.Post(t, "/admin/providers/3", url.Values{"name": {"Envia"}, "coverage": {"national"}, "cost": {"999999999999.99"}, "days": {"2"}}, authtest.As(&admin)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	require.Contains(t, r.Body, "enter a cost from 0 to 100000", "a cost too large to hold gets the bound too")
	require.Equal(t, http.StatusForbidden, b.c.Post(t, "/admin/providers/3", url.Values{"name": {"X"}}, authtest.As(&buyer)...).StatusCode)
	// A job no longer in its queue (cleaned up since the list was shown):
	// back to the list as it was, saying so.
	for path, want := range map[string]string{
		"/admin/jobs/local/999999/retry": "Job 999999 was not found in the local queue",
		"/admin/jobs/nowhere/1/cancel":   "Job 1 was not found in the nowhere queue",
	} {
		r = b.c.Post(t, path, url.Values{"next": {"/admin/jobs?state=failed"}}, authtest.As(&admin)...)
		require.Equal(t, http.StatusSeeOther, r.StatusCode, path)
		require.Equal(t, "/admin/jobs?state=failed", r.Header.Get("Location"), path)
		r = b.c.Get(t, "/admin/jobs?state=failed", append(authtest.As(&admin), "Cookie", flashOf(t, r))...)
		require.Contains(t, r.Body, want, path)
	}
	ctx := context.Background()
	var jobID int64
	require.NoError(t, b.pool.QueryRow(ctx, `INSERT INTO river.river_job (kind, args, state, finalized_at, max_attempts, attempt, errors)
		VALUES ('orders.charge_payment', '{"order_id":42}', 'discarded', now(), 25, 25,
		ARRAY['{"at":"2026-01-01T00:00:00Z","attempt":25,"error":"payment processor unavailable","trace":""}'::jsonb]) RETURNING id`).Scan(&jobID))
	retry, cancel := fmt.Sprintf("/admin/jobs/local/%d/retry", jobID), fmt.Sprintf("/admin/jobs/local/%d/cancel", jobID)
	r = b.c.Get(t, "/admin/jobs?state=failed", authtest.As(&admin)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Contains(t, r.Body, "attempt 25: payment processor unavailable")
	require.Contains(t, r.Body, `<code>{&#34;order_id&#34;: 42}</code>`)
	require.Contains(t, r.Body, retry)
	require.NotContains(t, r.Body, cancel, "a discarded job has ended; there is nothing to cancel")
	require.NotContains(t, b.c.Get(t, "/admin/jobs?state=completed", authtest.As(&admin)...).Body, "payment processor unavailable")
	require.Contains(t, b.c.Get(t, "/admin/jobs?kind=orders.charge_payment", authtest.As(&admin)...).Body, "payment processor unavailable")
	r = b.c.Get(t, "/admin/jobs?kind=orders.carry_shipments", authtest.As(&admin)...)
	require.NotContains(t, r.Body, "payment processor unavailable")
	require.Contains(t, r.Body, "No job matches.")
	r = b.c.Get(t, "/admin/jobs?state=asleep&kind=orders.carry_shipments", authtest.As(&admin)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	require.Contains(t, r.Body, "choose one of the states offered")
	require.Contains(t, r.Body, `value="orders.carry_shipments"`, "the filter keeps what the admin typed")

	// An action returns to the list as it was filtered, and never off the site.
	back := url.Values{"next": {"/admin/jobs?state=failed&page=2"}}
	r = b.c.Post(t, retry, back, authtest.As(&admin)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	require.Equal(t, "/admin/jobs?state=failed&page=2", r.Header.Get("Location"))
	var state string
	require.NoError(t, b.pool.QueryRow(ctx, "SELECT state FROM river.river_job WHERE id = $1", jobID).Scan(&state))
	require.Equal(t, "available", state)
	r = b.c.Get(t, "/admin/jobs?state=available", authtest.As(&admin)...)
	require.Contains(t, r.Body, cancel, "a job waiting to run can be cancelled")
	require.NotContains(t, r.Body, retry)
	r = b.c.Post(t, cancel, url.Values{"next": {"https://evil.example/admin/jobs"}}, authtest.As(&admin)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	require.Equal(t, "/admin/jobs", r.Header.Get("Location"))
	require.NoError(t, b.pool.QueryRow(ctx, "SELECT state FROM river.river_job WHERE id = $1", jobID).Scan(&state))
	require.Equal(t, "cancelled", state)
	back = url.Values{"next": {"/admin/jobs?kind=orders.charge_payment"}}
	r = b.c.Post(t, cancel, back, authtest.As(&admin)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, "the cancel sent twice")
	require.Equal(t, "/admin/jobs?kind=orders.charge_payment", r.Header.Get("Location"))
	said := func(r webtest.Response) string {
		t.Helper()
		return b.c.Get(t, r.Header.Get("Location"), append(authtest.As(&admin), "Cookie", flashOf(t, r))...).Body
	}
	require.Contains(t, said(r), fmt.Sprintf("job %d is cancelled: only a job still to run can be cancelled.", jobID))
	_, err = b.pool.Exec(ctx, "UPDATE river.river_job SET state = 'completed' WHERE id = $1", jobID)
	require.NoError(t, err)
	r = b.c.Post(t, retry, back, authtest.As(&admin)...)
	require.Contains(t, said(r), fmt.Sprintf("job %d is completed: only a job that failed or was cancelled runs again.", jobID), "a completed job did its work")
	require.NoError(t, b.pool.QueryRow(ctx, "SELECT state FROM river.river_job WHERE id = $1", jobID).Scan(&state))
	require.Equal(t, "completed", state)
	require.Equal(t, http.StatusForbidden, b.c.Post(t, "/admin/jobs/local/1/cancel", nil, authtest.As(&buyer)...).StatusCode)
}

func TestPages_AdminOutbox(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	require.Equal(t, http.StatusForbidden, b.c.Get(t, "/admin/outbox", authtest.As(&buyer)...).StatusCode)
	r := b.c.Get(t, "/admin/outbox", authtest.As(&admin)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Contains(t, r.Body, "No emails yet.")

	outbox := mail.NewOutbox(nil, "https://shop.example.com", false)
	for i := range service.OutboxPage + 2 {
		tx, err := b.pool.Begin(ctx)
		require.NoError(t, err)
		_, err = outbox.Write(ctx, tx, mail.Message{Kind: "auth.password_reset", To: fmt.Sprintf("u%d@example.com", i), Subject: fmt.Sprintf("Reset %d", i),
			Body: "Choose a new password here:\n\n" + outbox.Link(fmt.Sprintf("/password/reset?token=t%d", i)) + "\n<script>x</script>"})
		require.NoError(t, err)
		require.NoError(t, tx.Commit(ctx))
	}
	r = b.c.Get(t, "/admin/outbox", authtest.As(&admin)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	last := service.OutboxPage + 1
	require.Contains(t, r.Body, fmt.Sprintf("Reset %d", last), "newest first")
	require.Contains(t, r.Body, fmt.Sprintf(`<a href="https://shop.example.com/password/reset?token=t%d">`, last), "links are clickable")
	require.Contains(t, r.Body, "stored, not sent")
	require.NotContains(t, r.Body, "<script>x</script>")
	require.NotContains(t, r.Body, ">Reset 1<", "the oldest are on the next page")
	next := regexp.MustCompile(`href="(/admin/outbox\?[^"]+)" rel="next"`).FindStringSubmatch(r.Body)
	require.Len(t, next, 2, r.Body)
	r = b.c.Get(t, html.UnescapeString(next[1]), authtest.As(&admin)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Contains(t, r.Body, ">Reset 0<")
	require.Contains(t, r.Body, ">Reset 1<")
	require.NotContains(t, r.Body, fmt.Sprintf(">Reset %d<", last))
	require.NotContains(t, r.Body, `rel="next"`)
	require.Equal(t, http.StatusBadRequest, b.c.Get(t, "/admin/outbox?before=yesterday&before_id=1", authtest.As(&admin)...).StatusCode)
}

// The admin's orders name the buyer and the sellers as they were at
// checkout; the order page names them too, and a seller sees only their
// own lines and no seller column.
func TestPages_AdminOrdersNamePeople(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	second := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: other.ID, SellerName: "Olga Tokarczuk", Title: "Flights", PriceCents: 900})
	owner := service.Owner{UserID: buyer.ID}
	require.NoError(t, b.svc.SetQuantity(ctx, owner, b.book.ID, 1))
	require.NoError(t, b.svc.SetQuantity(ctx, owner, second.ID, 1))
	cart, err := b.svc.Cart(ctx, owner)
	require.NoError(t, err)
	o, err := b.svc.Place(ctx, buyer, service.PlaceInput{Key: "names", Lines: cart.Seen(),
		Address:    service.Address{Name: "Ana", Street: "Calle 1", City: "Bogotá", Region: "DC", PostalCode: "110111", Country: "CO"},
		ProviderID: 3, DeliveryCents: new(int64(800)), Payment: service.PaymentInput{Method: orders.MethodWallet}})
	require.NoError(t, err)

	r := b.c.Get(t, "/admin/orders", authtest.As(&admin)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Contains(t, r.Body, `<td data-label="Buyer" dir="auto">Buyer</td>`)
	require.Contains(t, r.Body, `<td data-label="Sellers"> <bdi>`+b.book.SellerName+`</bdi>,  <bdi>Olga Tokarczuk</bdi></td>`)
	page := fmt.Sprintf("/orders/%d", o.ID)
	r = b.c.Get(t, page, authtest.As(&admin)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Contains(t, r.Body, "by <bdi>Buyer</bdi>")
	require.Contains(t, r.Body, `<td data-label="Seller" dir="auto">Olga Tokarczuk</td>`)
	r = b.c.Get(t, page, authtest.As(&other)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.NotContains(t, r.Body, `data-label="Seller"`)
	require.NotContains(t, r.Body, "Dune", "another seller's line stays hidden")
}

func TestAPI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	path := fmt.Sprintf("/api/v1/cart/items/%d", b.book.ID)
	id := strconv.FormatInt(int64(b.book.ID), 10)

	t.Run("Authorization", func(t *testing.T) {
		for _, p := range []string{"/api/v1/cart", "/api/v1/orders", "/api/v1/sales", "/api/v1/notifications", "/api/v1/orders/1"} {
			r := b.c.JSON(t, http.MethodGet, p, "")
			require.Equal(t, http.StatusUnauthorized, r.StatusCode, p)
			require.Contains(t, r.Body, `"code":"auth.unauthenticated"`)
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
			r := b.c.JSON(t, http.MethodPut, path, body, authtest.As(&buyer)...)
			require.GreaterOrEqual(t, r.StatusCode, 400, name)
			require.Less(t, r.StatusCode, 500, name)
			require.Contains(t, r.Body, `"error"`, name)
		}
		require.Equal(t, http.StatusNotFound, b.c.JSON(t, http.MethodPut, "/api/v1/cart/items/abc", `{"quantity":1}`, authtest.As(&buyer)...).StatusCode)
		require.Equal(t, http.StatusForbidden, b.c.JSON(t, http.MethodPut, path, `{"quantity":1}`, authtest.As(&seller)...).StatusCode)
	})

	t.Run("Providers", func(t *testing.T) {
		r := b.c.JSON(t, http.MethodGet, "/api/v1/delivery-providers?country=us", "")
		require.Equal(t, http.StatusOK, r.StatusCode)
		require.Contains(t, r.Body, "DHL")
		require.NotContains(t, r.Body, "Envia")
		require.Equal(t, http.StatusUnprocessableEntity, b.c.JSON(t, http.MethodGet, "/api/v1/delivery-providers?country=Colombia", "").StatusCode)
		require.Equal(t, http.StatusUnprocessableEntity, b.c.JSON(t, http.MethodGet, "/api/v1/delivery-providers", "").StatusCode)
	})

	t.Run("PlaceAndCancel", func(t *testing.T) {
		require.Equal(t, http.StatusOK, b.c.JSON(t, http.MethodPut, path, `{"quantity":1}`, authtest.As(&buyer)...).StatusCode)
		body := `{"lines":[{"book_id":` + id + `,"quantity":1,"price_cents":1500}],"shipping_address":{"name":"مريم","street":"Calle 1","city":"Cali","region":"VC","postal_code":"760001","country":"CO"},"delivery_provider_id":4,"delivery_cents":650,"payment":{"method":"wallet"}}`
		r := b.c.JSON(t, http.MethodPost, "/api/v1/orders", body, authtest.As(&buyer)...)
		require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode) // no Idempotency-Key
		r = b.c.JSON(t, http.MethodPost, "/api/v1/orders", body, append(authtest.As(&buyer), "Idempotency-Key", "a1")...)
		require.Equal(t, http.StatusCreated, r.StatusCode, r.Body)
		for _, f := range []string{`"status":"awaiting_payment"`, `"subtotal_cents":1500`, `"delivery_cents":650`, `"total_cents":2150`, `"method":"wallet"`, `"shipment":null`, `"title":"Dune"`, `"price_cents":1500`, "مريم"} {
			require.Contains(t, r.Body, f)
		}
		r = b.c.JSON(t, http.MethodPost, "/api/v1/orders", body, append(authtest.As(&buyer), "Idempotency-Key", "a0")...)
		require.Equal(t, http.StatusConflict, r.StatusCode, "the cart checks out once")
		require.Contains(t, r.Body, "orders.cart_changed")
		again := b.c.JSON(t, http.MethodPost, "/api/v1/orders", body, append(authtest.As(&buyer), "Idempotency-Key", "a1")...)
		require.Equal(t, http.StatusCreated, again.StatusCode)
		changed := strings.Replace(body, "Cali", "Pasto", 1)
		r = b.c.JSON(t, http.MethodPost, "/api/v1/orders", changed, append(authtest.As(&buyer), "Idempotency-Key", "a1")...)
		require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
		require.Contains(t, r.Body, "orders.idempotency_key_reused")

		r = b.c.JSON(t, http.MethodGet, "/api/v1/orders", "", authtest.As(&buyer)...)
		require.Equal(t, http.StatusOK, r.StatusCode)
		require.Equal(t, 1, strings.Count(r.Body, `"id":`))
		require.Equal(t, http.StatusNotFound, b.c.JSON(t, http.MethodPost, "/api/v1/orders/1/cancel", "", authtest.As(&other)...).StatusCode)
		r = b.c.JSON(t, http.MethodPost, "/api/v1/orders/1/cancel", "", authtest.As(&buyer)...)
		require.Equal(t, http.StatusOK, r.StatusCode)
		require.Contains(t, r.Body, `"status":"cancelled"`)
		require.Equal(t, http.StatusConflict, b.c.JSON(t, http.MethodPost, "/api/v1/orders/1/cancel", "", authtest.As(&buyer)...).StatusCode)
		require.Equal(t, http.StatusOK, b.c.JSON(t, http.MethodGet, "/api/v1/sales", "", authtest.As(&seller)...).StatusCode)
		r = b.c.JSON(t, http.MethodGet, "/api/v1/notifications?limit=5", "", authtest.As(&buyer)...)
		require.Contains(t, r.Body, `"unread":2`)
		require.Equal(t, http.StatusUnprocessableEntity, b.c.JSON(t, http.MethodGet, "/api/v1/notifications?limit=abc", "", authtest.As(&buyer)...).StatusCode)
	})

	t.Run("PlaceRejections", func(t *testing.T) {
		require.Equal(t, http.StatusOK, b.c.JSON(t, http.MethodPut, path, `{"quantity":1}`, authtest.As(&buyer)...).StatusCode)
		for name, tc := range map[string]struct {
			body   string
			status int
			want   string
		}{
			"Empty":         {`{}`, 422, `"payment.method"`},
			"WrongType":     {`{"delivery_provider_id":"3"}`, 400, "delivery_provider_id"},
			"Extra":         {`{"total_cents":1}`, 400, "total_cents"},
			"CountryNoProv": {`{"shipping_address":{"name":"A","street":"B","city":"C","region":"D","postal_code":"1","country":"US"},"delivery_provider_id":4,"payment":{"method":"wallet"}}`, 422, "does not deliver to US"},
			"Declined":      {`{"shipping_address":{"name":"A","street":"B","city":"C","region":"D","postal_code":"1","country":"CO"},"delivery_provider_id":4,"payment":{"method":"card","card":{"number":"4242","exp_month":13,"exp_year":1999,"cvc":"1"}}}`, 422, `"payment.card.cvc"`},
			"Method":        {`{"payment":{"method":"cash"}}`, 422, "choose card, wallet or bank transfer"},
		} {
			r := b.c.JSON(t, http.MethodPost, "/api/v1/orders", tc.body, append(authtest.As(&buyer), "Idempotency-Key", "r-"+name)...)
			require.Equal(t, tc.status, r.StatusCode, name+": "+r.Body)
			require.Contains(t, r.Body, tc.want, name)
		}

		// Each message is named by its field's path in the body, as a
		// client finds the field to mark. (No region is asked of an
		// address whose country is not known.)
		r := b.c.JSON(t, http.MethodPost, "/api/v1/orders", `{"shipping_address":{"country":"Colombia"},"payment":{"method":"card","card":{"number":"4242","exp_month":1,"exp_year":29,"cvc":"1"}}}`,
			append(authtest.As(&buyer), "Idempotency-Key", "r-paths")...)
		require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, r.Body)
		var e struct {
			Error struct{ Fields map[string]string }
		}
		require.NoError(t, json.Unmarshal([]byte(r.Body), &e))
		require.ElementsMatch(t, []string{"shipping_address.name", "shipping_address.street", "shipping_address.city",
			"shipping_address.postal_code", "shipping_address.country", "delivery_provider_id", "payment.card.number", "payment.card.exp_year", "payment.card.cvc"},
			slices.Collect(maps.Keys(e.Error.Fields)))
		seen := `{"lines":[{"book_id":` + id + `,"quantity":1,"price_cents":1500}],"shipping_address":{"name":"A","street":"B","city":"C","region":"D","postal_code":"1","country":"CO"},"delivery_provider_id":4,"delivery_cents":650,"payment":{"method":"wallet"}}`
		catalogtest.SetPrice(context.Background(), t, b.pool, b.book.ID, 990_000)
		r = b.c.JSON(t, http.MethodPost, "/api/v1/orders", seen, append(authtest.As(&buyer), "Idempotency-Key", "raised")...)
		require.Equal(t, http.StatusConflict, r.StatusCode)
		require.Contains(t, r.Body, "orders.cart_changed")
		require.Contains(t, r.Body, "changed from $15.00 to $9,900.00")
		catalogtest.SetPrice(context.Background(), t, b.pool, b.book.ID, 1500)
		catalogtest.SetStatus(context.Background(), t, b.pool, b.book.ID, catalog.StatusPaused)
		r = b.c.JSON(t, http.MethodPost, "/api/v1/orders", seen, append(authtest.As(&buyer), "Idempotency-Key", "paused")...)
		require.Equal(t, http.StatusConflict, r.StatusCode)
		require.Contains(t, r.Body, "catalog.not_for_sale")
	})
}

// TestAPI_PayAgainAndMarkRead: what the order page and the notifications
// page do, a client of the API does too: pay a declined order another way
// while its copies are held (once, however often it is sent), and mark
// the notifications it showed read.
func TestAPI_PayAgainAndMarkRead(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id := strconv.FormatInt(int64(b.book.ID), 10)
	require.Equal(t, http.StatusOK, b.c.JSON(t, http.MethodPut, "/api/v1/cart/items/"+id, `{"quantity":1}`, authtest.As(&buyer)...).StatusCode)
	card := func(number string) string {
		return fmt.Sprintf(`{"method":"card","card":{"number":%q,"exp_month":12,"exp_year":%d,"cvc":"123"}}`, number, time.Now().Year()+1)
	}
	r := b.c.JSON(t, http.MethodPost, "/api/v1/orders", `{"lines":[{"book_id":`+id+`,"quantity":1,"price_cents":1500}],"shipping_address":{"name":"A","street":"B","city":"C","region":"D","postal_code":"1","country":"CO"},"delivery_provider_id":4,"delivery_cents":650,"payment":`+card("4000000000000002")+`}`,
		append(authtest.As(&buyer), "Idempotency-Key", "declined")...)
	require.Equal(t, http.StatusCreated, r.StatusCode, r.Body)
	var o struct{ ID int64 }
	require.NoError(t, json.Unmarshal([]byte(r.Body), &o))
	require.NoError(t, b.svc.Charge(ctx, o.ID, ""))
	order := fmt.Sprintf("/api/v1/orders/%d", o.ID)
	r = b.c.JSON(t, http.MethodGet, order, "", authtest.As(&buyer)...)
	require.Contains(t, r.Body, `"status":"payment_failed"`)
	require.Contains(t, r.Body, `"retries":0`)

	pay := order + "/pay"
	require.Equal(t, http.StatusNotFound, b.c.JSON(t, http.MethodPost, pay, `{"retries":0,"payment":`+card("4242424242424242")+`}`, authtest.As(&other)...).StatusCode, "another buyer's order is not found")
	r = b.c.JSON(t, http.MethodPost, pay, `{"payment":`+card("4242424242424242")+`}`, authtest.As(&buyer)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	require.Contains(t, r.Body, `"retries"`)
	r = b.c.JSON(t, http.MethodPost, pay, `{"retries":0,"payment":`+card("1234")+`}`, authtest.As(&buyer)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	require.Contains(t, r.Body, `"payment.card.number"`)
	for range 2 { // sent twice, it pays once
		r = b.c.JSON(t, http.MethodPost, pay, `{"retries":0,"payment":`+card("4242424242424242")+`}`, authtest.As(&buyer)...)
		require.Equal(t, http.StatusOK, r.StatusCode, r.Body)
		require.Contains(t, r.Body, `"status":"awaiting_payment"`)
	}
	require.Equal(t, 2, countRows(t, b.pool, fmt.Sprintf("SELECT count(*) FROM river.river_job WHERE kind = 'orders.charge_payment' AND args->>'order_id' = '%d'", o.ID)), "the checkout's charge and the second payment's")
	require.NoError(t, b.svc.Charge(ctx, o.ID, ""))
	r = b.c.JSON(t, http.MethodPost, pay, `{"retries":1,"payment":`+card("4242424242424242")+`}`, authtest.As(&buyer)...)
	require.Equal(t, http.StatusConflict, r.StatusCode, "a paid order is not paid again")
	require.Contains(t, r.Body, "orders.cannot_pay")
	r = b.c.JSON(t, http.MethodPost, pay, `{"retries":1,"payment":`+card("1234")+`}`, authtest.As(&buyer)...)
	require.Equal(t, http.StatusConflict, r.StatusCode, "a bad payment for an order that takes none: the order is what is wrong")
	require.Contains(t, r.Body, "orders.cannot_pay")
	r = b.c.Post(t, fmt.Sprintf("/orders/%d/pay", o.ID), url.Values{"retries": {"1"}}, authtest.As(&buyer)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, "the page's form is gone: the order page says why, rather than marking fields it hides")
	require.Equal(t, fmt.Sprintf("/orders/%d", o.ID), r.Header.Get("Location"))

	r = b.c.JSON(t, http.MethodGet, "/api/v1/notifications", "", authtest.As(&buyer)...)
	var list struct {
		Notifications []struct{ ID int64 }
		Unread        int
	}
	require.NoError(t, json.Unmarshal([]byte(r.Body), &list))
	require.NotZero(t, list.Unread)
	require.Equal(t, http.StatusUnprocessableEntity, b.c.JSON(t, http.MethodPost, "/api/v1/notifications/read", `{}`, authtest.As(&buyer)...).StatusCode)
	r = b.c.JSON(t, http.MethodPost, "/api/v1/notifications/read", fmt.Sprintf(`{"up_to":%d}`, list.Notifications[1].ID), authtest.As(&buyer)...)
	require.Equal(t, http.StatusOK, r.StatusCode, r.Body)
	require.JSONEq(t, `{"unread":1}`, r.Body, "the newest, which the client did not show, stays unread")
	r = b.c.JSON(t, http.MethodPost, "/api/v1/notifications/read", `{"up_to":9007199254740991}`, authtest.As(&buyer)...)
	require.JSONEq(t, `{"unread":0}`, r.Body)
	require.Equal(t, http.StatusOK, b.c.JSON(t, http.MethodPost, order+"/cancel", "", authtest.As(&buyer)...).StatusCode)
	r = b.c.JSON(t, http.MethodGet, "/api/v1/notifications", "", authtest.As(&buyer)...)
	require.Contains(t, r.Body, `"unread":1`, "an up_to past the newest notification marks none still to come")
}

// TestPages_RedirectsStayOnTheSite: a cart action sent from a page goes
// back to it, but a Referer naming another host (or a path a browser reads
// as one) sends the browser to the cart instead.
func TestPages_RedirectsStayOnTheSite(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := strconv.FormatInt(int64(b.book.ID), 10)
	for _, path := range []string{"/cart/items", "/cart/items/" + id, "/cart/items/" + id + "/remove"} {
		for ref, want := range map[string]string{
			b.c.URL + "//evil.example/x":      "/cart",
			b.c.URL + "/\\evil.example":       "/%5Cevil.example",
			"http://evil.example/books/1":     "/cart",
			b.c.URL + "/books/" + id + "?q=a": "/books/" + id + "?q=a",
		} {
			r := b.c.Post(t, path, url.Values{"book_id": {"0"}, "quantity": {"x"}}, append(authtest.As(&buyer), "Referer", ref)...)
			require.Equal(t, http.StatusSeeOther, r.StatusCode, path)
			require.Equal(t, want, r.Header.Get("Location"), "%s from %s", path, ref)
		}
	}
}

func TestPages_OrderPage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := strconv.FormatInt(int64(b.book.ID), 10)
	r := b.c.Post(t, "/cart/items", url.Values{"book_id": {id}}, authtest.As(&buyer)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)

	// The total, delivery included, is on the page before anything is placed.
	r = b.c.Get(t, "/checkout?country=CO", authtest.As(&buyer)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Equal(t, "no-store", r.Header.Get("Cache-Control"), "a signed-in page is never cached")
	require.Regexp(t, `<strong data-total>\$\d+\.\d\d</strong>`, r.Body)
	require.Contains(t, r.Body, `name="delivery_provider_id" value="3"`)

	form := checkoutForm("order-page")
	form.Set("payment_method", "wallet")
	form["line"] = linesShown(t, r.Body)
	r = b.c.Post(t, "/checkout", form, authtest.As(&buyer)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
	order := r.Header.Get("Location")
	r = b.c.Get(t, order, authtest.As(&buyer)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Contains(t, r.Body, `id="order-live" data-live`, "the page follows the order while it moves")
	require.Contains(t, r.Body, "status status-waiting")

	// Cancelling asks first; the form on that page cancels.
	r = b.c.Get(t, order+"/cancel", authtest.As(&buyer)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Contains(t, r.Body, "This cannot be undone.")
	require.Equal(t, http.StatusNotFound, b.c.Get(t, order+"/cancel", authtest.As(&other)...).StatusCode, "another user learns nothing of the order")
	r = b.c.Post(t, order+"/cancel", nil, authtest.As(&buyer)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	r = b.c.Get(t, order, authtest.As(&buyer)...)
	require.Contains(t, r.Body, "status status-bad")
	require.NotContains(t, r.Body, "data-live", "a final state stops the updates")
	require.NotContains(t, r.Body, order+"/cancel")

	// Notifications are read once seen, and the badge goes at once.
	r = b.c.Get(t, "/notifications", authtest.As(&buyer)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Contains(t, r.Body, "<strong>New:</strong>")
	require.Contains(t, r.Body, "data-unread hidden></span>")
	r = b.c.Get(t, "/notifications", authtest.As(&buyer)...)
	require.NotContains(t, r.Body, "<strong>New:</strong>")
}

// The page of a placed order keeps "Your order is placed" while the order
// goes well, and drops it once the payment was declined, where it would
// contradict the state line.
func TestPages_DeclinedPaymentDropsPlacedMessage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := strconv.FormatInt(int64(b.book.ID), 10)
	place := func(key, card string) (order int64, flash string) {
		t.Helper()
		require.Equal(t, http.StatusSeeOther, b.c.Post(t, "/cart/items", url.Values{"book_id": {id}}, authtest.As(&buyer)...).StatusCode)
		form := checkoutForm(key)
		form.Set("card_number", card)
		form["line"] = linesShown(t, b.c.Get(t, "/checkout", authtest.As(&buyer)...).Body)
		r := b.c.Post(t, "/checkout", form, authtest.As(&buyer)...)
		require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
		flash = flashOf(t, r)
		order, err := strconv.ParseInt(strings.TrimPrefix(r.Header.Get("Location"), "/orders/"), 10, 64)
		require.NoError(t, err)
		require.NoError(t, b.svc.Charge(context.Background(), order, ""))
		return order, flash
	}
	page := func(order int64, flash string) string {
		t.Helper()
		r := b.c.Get(t, "/orders/"+strconv.FormatInt(order, 10), append(authtest.As(&buyer), "Cookie", flash)...)
		require.Equal(t, http.StatusOK, r.StatusCode)
		return r.Body
	}

	paid, flash := place("approved", "4242 4242 4242 4242")
	body := page(paid, flash)
	require.Contains(t, body, "status status-ok")
	require.Contains(t, body, "Your order is placed.", "the message stays true while the order goes well")

	declined, flash := place("declined", "4000 0000 0000 0002")
	body = page(declined, flash)
	require.Contains(t, body, "status status-bad")
	require.Contains(t, body, "Nothing was charged")
	require.NotContains(t, body, "Your order is placed.", "no success message beside a declined payment")
	require.NotContains(t, body, "flash-success")
	// Its moments, the deadline above all, are in UTC and say so, for
	// app.js to write in the reader's zone (view.Time).
	moment := `<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" data-local="moment">\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC</time>`
	require.Regexp(t, "Placed "+moment, body)
	require.Regexp(t, "The books stay held for you until "+moment+"; after that", body)
	// Its seller is given the same deadline, not "for a while".
	r := b.c.Get(t, fmt.Sprintf("/orders/%d", declined), authtest.As(&seller)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.NotContains(t, r.Body, "Pay with another card or method")
	require.NotContains(t, r.Body, "for a while")
	require.Regexp(t, "Nothing was charged. The books stay held until "+moment+" in case the buyer pays another way", r.Body)
	require.ElementsMatch(t, regexp.MustCompile(moment).FindAllString(body, 2), regexp.MustCompile(moment).FindAllString(r.Body, 2),
		"the seller's page gives the moments of the buyer's, placed and held until")

	// The copies are still held: the page offers another payment of the
	// same order, and a mistake comes back with the form as sent.
	require.Contains(t, body, "Pay with another card or method")
	action := fmt.Sprintf("/orders/%d/pay", declined)
	require.Contains(t, body, `action="`+action+`"`)
	pay := url.Values{"retries": webtest.HiddenValues(body, "retries"), "payment_method": {"card"}, "card_number": {"1234"}, "card_exp_month": {"12"}, "card_exp_year": {strconv.Itoa(time.Now().Year() + 1)}, "card_cvc": {"123"}}
	require.Equal(t, []string{"0"}, pay["retries"])
	r = b.c.Post(t, action, pay, authtest.As(&buyer)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	require.Contains(t, r.Body, `aria-invalid="true"`)
	require.Contains(t, r.Body, `name="card_exp_month" type="text" value="12"`)
	require.Equal(t, http.StatusNotFound, b.c.Post(t, action, pay, authtest.As(&other)...).StatusCode, "another user learns nothing of the order")

	pay.Set("card_number", "4242 4242 4242 4242")
	for range 2 { // a double click pays once
		r = b.c.Post(t, action, pay, authtest.As(&buyer)...)
		require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
		require.Equal(t, fmt.Sprintf("/orders/%d", declined), r.Header.Get("Location"))
	}
	require.Equal(t, 2, countRows(t, b.pool, fmt.Sprintf("SELECT count(*) FROM river.river_job WHERE kind = 'orders.charge_payment' AND args->>'order_id' = '%d'", declined)), "the checkout's charge and one for the second payment")
	orderPage := func() string {
		t.Helper()
		r := b.c.Get(t, fmt.Sprintf("/orders/%d", declined), authtest.As(&buyer)...)
		require.Equal(t, http.StatusOK, r.StatusCode)
		return r.Body
	}
	body = orderPage()
	require.Contains(t, body, "status status-waiting")
	require.Contains(t, body, "ending 4242")
	require.NotContains(t, body, "Pay with another card or method")
	require.NoError(t, b.svc.Charge(context.Background(), declined, ""))
	require.Contains(t, orderPage(), "status status-ok")
}

// flashOf is the message r leaves for the next page, as a Cookie header.
func flashOf(t *testing.T, r webtest.Response) string {
	t.Helper()
	for _, c := range r.Cookies() {
		if c.Name == "flash" {
			return c.String()
		}
	}
	require.Fail(t, "no message for the next page")
	return ""
}
