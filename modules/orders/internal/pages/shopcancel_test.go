package pages_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

// follow reads the page a redirect leads to as u, with the message it
// left for that page.
func (b *bundle) follow(t *testing.T, r webtest.Response, u *auth.User) string {
	t.Helper()
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
	next := b.c.Get(t, r.Header.Get("Location"), append(authtest.As(u), "Cookie", flashOf(t, r))...)
	require.Equal(t, http.StatusOK, next.StatusCode)
	return html.UnescapeString(next.Body)
}

// paidOrder checks the buyer out through the page under key and runs the
// charge, as its job would; it returns the paid order's path and the order.
func (b *bundle) paidOrder(t *testing.T, key string) (string, service.Order) {
	t.Helper()
	ctx := context.Background()
	loc, id := b.placedOrder(t, key)
	require.NoError(t, b.svc.Charge(ctx, id, ""))
	o, err := b.svc.Get(ctx, buyer, id)
	require.NoError(t, err)
	require.Equal(t, orders.StatusPaid, o.Status)
	return loc, o
}

// An admin cancels a paid order from its page with the shop's reason: the
// page warns first, a missing reason cancels nothing, the buyer is
// refunded and told why, as is the seller, and the copies go back on sale.
func TestPages_ShopCancel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	loc, o := b.paidOrder(t, "shop-cancel")
	id := o.ID

	page := html.UnescapeString(b.c.Get(t, loc, authtest.As(&admin)...).Body)
	require.Contains(t, page, `<h2 id="shop-cancel">Cancel this order</h2>`)
	require.Contains(t, page, "This cannot be undone.")
	require.Contains(t, page, "its payment of "+view.Money(o.TotalCents)+" is refunded to the buyer")
	require.Contains(t, page, `action="`+loc+`/cancel"`)
	require.Contains(t, page, `name="reason"`)
	for _, u := range []*auth.User{&buyer, &seller} {
		require.NotContains(t, b.c.Get(t, loc, authtest.As(u)...).Body, `id="shop-cancel"`, "only an admin sees the shop's form")
	}

	r := b.c.Get(t, loc+"/cancel", authtest.As(&admin)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	require.Equal(t, loc+"#shop-cancel", r.Header.Get("Location"), "the buyer's confirmation leads an admin to the shop's form")
	require.Contains(t, b.follow(t, b.c.Get(t, loc+"/cancel", authtest.As(&seller)...), &seller), orders.ErrCancelForbidden.Message)
	require.Equal(t, http.StatusForbidden, b.c.Post(t, loc+"/cancel", url.Values{"reason": {"Fraud"}}, authtest.As(&seller)...).StatusCode)
	require.Equal(t, http.StatusForbidden, b.c.Post(t, loc+"/cancel", url.Values{"reason": {"Fraud"}}, authtest.As(&buyer)...).StatusCode, "a buyer does not speak for the shop")
	require.Equal(t, http.StatusNotFound, b.c.Post(t, loc+"/cancel", url.Values{"reason": {"Fraud"}}, authtest.As(&other)...).StatusCode)
	r = b.c.Post(t, loc+"/cancel", url.Values{"reason": {""}}, authtest.As(&admin)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, "a stray click cancels nothing")
	require.Contains(t, r.Body, "say why the shop cancels this order")
	r = b.c.Post(t, loc+"/cancel", url.Values{"reason": {strings.Repeat("x", service.MaxCancelReason+1)}}, authtest.As(&admin)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	require.Contains(t, r.Body, "must be at most 500 characters")
	require.Contains(t, r.Body, strings.Repeat("x", service.MaxCancelReason+1), "the reason is shown again as typed")
	o, err := b.svc.Get(ctx, admin, id)
	require.NoError(t, err)
	require.Equal(t, orders.StatusPaid, o.Status)

	r = b.c.Post(t, loc+"/cancel", url.Values{"reason": {"Counterfeit <b>copy</b>"}}, authtest.As(&admin)...)
	page = b.follow(t, r, &admin)
	require.Contains(t, page, "Order #"+strconv.FormatInt(id, 10)+" is cancelled: any payment is refunded")
	require.Contains(t, page, "Cancelled: cancelled by the shop: Counterfeit <b>copy</b>.")
	require.NotContains(t, page, `id="shop-cancel"`, "a cancelled order offers no cancel")
	o, err = b.svc.Get(ctx, admin, id)
	require.NoError(t, err)
	require.Equal(t, orders.StatusCancelled, o.Status)
	require.Equal(t, "refunded", o.Payment.Status)

	notes := html.UnescapeString(b.c.Get(t, "/notifications", authtest.As(&buyer)...).Body)
	require.Contains(t, notes, "The shop cancelled your order #"+strconv.FormatInt(id, 10)+": \u2068Counterfeit <b>copy</b>\u2069. You were refunded "+view.Money(o.TotalCents)+".")
	require.NotContains(t, b.c.Get(t, "/notifications", authtest.As(&buyer)...).Body, "<b>copy</b>", "the reason is text, not markup")
	notes = html.UnescapeString(b.c.Get(t, "/notifications", authtest.As(&seller)...).Body)
	require.Contains(t, notes, "The shop cancelled order #"+strconv.FormatInt(id, 10)+": \u2068Counterfeit <b>copy</b>\u2069. The copies are back on sale.")
	require.Equal(t, 1, countRows(t, b.pool, "SELECT count(*) FROM river.river_job WHERE kind = 'orders.release_stock' AND (args->>'order_id')::bigint = "+strconv.FormatInt(id, 10)))
	require.NoError(t, b.svc.ReleaseStock(ctx, id, 0))
	require.Equal(t, 3, catalogtest.StockOf(ctx, t, b.pool, b.book.ID).Available)

	// The same form sent again says what became of the order.
	r = b.c.Post(t, loc+"/cancel", url.Values{"reason": {"Counterfeit <b>copy</b>"}}, authtest.As(&admin)...)
	require.Contains(t, b.follow(t, r, &admin), orders.ErrAlreadyCancelled.Message)
	require.Contains(t, b.follow(t, b.c.Get(t, loc+"/cancel", authtest.As(&buyer)...), &buyer), orders.ErrAlreadyCancelled.Message)
}

// A shipped order cannot be cancelled, and the page says so.
func TestPages_ShopCancelShipped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	loc, id := b.placedOrder(t, "shipped")
	require.NoError(t, b.svc.Charge(ctx, id, ""))
	for range 2 {
		_, err := b.svc.Carry(ctx)
		require.NoError(t, err)
	}
	o, err := b.svc.Get(ctx, admin, id)
	require.NoError(t, err)
	require.Equal(t, orders.StatusShipped, o.Status)
	require.NotContains(t, b.c.Get(t, loc, authtest.As(&admin)...).Body, `id="shop-cancel"`)
	r := b.c.Post(t, loc+"/cancel", url.Values{"reason": {"Too late"}}, authtest.As(&admin)...)
	require.Contains(t, b.follow(t, r, &admin), orders.ErrCannotCancel.Message)
}

// An admin cancels through the API with the shop's reason; every answer is
// checked against the OpenAPI document.
func TestAPI_ShopCancel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	_, id := b.placedOrder(t, "api-shop-cancel")
	path := "/api/v1/orders/" + strconv.FormatInt(id, 10) + "/cancel"

	r := b.c.JSON(t, http.MethodPost, path, js(t, map[string]any{"reason": "Fraud"}), authtest.As(&seller)...)
	require.Equal(t, http.StatusForbidden, r.StatusCode)
	require.Contains(t, r.Body, "orders.cancel_forbidden")
	require.Equal(t, http.StatusForbidden, b.c.JSON(t, http.MethodPost, path, js(t, map[string]any{"reason": "Fraud"}), authtest.As(&buyer)...).StatusCode)
	require.Equal(t, http.StatusNotFound, b.c.JSON(t, http.MethodPost, path, js(t, map[string]any{"reason": "Fraud"}), authtest.As(&other)...).StatusCode)
	r = b.c.JSON(t, http.MethodPost, path, "", authtest.As(&admin)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, "an admin cancelling another's order gives the reason")
	require.Contains(t, r.Body, `"reason"`)
	require.Equal(t, http.StatusBadRequest, b.c.JSON(t, http.MethodPost, path, js(t, map[string]any{"reason": 5}), authtest.As(&admin)...).StatusCode)

	r = b.c.JSON(t, http.MethodPost, path, js(t, map[string]any{"reason": "Suspected fraud"}), authtest.As(&admin)...)
	require.Equal(t, http.StatusOK, r.StatusCode, r.Body)
	var o struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.Body), &o))
	require.Equal(t, "cancelled", o.Status)
	require.Equal(t, "cancelled by the shop: Suspected fraud", o.Reason)
	r = b.c.JSON(t, http.MethodPost, path, js(t, map[string]any{"reason": "Suspected fraud"}), authtest.As(&admin)...)
	require.Equal(t, http.StatusConflict, r.StatusCode, "the same request twice")
	require.Contains(t, r.Body, "orders.already_cancelled")

	r = b.c.Get(t, "/api/v1/notifications", authtest.As(&buyer)...)
	require.Contains(t, r.Body, "The shop cancelled your order #"+strconv.FormatInt(id, 10)+": \u2068Suspected fraud\u2069. Nothing was charged.")
	r = b.c.Get(t, "/api/v1/notifications", authtest.As(&seller)...)
	require.Contains(t, r.Body, "The shop cancelled order #"+strconv.FormatInt(id, 10)+": \u2068Suspected fraud\u2069. The copies are back on sale.")
	require.NoError(t, b.svc.ReleaseStock(ctx, id, 0))
	require.Equal(t, 3, catalogtest.StockOf(ctx, t, b.pool, b.book.ID).Available)

	// The buyer's own cancel still needs no body.
	_, mine := b.placedOrder(t, "api-buyer-cancel")
	r = b.c.JSON(t, http.MethodPost, "/api/v1/orders/"+strconv.FormatInt(mine, 10)+"/cancel", "", authtest.As(&buyer)...)
	require.Equal(t, http.StatusOK, r.StatusCode, r.Body)
}

// A buyer who cancels a paid order is told on its page how much was
// refunded, in the words of the notification.
func TestPages_BuyerCancelTellsTheRefund(t *testing.T) {
	t.Parallel()
	b := setup(t)
	loc, o := b.paidOrder(t, "buyer-cancel")
	r := b.c.Post(t, loc+"/cancel", nil, authtest.As(&buyer)...)
	require.Contains(t, b.follow(t, r, &buyer), "You cancelled your order #"+strconv.FormatInt(o.ID, 10)+". You were refunded "+view.Money(o.TotalCents)+".")
}
