package systemtest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

// TestPages_BrowserCheckout walks the pages as a browser does, through the
// real auth middleware (session cookie, CSRF token) and the real catalog:
// a visitor fills a cart, signs in (the cart follows), checks out, and sees
// the order.
func TestPages_BrowserCheckout(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := context.Background()
	book := catalogtest.CreateBook(ctx, t, a.pool, &catalogtest.BookOpts{Title: "Rayuela", PriceCents: 2000, Copies: 2})
	u := authtest.CreateUser(ctx, t, a.pool, nil)
	sess := authtest.SignIn(ctx, t, a.pool, u.Email, authtest.DefaultPassword)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var cookies []*http.Cookie
	send := func(method, path string, form url.Values) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, a.server.URL+path, strings.NewReader(form.Encode()))
		require.NoError(t, err)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for _, c := range cookies {
			req.AddCookie(c)
		}
		res, err := client.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		for _, c := range res.Cookies() {
			if c.Name == "cart_visitor" {
				cookies = append(cookies, c)
			}
		}
		return res, string(b)
	}

	res, _ := send(http.MethodPost, "/cart/items", url.Values{"book_id": {strconv.FormatInt(int64(book.ID), 10)}, "quantity": {"2"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	require.Len(t, cookies, 1)

	cookies = append(cookies, sess.Cookie())
	res, body := send(http.MethodGet, "/cart", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, body, "Rayuela")
	require.Contains(t, body, `data-cart-count>2<`)

	res, body = send(http.MethodGet, "/checkout", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, body, sess.CSRFToken)
	form := url.Values{"csrf_token": {sess.CSRFToken}, "idempotency_key": {"browser-1"}, "name": {"Julio"}, "street": {"Calle 5"},
		"city": {"Medellín"}, "region": {"ANT"}, "postal_code": {"050001"}, "country": {"CO"}, "delivery_provider_id": {"4"},
		"payment_method": {"bank_transfer"}, "line": webtest.HiddenValues(body, "line")}
	require.Equal(t, []string{fmt.Sprintf("%d:2:%d", book.ID, book.PriceCents)}, form["line"])
	// The order confirms the delivery cost of the provider chosen, as the
	// page's script puts it in the total from the radio's data-cost.
	cost := regexp.MustCompile(`name="delivery_provider_id" value="4"[^>]*data-cost="(\d+)"`).FindStringSubmatch(body)
	require.Len(t, cost, 2, "provider 4 offered with its cost")
	form.Set("delivery_cents", cost[1])
	res, _ = send(http.MethodPost, "/checkout", url.Values{"idempotency_key": {"no-token"}})
	require.Equal(t, http.StatusForbidden, res.StatusCode) // CSRF token required
	res, _ = send(http.MethodPost, "/checkout", form)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	loc := res.Header.Get("Location")
	require.True(t, strings.HasPrefix(loc, "/orders/"), loc)
	res, body = send(http.MethodGet, loc, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, body, "Bank transfer — Pending")
	require.Contains(t, body, "Cancel this order")
	require.Equal(t, 0, catalogtest.StockOf(ctx, t, a.pool, book.ID).Available)

	res, _ = send(http.MethodPost, loc+"/cancel", url.Values{"csrf_token": {sess.CSRFToken}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	_, body = send(http.MethodGet, loc, nil)
	require.Contains(t, body, ">Cancelled</strong>")

	// The release job gives the copies back; then the next checkout
	// offers the address used last time.
	deadline := time.After(time.Minute)
	for catalogtest.StockOf(ctx, t, a.pool, book.ID).Available != 2 {
		select {
		case <-deadline:
			t.Fatal("the copies never came back")
		case <-time.After(50 * time.Millisecond):
		}
	}
	res, _ = send(http.MethodPost, "/cart/items", url.Values{"csrf_token": {sess.CSRFToken}, "book_id": {strconv.FormatInt(int64(book.ID), 10)}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	_, body = send(http.MethodGet, "/checkout", nil)
	require.Contains(t, body, `value="Calle 5"`)
}

// TestPages_BrowserAddToCartRefused walks an "Add to cart" refused for its
// quantity as a browser does, through the real modules: the orders module
// answers the post, and the catalog's book page, where the browser lands,
// shows the form again with what was typed and the message at the field,
// for a visitor and for a member; nothing is put in the cart.
func TestPages_BrowserAddToCartRefused(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := context.Background()
	book := catalogtest.CreateBook(ctx, t, a.pool, &catalogtest.BookOpts{Title: "Rayuela", Copies: 2})
	u := authtest.CreateUser(ctx, t, a.pool, nil)
	sess := authtest.SignIn(ctx, t, a.pool, u.Email, authtest.DefaultPassword)
	page := "/books/" + strconv.FormatInt(int64(book.ID), 10)
	for who, signIn := range map[string][]*http.Cookie{"Visitor": nil, "Member": {sess.Cookie()}} {
		jar, err := cookiejar.New(nil)
		require.NoError(t, err)
		base, err := url.Parse(a.server.URL)
		require.NoError(t, err)
		jar.SetCookies(base, signIn)
		client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		form := url.Values{"book_id": {strconv.FormatInt(int64(book.ID), 10)}, "quantity": {"3"}}
		if signIn != nil {
			form.Set("csrf_token", sess.CSRFToken)
		}
		res, err := client.PostForm(a.server.URL+"/cart/items", form)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusSeeOther, res.StatusCode, who)
		require.Equal(t, page, res.Header.Get("Location"), who)

		res, err = client.Get(a.server.URL + page)
		require.NoError(t, err)
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, who)
		require.Contains(t, string(body), "<title>Error: \u2068Rayuela\u2069 · BookStore</title>", who)
		require.Contains(t, string(body), `<input id="quantity" type="text" inputmode="numeric" name="quantity" value="3" aria-invalid="true" aria-describedby="e-quantity" required>`, who)
		require.Contains(t, string(body), "<p class=\"field-error\" id=\"e-quantity\">only 2 copies of “\u2068Rayuela\u2069” are available</p>", who)
		require.Equal(t, signIn != nil, strings.Contains(string(body), "Sell one like this"), "%s: the page as this viewer sees it", who)

		res, err = client.Get(a.server.URL + page)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode, "%s: shown once, as any message", who)
	}
	var lines int
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT count(*) FROM orders.cart_items").Scan(&lines))
	require.Zero(t, lines)
}
