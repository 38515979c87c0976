package pages_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

// checkoutIn sends the buyer's checkout form as a request whose context is
// ctx, which the test ends as a client or a deadline would.
func (b *bundle) checkoutIn(ctx context.Context, form url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/checkout", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	as := authtest.As(&buyer)
	req.Header.Set(as[0], as[1])
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	return rec
}

// TestPages_CheckoutWhenTheBuyerLeaves: a buyer who closes the tab once
// the cart has become an order (the request's context ends as the copies
// are asked for) still gets the order placed, or, when the catalog
// refuses, the cart back; the answer goes to nobody, and nothing is
// logged as the shop's failure.
func TestPages_CheckoutWhenTheBuyerLeaves(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		refused bool
		status  int
	}{
		{"Placed", false, http.StatusSeeOther},
		{"Refused", true, web.StatusClientClosed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			b := setup(t)
			emma := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: seller.ID, Title: "Emma", Copies: 1})
			request, leave := context.WithCancel(ctx)
			defer leave()
			cat := b.cat
			b.cat = &catalogtest.BeforeReserve{Service: cat, Func: func(context.Context) {
				leave()
				if tc.refused {
					catalogtest.Hold(ctx, t, cat, b.pool, 777, emma.ID, 1)
				}
			}}
			b.serve(t, service.Options{})
			me := service.Owner{UserID: buyer.ID}
			require.NoError(t, b.svc.SetQuantity(ctx, me, b.book.ID, 2))
			require.NoError(t, b.svc.SetQuantity(ctx, me, emma.ID, 1))
			form := checkoutForm("k")
			form["line"] = linesShown(t, b.c.Get(t, "/checkout?country=CO", authtest.As(&buyer)...).Body)

			rec := b.checkoutIn(request, form)
			require.ErrorIs(t, request.Err(), context.Canceled, "the buyer left mid-way")
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			require.NotContains(t, b.logs.String(), "level=ERROR")
			n, err := b.svc.CartCount(ctx, me)
			require.NoError(t, err)
			if tc.refused {
				require.Zero(t, countRows(t, b.pool, "SELECT count(*) FROM orders.orders"))
				require.Equal(t, 3, n, "the cart is as it was")
				return
			}
			require.Equal(t, 1, countRows(t, b.pool, "SELECT count(*) FROM orders.orders WHERE status = 'awaiting_payment'"))
			require.Zero(t, n)
		})
	}
}

// TestPages_CheckoutPastItsDeadline: when a checkout's request deadline
// passes while its copies are asked for, its client still there, and the
// catalog then refuses, the buyer sees the refusal and the cart given
// back, not an error page: the order's fate no longer hangs on the
// request, and neither does the page that tells it.
func TestPages_CheckoutPastItsDeadline(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	emma := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: seller.ID, Title: "Emma", Copies: 1})
	me := service.Owner{UserID: buyer.ID}
	require.NoError(t, b.svc.SetQuantity(ctx, me, b.book.ID, 2))
	require.NoError(t, b.svc.SetQuantity(ctx, me, emma.ID, 1))
	form := checkoutForm("k")
	form["line"] = linesShown(t, b.c.Get(t, "/checkout?country=CO", authtest.As(&buyer)...).Body)

	// The deadline leaves the checkout time to make its order, however
	// loaded the machine, and the catalog answers only after it.
	request, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	cat := b.cat
	reserved := false
	b.cat = &catalogtest.BeforeReserve{Service: cat, Func: func(context.Context) {
		reserved = true
		<-request.Done()
		catalogtest.Hold(ctx, t, cat, b.pool, 777, emma.ID, 1)
	}}
	b.serve(t, service.Options{})

	rec := b.checkoutIn(request, form)
	require.True(t, reserved, "the order was made before the deadline: %s", rec.Body.String())
	require.ErrorIs(t, request.Err(), context.DeadlineExceeded)
	require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), "Nothing was charged; please update your cart.")
	require.Contains(t, rec.Body.String(), "Emma", "the cart is shown")
	require.NotContains(t, b.logs.String(), "level=ERROR")
	require.Zero(t, countRows(t, b.pool, "SELECT count(*) FROM orders.orders"))
	n, err := b.svc.CartCount(ctx, me)
	require.NoError(t, err)
	require.Equal(t, 3, n, "the cart is as it was")
}

// openCheckout puts a copy of the book in the buyer's cart and opens the
// checkout page with query.
func (b *bundle) openCheckout(t *testing.T, query string) webtest.Response {
	t.Helper()
	require.NoError(t, b.svc.SetQuantity(context.Background(), service.Owner{UserID: buyer.ID}, b.book.ID, 1))
	return b.c.Get(t, "/checkout"+query, authtest.As(&buyer)...)
}

// TestPages_CheckoutFieldErrorsSayWhatChanged: a form sent back for a
// missing field after the book and the delivery were repriced is shown
// again at the prices now, with a message naming both changes, so that
// the next submit does not place the order at prices the buyer was never
// told of.
func TestPages_CheckoutFieldErrorsSayWhatChanged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	r := b.openCheckout(t, "?country=CO")
	form := checkoutForm("k")
	form.Set("delivery_provider_id", "4")
	form["line"] = linesShown(t, r.Body)
	form["delivery_cents"] = webtest.HiddenValues(r.Body, "delivery_cents")
	catalogtest.SetPrice(ctx, t, b.pool, b.book.ID, 1800)
	_, err := b.pool.Exec(ctx, "UPDATE orders.delivery_providers SET cost_cents = 999 WHERE id = 4")
	require.NoError(t, err)

	form.Set("street", "")
	r = b.c.Post(t, "/checkout", form, authtest.As(&buyer)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, r.Body)
	require.Contains(t, r.Body, `id="e-f-street">enter the street`)
	require.Contains(t, r.Body, "Dune")
	require.Contains(t, r.Body, "changed from $15.00 to $18.00")
	require.Contains(t, r.Body, "Delivery by Servientrega costs $9.99, not the $6.50 in the total you were shown")
	require.Contains(t, r.Body, "$27.99", "the total now is shown")
	require.Zero(t, countRows(t, b.pool, "SELECT count(*) FROM orders.orders"))

	// Nothing changed since this page: its field errors come alone.
	form["line"] = linesShown(t, r.Body)
	form["delivery_cents"] = webtest.HiddenValues(r.Body, "delivery_cents")
	r = b.c.Post(t, "/checkout", form, authtest.As(&buyer)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, r.Body)
	require.NotContains(t, r.Body, "changed from")

	form.Set("street", "Calle 1")
	r = b.c.Post(t, "/checkout", form, authtest.As(&buyer)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
	require.Equal(t, 1, countRows(t, b.pool, "SELECT count(*) FROM orders.payments WHERE amount_cents = 2799"))
}

// TestPages_CheckoutExpiryMessages: a card whose expiry month and year are
// both wrong gets a message at each, on the page and in the API.
func TestPages_CheckoutExpiryMessages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.openCheckout(t, "")
	for _, exp := range [][2]string{{"", ""}, {"13", "2020"}} {
		form := checkoutForm("k")
		form.Set("card_exp_month", exp[0])
		form.Set("card_exp_year", exp[1])
		r := b.c.Post(t, "/checkout", form, authtest.As(&buyer)...)
		require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, r.Body)
		require.Contains(t, r.Body, `id="e-f-card_exp_month">enter the expiry month`)
		require.Contains(t, r.Body, `id="e-f-card_exp_year">`)
		require.Regexp(t, `name="card_exp_year"[^>]*aria-invalid="true"`, r.Body)
	}
	id := strconv.FormatInt(int64(b.book.ID), 10)
	r := b.c.JSON(t, http.MethodPost, "/api/v1/orders", `{"lines":[{"book_id":`+id+`,"quantity":1,"price_cents":1500}],"shipping_address":{"name":"A","street":"B","city":"C","region":"D","postal_code":"1","country":"CO"},"delivery_provider_id":4,"payment":{"method":"card","card":{"number":"4242424242424242","exp_month":13,"exp_year":2020,"cvc":"123"}}}`,
		append(authtest.As(&buyer), "Idempotency-Key", "k")...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, r.Body)
	require.Contains(t, r.Body, `"payment.card.exp_month"`)
	require.Contains(t, r.Body, `"payment.card.exp_year"`)
}

// TestPages_CheckoutRegionWhereThePostNeedsIt: the checkout's labels mark
// the fields an address needs, the region only where the country's post
// needs one, and a United Kingdom address without one is placed, through
// the page and the API.
func TestPages_CheckoutRegionWhereThePostNeedsIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	required := func(body, field string) bool {
		m := regexp.MustCompile(`<label for="f-` + field + `">[^<]*(<span class="required">)?`).FindStringSubmatch(body)
		require.NotNil(t, m, "a label for %s", field)
		return m[1] != ""
	}
	r := b.openCheckout(t, "?country=CO")
	for _, f := range []string{"name", "street", "city", "region", "postal_code"} {
		require.True(t, required(r.Body, f), "%s is marked required in CO", f)
	}
	r = b.c.Get(t, "/checkout?country=GB", authtest.As(&buyer)...)
	require.False(t, required(r.Body, "region"), "a UK address has no region")
	require.True(t, required(r.Body, "postal_code"))

	form := url.Values{"idempotency_key": {"uk"}, "name": {"Seán O'Connor"}, "street": {"10 Downing St"}, "city": {"London"},
		"postal_code": {"SW1A 1AA"}, "country": {"GB"}, "delivery_provider_id": {"2"}, "payment_method": {"wallet"},
		"line": linesShown(t, r.Body), "delivery_cents": webtest.HiddenValues(r.Body, "delivery_cents")}
	r = b.c.Post(t, "/checkout", form, authtest.As(&buyer)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)

	form.Set("country", "US")
	form.Set("idempotency_key", "us")
	require.NoError(t, b.svc.SetQuantity(ctx, service.Owner{UserID: buyer.ID}, b.book.ID, 1))
	r = b.c.Post(t, "/checkout", form, authtest.As(&buyer)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, r.Body)
	require.Contains(t, r.Body, `id="e-f-region">enter the region`)

	id := strconv.FormatInt(int64(b.book.ID), 10)
	r = b.c.JSON(t, http.MethodPost, "/api/v1/orders", `{"lines":[{"book_id":`+id+`,"quantity":1,"price_cents":1500}],"shipping_address":{"name":"Seán O'Connor","street":"10 Downing St","city":"London","postal_code":"SW1A 1AA","country":"GB"},"delivery_provider_id":1,"delivery_cents":2500,"payment":{"method":"wallet"}}`,
		append(authtest.As(&buyer), "Idempotency-Key", "uk-api")...)
	require.Equal(t, http.StatusCreated, r.StatusCode, r.Body)
	require.Contains(t, r.Body, `"region":""`)
}

// TestPages_CheckoutDeliveryChosenWithoutJavaScript: the provider's radios
// belong to the order form, so a buyer without JavaScript who chooses
// another provider than the one in the total gets the order refused,
// nothing charged, with the chosen provider's total to confirm; placed
// again, the order goes by that provider.
func TestPages_CheckoutDeliveryChosenWithoutJavaScript(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.openCheckout(t, "?country=CO")
	require.Contains(t, r.Body, `name="delivery_provider_id" value="4" form="checkout-form" checked`, "the cheapest, Servientrega, is chosen")
	require.Contains(t, r.Body, `name="delivery_provider_id" value="3" form="checkout-form"`, "Envia is offered in the order form")
	require.Empty(t, webtest.HiddenValues(r.Body, "delivery_provider_id"), "the radios are the only provider the order form sends")
	require.Equal(t, []string{"650"}, webtest.HiddenValues(r.Body, "delivery_cents"))
	// The choice travels with the order form only: no link or query
	// chooses a provider for the buyer.
	r = b.openCheckout(t, "?country=CO&provider=3")
	require.Contains(t, r.Body, `name="delivery_provider_id" value="4" form="checkout-form" checked`, "a provider in the query changes nothing")
	require.Equal(t, []string{"650"}, webtest.HiddenValues(r.Body, "delivery_cents"))

	// As a browser without JavaScript sends it: Envia chosen, the total
	// still Servientrega's.
	form := checkoutForm("k")
	form.Set("delivery_provider_id", "3")
	form["line"] = linesShown(t, r.Body)
	form["delivery_cents"] = webtest.HiddenValues(r.Body, "delivery_cents")
	r = b.c.Post(t, "/checkout", form, authtest.As(&buyer)...)
	require.Equal(t, http.StatusConflict, r.StatusCode, r.Body)
	require.Contains(t, r.Body, "Delivery by Envia costs $8.00, not the $6.50 in the total you were shown. Nothing was charged")
	require.Contains(t, r.Body, `name="delivery_provider_id" value="3" form="checkout-form" checked`, "the buyer's choice is kept")
	require.Contains(t, r.Body, "<strong data-total>$23.00</strong>")
	require.Equal(t, []string{"800"}, webtest.HiddenValues(r.Body, "delivery_cents"))
	require.Zero(t, countRows(t, b.pool, "SELECT count(*) FROM orders.orders"))

	form["delivery_cents"] = webtest.HiddenValues(r.Body, "delivery_cents")
	r = b.c.Post(t, "/checkout", form, authtest.As(&buyer)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
	require.Equal(t, 1, countRows(t, b.pool, "SELECT count(*) FROM orders.orders WHERE provider_name = 'Envia' AND total_cents = 2300"))
}
