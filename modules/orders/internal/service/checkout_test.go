package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/tracing/tracingtest"
)

// TestService_PlaceFinishesWhenTheBuyerLeaves: once the cart has become a
// pending order, the checkout finishes whatever its request does. A buyer
// of two books who closes the tab as the catalog is asked to hold them
// finds the order awaiting payment, its charge job in the checkout's
// trace, or, when the catalog refuses, the cart as it was and nothing
// held, with the catalog of the monolith and the remote one of a split
// shop alike.
func TestService_PlaceFinishesWhenTheBuyerLeaves(t *testing.T) {
	t.Parallel()
	for _, remote := range []bool{false, true} {
		for _, refused := range []bool{false, true} {
			name := map[bool]string{false: "Local", true: "Remote"}[remote] + map[bool]string{false: "Held", true: "Refused"}[refused]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				b := setup(t)
				emma := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Emma", PriceCents: 900, Copies: 1})
				cat := b.cat
				if remote {
					cat = catalogtest.NewRemote(t, b.pool)
				}
				request, leave := context.WithCancel(tracingtest.InTrace(ctx, 1))
				defer leave()
				svc := b.newService(t, &catalogtest.BeforeReserve{Service: cat, Func: func(context.Context) {
					leave()
					if refused {
						// Another checkout takes the last copy of Emma
						// meanwhile.
						catalogtest.Hold(ctx, t, cat, b.pool, 777, emma.ID, 1)
					}
				}})
				me := service.Owner{UserID: b.buyer.ID}
				require.NoError(t, svc.SetQuantity(ctx, me, b.book.ID, 2))
				require.NoError(t, svc.SetQuantity(ctx, me, emma.ID, 1))
				cart, err := svc.Cart(ctx, me)
				require.NoError(t, err)
				// The books are read again at checkout, so that a refusal
				// is the catalog's, not a reason to look again.
				b.clock.Add(time.Minute)
				in := checkoutInput("k", service.PaymentInput{Method: orders.MethodWallet})
				in.Lines = cart.Seen()

				o, err := svc.Place(request, b.buyer, in)
				require.ErrorIs(t, request.Err(), context.Canceled, "the buyer left mid-way")
				back, cartErr := svc.Cart(ctx, me)
				require.NoError(t, cartErr)
				if refused {
					requireCode(t, err, "catalog.out_of_stock")
					require.Zero(t, b.count(t, "SELECT count(*) FROM orders.orders"), "the pending order is dropped")
					require.Equal(t, cart.Seen(), back.Seen(), "the cart is as it was")
					require.Zero(t, b.count(t, "SELECT count(*) FROM catalog.holds WHERE state = 'held' AND order_id <> 777"))
					require.Equal(t, catalogtest.Counts{Listed: 3, Available: 3}, catalogtest.StockOf(ctx, t, b.pool, b.book.ID))
					return
				}
				require.NoError(t, err)
				require.Equal(t, orders.StatusAwaitingPayment, o.Status)
				require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.orders WHERE id = $1 AND status = 'awaiting_payment'", o.ID))
				require.Empty(t, back.Lines, "the cart became the order")
				require.Equal(t, catalogtest.Counts{Listed: 3, Available: 1, Held: 2}, catalogtest.StockOf(ctx, t, b.pool, b.book.ID))
				require.Equal(t, catalogtest.Counts{Listed: 1, Held: 1}, catalogtest.StockOf(ctx, t, b.pool, emma.ID))
				var traceParent string
				require.NoError(t, b.pool.QueryRow(ctx, `SELECT metadata->>'traceparent' FROM river.river_job
					WHERE kind = 'orders.charge_payment' AND (args->>'order_id')::bigint = $1`, o.ID).Scan(&traceParent))
				require.Equal(t, trace.SpanContextFromContext(request).TraceID().String(), strings.Split(traceParent, "-")[1], "the charge job continues the checkout's trace")
			})
		}
	}
}
