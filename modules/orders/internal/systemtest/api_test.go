package systemtest_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/web"
)

// TestAPI_CartAndOrders walks the orders endpoints the journeys do not,
// through the client that checks each exchange against the OpenAPI
// document: the empty cart, removing a line, the delivery providers, the
// list of orders, a cancellation and the refusals.
func TestAPI_CartAndOrders(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := context.Background()
	b := a.newUser(t, false)
	book := catalogtest.CreateBook(ctx, t, a.pool, &catalogtest.BookOpts{Copies: 3, PriceCents: 900})

	var cart struct {
		Lines []struct {
			BookID int64 `json:"book_id"`
		} `json:"lines"`
		Count int `json:"count"`
	}
	require.Equal(t, http.StatusOK, a.call(t, b, http.MethodGet, "/api/v1/cart", nil, &cart))
	require.NotNil(t, cart.Lines, "an empty cart has an empty list of lines")
	require.Empty(t, cart.Lines)
	item := fmt.Sprintf("/api/v1/cart/items/%d", book.ID)
	require.Equal(t, http.StatusOK, a.call(t, b, http.MethodPut, item, map[string]any{"quantity": 2}, &cart))
	require.Equal(t, 2, cart.Count)
	require.Equal(t, http.StatusOK, a.call(t, b, http.MethodDelete, item, nil, &cart))
	require.Zero(t, cart.Count)
	require.Equal(t, http.StatusNotFound, a.call(t, b, http.MethodDelete, item, nil, nil))
	require.Equal(t, http.StatusNotFound, a.call(t, b, http.MethodDelete, "/api/v1/cart/items/abc", nil, nil))
	require.Equal(t, http.StatusBadRequest, a.call(t, b, http.MethodPut, item, map[string]any{"quantity": "two"}, nil))
	require.Equal(t, http.StatusUnprocessableEntity, a.call(t, b, http.MethodPut, item, map[string]any{}, nil))
	require.Equal(t, http.StatusUnauthorized, a.call(t, buyer{}, http.MethodGet, "/api/v1/cart", nil, nil))

	var providers struct {
		Providers []struct {
			ID       int64  `json:"id"`
			Coverage string `json:"coverage"`
		} `json:"providers"`
	}
	require.Equal(t, http.StatusOK, a.call(t, buyer{}, http.MethodGet, "/api/v1/delivery-providers?country=us", nil, &providers))
	require.NotEmpty(t, providers.Providers)
	for _, p := range providers.Providers {
		require.Equal(t, "international", p.Coverage)
	}
	require.Equal(t, http.StatusUnprocessableEntity, a.call(t, buyer{}, http.MethodGet, "/api/v1/delivery-providers?country=Colombia", nil, nil))

	var refusal web.ErrorBody
	require.Equal(t, http.StatusUnprocessableEntity, a.call(t, b, http.MethodPost, "/api/v1/orders", checkoutBody("4242424242424242"), &refusal, "Idempotency-Key", "empty"), "an empty cart")
	require.Equal(t, "orders.empty_cart", refusal.Error.Code)
	refusal = web.ErrorBody{}
	require.Equal(t, http.StatusConflict, a.call(t, b, http.MethodPost, "/api/v1/orders", checkoutBody("4242424242424242", service.SeenLine{BookID: book.ID, Quantity: 1, PriceCents: book.PriceCents}), &refusal, "Idempotency-Key", "emptied"), "a cart emptied since the buyer saw it")
	require.Equal(t, "orders.cart_changed", refusal.Error.Code)
	require.Equal(t, http.StatusOK, a.call(t, b, http.MethodPut, item, map[string]any{"quantity": 1}, nil))
	require.Equal(t, http.StatusUnprocessableEntity, a.call(t, b, http.MethodPost, "/api/v1/orders", checkoutBody("4242424242424242"), nil), "no Idempotency-Key")
	seen := service.SeenLine{BookID: book.ID, Quantity: 1, PriceCents: book.PriceCents}
	body := checkoutBody("", seen)
	body["payment"] = map[string]any{"method": "bank_transfer"}
	var o orderJSON
	require.Equal(t, http.StatusCreated, a.call(t, b, http.MethodPost, "/api/v1/orders", body, &o, "Idempotency-Key", "transfer"))
	require.Equal(t, http.StatusUnprocessableEntity, a.call(t, b, http.MethodPost, "/api/v1/orders", checkoutBody("4242424242424242", seen), nil, "Idempotency-Key", "transfer"), "the key was used for another body")

	var list struct {
		Orders []orderJSON `json:"orders"`
	}
	require.Equal(t, http.StatusOK, a.call(t, b, http.MethodGet, "/api/v1/orders?limit=10&offset=0", nil, &list))
	require.Len(t, list.Orders, 1)
	require.Equal(t, o.ID, list.Orders[0].ID)
	require.Equal(t, http.StatusUnprocessableEntity, a.call(t, b, http.MethodGet, "/api/v1/orders?limit=1000", nil, nil))

	var cancelled orderJSON
	require.Equal(t, http.StatusOK, a.call(t, b, http.MethodPost, fmt.Sprintf("/api/v1/orders/%d/cancel", o.ID), nil, &cancelled))
	require.Equal(t, "cancelled", cancelled.Status)
	require.Equal(t, http.StatusConflict, a.call(t, b, http.MethodPost, fmt.Sprintf("/api/v1/orders/%d/cancel", o.ID), nil, nil))
	other := a.newUser(t, false)
	require.Equal(t, http.StatusNotFound, a.call(t, other, http.MethodPost, fmt.Sprintf("/api/v1/orders/%d/cancel", o.ID), nil, nil))
	require.Equal(t, http.StatusNotFound, a.call(t, b, http.MethodGet, "/api/v1/orders/abc", nil, nil))
	require.Equal(t, http.StatusNotFound, a.call(t, b, http.MethodGet, "/api/v1/orders/99999999", nil, nil))
	require.Equal(t, 1.0, a.metric(t, `bookstore_orders_total{status="cancelled"}`))
}
