package systemtest_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/tracing"
)

// TestTrace_CheckoutToShipping follows one checkout through its trace: the
// request that placed the order, the stock reservation it made, the charge
// job it enqueued, and the shipment the charge made are one tree, with the SQL of each step inside it. Nothing else starts a trace but requests
// and jobs.
func TestTrace_CheckoutToShipping(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	a := newTracedApp(t, tracing.New(sdktrace.WithSyncer(exp)))
	ctx := context.Background()
	b := a.newUser(t, false)
	book := catalogtest.CreateBook(ctx, t, a.pool, &catalogtest.BookOpts{Copies: 1})
	require.Equal(t, http.StatusOK, a.call(t, b, http.MethodPut, fmt.Sprintf("/api/v1/cart/items/%d", book.ID), map[string]any{"quantity": 1}, nil))
	var o orderJSON
	require.Equal(t, http.StatusCreated, a.call(t, b, http.MethodPost, "/api/v1/orders", checkoutBody("4242424242424242", service.SeenLine{BookID: book.ID, Quantity: 1, PriceCents: book.PriceCents}), &o, "Idempotency-Key", "traced"))

	var spans tracetest.SpanStubs
	deadline := time.Now().Add(time.Minute)
	for {
		spans = exp.GetSpans()
		// The carrier delivers a few rounds after the charge shipped.
		if slices.Contains(names(spans), "orders.ship delivered") {
			break
		}
		require.True(t, time.Now().Before(deadline), "the order never shipped: %v", names(spans))
		<-timeAfter()
	}

	one := func(name string, parent tracetest.SpanStub, kind trace.SpanKind) tracetest.SpanStub {
		t.Helper()
		var found []tracetest.SpanStub
		for _, s := range spans {
			if s.Name == name && s.Parent.SpanID() == parent.SpanContext.SpanID() {
				found = append(found, s)
			}
		}
		require.Len(t, found, 1, "one %q under %q among %v", name, parent.Name, names(spans))
		require.Equal(t, kind, found[0].SpanKind, name)
		if parent.SpanContext.IsValid() {
			require.Equal(t, parent.SpanContext.TraceID(), found[0].SpanContext.TraceID(), "%s continues the trace", name)
		}
		return found[0]
	}
	request := one("POST /api/v1/orders", tracetest.SpanStub{}, trace.SpanKindServer)
	one("catalog.Reserve", request, trace.SpanKindInternal)
	one("PlaceOrder", request, trace.SpanKindClient)
	// The charge job goes in with the jobs of the checkouts submitted in
	// the same batch, in the trace of the one that led it (this one,
	// alone), and continues its own checkout's trace.
	one("river.insert_many", request, trace.SpanKindProducer)
	charge := one("river.work/orders.charge_payment", request, trace.SpanKindConsumer)
	// One statement moves the order, settles its payment and ships it; when
	// the buyer's chosen email has reached orders by then (the recipients
	// feed is a job of its own), that statement leaves the order alone and
	// runs again in a transaction that writes the email.
	var moves int
	for _, s := range spans {
		if s.Name == "Transition" && s.Parent.SpanID() == charge.SpanContext.SpanID() {
			require.Equal(t, charge.SpanContext.TraceID(), s.SpanContext.TraceID())
			moves++
		}
	}
	require.Contains(t, []int{1, 2}, moves, "the charge's statements among %v", names(spans))
	// The carrier moves shipments in batches, each round a job of its own;
	// every order's steps go on under the charge that shipped it.
	for _, step := range []string{"picked_up", "in_transit", "out_for_delivery", "delivered"} {
		ship := one("orders.ship "+step, charge, trace.SpanKindInternal)
		require.Len(t, ship.Links, 1, "%s links the carrier's round that took it", ship.Name)
	}

	for _, s := range spans {
		if s.Parent.IsValid() || s.SpanContext.TraceID() == request.SpanContext.TraceID() {
			continue
		}
		require.Contains(t, []trace.SpanKind{trace.SpanKindServer, trace.SpanKindConsumer}, s.SpanKind,
			"only requests and jobs start traces; River's polling does not (%s)", s.Name)
	}
}

func names(spans tracetest.SpanStubs) []string {
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = s.Name
	}
	return out
}
