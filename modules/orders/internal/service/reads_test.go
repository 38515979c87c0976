package service_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/pgtest"
)

// TestService_CarryReadsOnlyWhatIsDue: a round of the carrier reads the
// shipments due and their orders, not the shop's history. Here 20,000
// delivered orders lie beside 300 on their way: joined, the planner
// priced the due shipments' orders above a scan of every order and read
// the whole table twice per round.
func TestService_CarryReadsOnlyWhatIsDue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	// A cancelled order (it has no shipment) is the model of the history.
	model := b.place(t, "model", 1, service.PaymentInput{Method: orders.MethodWallet})
	require.NoError(t, b.svc.Cancel(ctx, b.buyer, model.ID))
	const delivered, onTheWay = 20_000, 300
	_, err := b.pool.Exec(ctx, `
		WITH o AS (
			INSERT INTO orders.orders (buyer_id, buyer_name, status, idempotency_key, request_hash, ship_name, ship_street,
				ship_city, ship_region, ship_postal, ship_country, provider_id, provider_name, subtotal_cents, delivery_cents, total_cents)
			SELECT buyer_id, buyer_name, CASE WHEN g <= $2 THEN 'shipped' ELSE 'delivered' END, 'history-' || g, request_hash,
				ship_name, ship_street, ship_city, ship_region, ship_postal, ship_country, provider_id, provider_name,
				subtotal_cents, delivery_cents, total_cents
			FROM orders.orders, generate_series(1, $3::int) g WHERE id = $1
			RETURNING id, status
		)
		INSERT INTO orders.shipments (order_id, provider, tracking_number, step, due_at)
		SELECT id, 'History', 'H' || id, CASE status WHEN 'shipped' THEN 'in_transit' ELSE 'delivered' END,
			CASE status WHEN 'shipped' THEN $4::timestamptz END
		FROM o`, model.ID, onTheWay, delivered+onTheWay, b.clock.Now())
	require.NoError(t, err)
	_, err = b.pool.Exec(ctx, "ANALYZE orders.orders, orders.shipments")
	require.NoError(t, err)

	orders0, shipments0 := pgtest.Stats(t, b.pool, "orders.orders").Read, pgtest.Stats(t, b.pool, "orders.shipments").Read
	require.Equal(t, onTheWay, b.carry(t))
	orders1, shipments1 := pgtest.Stats(t, b.pool, "orders.orders").Read, pgtest.Stats(t, b.pool, "orders.shipments").Read
	t.Logf("one round of %d due shipments read %d orders and %d shipments", onTheWay, orders1-orders0, shipments1-shipments0)
	// Each due shipment and its order are read two or three times: to
	// move it, and to see whether its order ended otherwise (a scan of
	// the history reads 20,000).
	require.LessOrEqual(t, orders1-orders0, int64(4*onTheWay), "orders read by one round")
	require.LessOrEqual(t, shipments1-shipments0, int64(4*onTheWay), "shipments read by one round")
}
