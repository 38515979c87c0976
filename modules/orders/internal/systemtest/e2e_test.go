package systemtest_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
)

func TestAPI_CheckoutToDelivery(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := context.Background()
	seller := a.newUser(t, false)
	b := a.newUser(t, false)
	book := catalogtest.CreateBook(ctx, t, a.pool, &catalogtest.BookOpts{SellerID: seller.user.ID, PriceCents: 1250, Copies: 2})

	require.Equal(t, http.StatusOK, a.call(t, b, http.MethodPut, fmt.Sprintf("/api/v1/cart/items/%d", book.ID), map[string]any{"quantity": 2}, nil))
	var o orderJSON
	require.Equal(t, http.StatusCreated, a.call(t, b, http.MethodPost, "/api/v1/orders", checkoutBody("4000 0000 0000 0119", service.SeenLine{BookID: book.ID, Quantity: 2, PriceCents: 1250}), &o, "Idempotency-Key", "e2e-1"))
	require.Equal(t, int64(2500+800), o.TotalCents)
	require.Equal(t, "0119", o.Payment.Last4)
	var again orderJSON
	require.Equal(t, http.StatusCreated, a.call(t, b, http.MethodPost, "/api/v1/orders", checkoutBody("4000 0000 0000 0119", service.SeenLine{BookID: book.ID, Quantity: 2, PriceCents: 1250}), &again, "Idempotency-Key", "e2e-1"))
	require.Equal(t, o.ID, again.ID)

	// The flaky card fails twice at the processor and River retries it;
	// then the carrier moves the shipment's four steps, each due 50 ms
	// after the one before.
	got := a.waitStatus(t, b, o.ID, "delivered")
	require.Equal(t, "succeeded", got.Payment.Status)
	require.NotNil(t, got.Shipment)
	require.Len(t, got.Shipment.Events, 5)
	c := catalogtest.StockOf(ctx, t, a.pool, book.ID)
	require.Equal(t, catalogtest.Counts{Listed: 2, Available: 0, Held: 0, Sold: 2}, c)

	var notes struct {
		Notifications []struct{ Step string } `json:"notifications"`
		Unread        int                     `json:"unread"`
	}
	require.Equal(t, http.StatusOK, a.call(t, seller, http.MethodGet, "/api/v1/notifications", nil, &notes))
	require.Len(t, notes.Notifications, 4) // placed, paid, shipped, delivered
	var sales struct {
		Sales []service.Sale `json:"sales"`
	}
	require.Equal(t, http.StatusOK, a.call(t, seller, http.MethodGet, "/api/v1/sales", nil, &sales))
	require.Len(t, sales.Sales, 1)
	require.Equal(t, http.StatusNotFound, a.call(t, a.newUser(t, false), http.MethodGet, fmt.Sprintf("/api/v1/orders/%d", o.ID), nil, nil))

	for status, n := range map[string]float64{"awaiting_payment": 1, "paid": 1, "shipped": 1, "delivered": 1, "payment_failed": 0, "cancelled": 0} {
		require.Equal(t, n, a.metric(t, `bookstore_orders_total{status="`+status+`"}`), "a replayed checkout counts once: %s", status)
	}
	require.Equal(t, 2.0, a.metric(t, `bookstore_payments_total{method="card",outcome="error"}`), "the flaky card failed twice")
	require.Equal(t, 1.0, a.metric(t, `bookstore_payments_total{method="card",outcome="approved"}`))
}

func TestAPI_DeclinedReleasesStock(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := context.Background()
	b := a.newUser(t, false)
	book := catalogtest.CreateBook(ctx, t, a.pool, &catalogtest.BookOpts{Copies: 1})
	require.Equal(t, http.StatusOK, a.call(t, b, http.MethodPut, fmt.Sprintf("/api/v1/cart/items/%d", book.ID), map[string]any{"quantity": 1}, nil))
	var o orderJSON
	require.Equal(t, http.StatusCreated, a.call(t, b, http.MethodPost, "/api/v1/orders", checkoutBody("4000000000000002", service.SeenLine{BookID: book.ID, Quantity: 1, PriceCents: book.PriceCents}), &o, "Idempotency-Key", "d"))
	got := a.waitStatus(t, b, o.ID, "payment_failed")
	require.Equal(t, "the card was declined", got.Payment.FailureReason)
	require.Equal(t, 1.0, a.metric(t, `bookstore_payments_total{method="card",outcome="declined"}`))
	require.Equal(t, 1.0, a.metric(t, `bookstore_orders_total{status="payment_failed"}`))
	require.Equal(t, 0.0, a.metric(t, `bookstore_orders_total{status="paid"}`))
	deadline := 0
	for catalogtest.StockOf(ctx, t, a.pool, book.ID).Available != 1 {
		deadline++
		require.Less(t, deadline, 600, "stock never came back")
		<-timeAfter()
	}
}

// TestCheckout_LastCopiesRace runs 50 buyers through the real checkout
// (orders service over the real catalog service) for the last 7 copies.
func TestCheckout_LastCopiesRace(t *testing.T) {
	t.Parallel()
	const buyers, copies = 50, 7
	a := newApp(t)
	ctx := context.Background()
	book := catalogtest.CreateBook(ctx, t, a.pool, &catalogtest.BookOpts{SellerID: 9999, Copies: copies})
	users := make([]auth.User, buyers)
	for i := range users {
		users[i] = auth.User{ID: auth.UserID(10_000 + i), Name: "Buyer"}
		require.NoError(t, a.svc.SetQuantity(ctx, service.Owner{UserID: users[i].ID}, book.ID, 1))
	}
	var (
		wg             sync.WaitGroup
		mu             sync.Mutex
		ok, outOfStock int
		unexpected     []error
		start          = make(chan struct{})
	)
	for i := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			in := service.PlaceInput{Key: fmt.Sprintf("race-%d", i), ProviderID: 3, DeliveryCents: new(int64(800)), Lines: []service.SeenLine{{BookID: book.ID, Quantity: 1, PriceCents: book.PriceCents}},
				Address: service.Address{Name: "N", Street: "S", City: "C", Region: "R", PostalCode: "1", Country: "CO"},
				Payment: service.PaymentInput{Method: "wallet"}}
			_, err := a.svc.Place(ctx, users[i], in)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case strings.Contains(err.Error(), "copies") || strings.Contains(err.Error(), "sold out"):
				require.ErrorIs(t, err, catalog.ErrOutOfStock)
				outOfStock++
			default:
				unexpected = append(unexpected, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	require.Empty(t, unexpected)
	require.Equal(t, copies, ok)
	require.Equal(t, buyers-copies, outOfStock)
	c := catalogtest.StockOf(ctx, t, a.pool, book.ID)
	require.Equal(t, 0, c.Available)
	require.Equal(t, copies, c.Held+c.Sold)
	var orders int
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT count(*) FROM orders.orders").Scan(&orders))
	require.Equal(t, copies, orders)
}

// TestCheckout_CartChecksOutOnce sends one buyer's one-copy cart to the
// JSON API eight times at once, each with its own Idempotency-Key (eight
// tabs): one order is placed and charged, the others get 409.
func TestCheckout_CartChecksOutOnce(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := context.Background()
	b := a.newUser(t, false)
	book := catalogtest.CreateBook(ctx, t, a.pool, &catalogtest.BookOpts{Copies: 5})
	require.Equal(t, http.StatusOK, a.call(t, b, http.MethodPut, fmt.Sprintf("/api/v1/cart/items/%d", book.ID), map[string]any{"quantity": 1}, nil))
	const tabs = 8
	statuses := make([]int, tabs)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range tabs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i] = a.call(t, b, http.MethodPost, "/api/v1/orders",
				checkoutBody("4242424242424242", service.SeenLine{BookID: book.ID, Quantity: 1, PriceCents: book.PriceCents}),
				nil, "Idempotency-Key", fmt.Sprintf("tab-%d", i))
		}()
	}
	close(start)
	wg.Wait()
	created := 0
	for _, st := range statuses {
		if st == http.StatusCreated {
			created++
			continue
		}
		require.Equal(t, http.StatusConflict, st)
	}
	require.Equal(t, 1, created)
	var orders, payments int
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT count(*) FROM orders.orders").Scan(&orders))
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT count(*) FROM orders.payments").Scan(&payments))
	require.Equal(t, []int{1, 1}, []int{orders, payments})
	c := catalogtest.StockOf(ctx, t, a.pool, book.ID)
	require.Equal(t, 1, c.Held+c.Sold, "one copy is held for the one order")
}
