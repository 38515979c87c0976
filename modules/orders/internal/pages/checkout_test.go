package pages_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/web"
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
			form["line"] = linesShown(t, b.c.Get(t, "/checkout?country=CO&provider=3", authtest.As(&buyer)...).Body)

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
	form["line"] = linesShown(t, b.c.Get(t, "/checkout?country=CO&provider=3", authtest.As(&buyer)...).Body)

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
