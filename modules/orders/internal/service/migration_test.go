package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore"
	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/migrate"
	"github.com/bookstore/bookstore/platform/pg"
	"github.com/bookstore/bookstore/platform/pgtest"
)

// ordersOf inserts an order in each of statuses, as a schema migrated
// from 0004 on holds them, keyed k1, k2, …, and returns their ids in
// that order.
func ordersOf(t *testing.T, pool *pgxpool.Pool, statuses ...string) []int64 {
	t.Helper()
	rows, err := pool.Query(context.Background(), `
		INSERT INTO orders.orders (buyer_id, buyer_name, status, idempotency_key, request_hash, ship_name, ship_street,
			ship_city, ship_region, ship_postal, ship_country, provider_id, provider_name, subtotal_cents, delivery_cents, total_cents)
		SELECT 7, 'Ana', s.status, 'k' || s.n, 'h', 'Ana', 'Calle 1', 'Bogotá', 'Cundinamarca', '110111', 'CO', 4, 'Servientrega', 1500, 650, 2150
		FROM unnest($1::text[]) WITH ORDINALITY s(status, n) ORDER BY s.n
		RETURNING id`, statuses)
	require.NoError(t, err)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	require.NoError(t, err)
	return ids
}

// Orders placed before the names were recorded read 'User #<id>', the id
// the pages showed until then, and new ones must name people (NOT NULL).
func TestMigration_PartyNamesBackfill(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.MigratedBefore(t, "orders", "0004")
	_, err := pool.Exec(ctx, `
		WITH o AS (
			INSERT INTO orders.orders (buyer_id, idempotency_key, request_hash, ship_name, ship_street, ship_city,
				ship_region, ship_postal, ship_country, provider_id, provider_name, subtotal_cents, delivery_cents, total_cents)
			VALUES (7, 'k', 'h', 'Ana', 'Calle 1', 'Bogotá', 'Cundinamarca', '110111', 'CO', 4, 'Servientrega', 1500, 650, 2150)
			RETURNING id)
		INSERT INTO orders.order_lines (order_id, book_id, seller_id, title, price_cents, quantity)
		SELECT o.id, 1, 8, 'Dune', 1500, 1 FROM o`)
	require.NoError(t, err)

	require.NoError(t, migrate.Apply(ctx, pool, bookstore.MigrationSets("orders")))
	var buyer, seller string
	require.NoError(t, pool.QueryRow(ctx, `SELECT o.buyer_name, l.seller_name FROM orders.orders o JOIN orders.order_lines l ON l.order_id = o.id`).Scan(&buyer, &seller))
	require.Equal(t, []string{"User #7", "User #8"}, []string{buyer, seller})
	_, err = pool.Exec(ctx, `INSERT INTO orders.order_lines (order_id, book_id, seller_id, title, price_cents, quantity)
		SELECT id, 2, 8, 'Emma', 900, 1 FROM orders.orders`)
	require.ErrorContains(t, err, "seller_name", "a line must name its seller")
}

// Sellers' sales delivered before the count was kept as data: an order
// once per seller (two books of one seller in it count once), and only
// delivered orders.
func TestMigration_SellerSalesBackfill(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.MigratedBefore(t, "orders", "0009")
	ordersOf(t, pool, "delivered", "delivered", "shipped", "cancelled")
	_, err := pool.Exec(ctx, `
		INSERT INTO orders.order_lines (order_id, book_id, seller_id, seller_name, title, price_cents, quantity)
		SELECT o.id, l.book, l.seller, 'Seller', 'Dune', 500, 1
		FROM orders.orders o JOIN (VALUES ('k1', 1, 8), ('k1', 2, 8), ('k1', 3, 9), ('k2', 1, 8), ('k3', 1, 8), ('k3', 4, 10), ('k4', 4, 10))
			l(key, book, seller) ON l.key = o.idempotency_key`)
	require.NoError(t, err)

	require.NoError(t, migrate.Apply(ctx, pool, bookstore.MigrationSets("orders")))
	rows, err := pool.Query(ctx, `SELECT seller_id, sales FROM orders.seller_sales ORDER BY seller_id`)
	require.NoError(t, err)
	type sales struct{ Seller, Sales int64 }
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[sales])
	require.NoError(t, err)
	require.Equal(t, []sales{{8, 2}, {9, 1}}, got, "sellers with no delivered order have no row")
}

// Sellers' ratings written before they were kept as data: the shown
// reviews only, so a seller whose reviews are all hidden has no row.
func TestMigration_SellerRatingsBackfill(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.MigratedBefore(t, "orders", "0013")
	ids := ordersOf(t, pool, "delivered", "delivered")
	_, err := pool.Exec(ctx, `
		INSERT INTO orders.reviews (order_id, seller_id, buyer_id, buyer_name, rating, hidden_reason, hidden_at)
		VALUES ($1, 8, 7, 'Ana', 5, NULL, NULL), ($2, 8, 7, 'Ana', 3, NULL, NULL), ($1, 9, 7, 'Ana', 1, 'abuse', now())`, ids[0], ids[1])
	require.NoError(t, err)

	require.NoError(t, migrate.Apply(ctx, pool, bookstore.MigrationSets("orders")))
	rows, err := pool.Query(ctx, `SELECT seller_id, ratings, rating_sum FROM orders.seller_ratings ORDER BY seller_id`)
	require.NoError(t, err)
	type ratings struct{ Seller, Ratings, Sum int64 }
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ratings])
	require.NoError(t, err)
	require.Equal(t, []ratings{{8, 2, 8}}, got)
}

// Shipments moved before the timeline was kept on their rows show the
// steps they took, each at the time shipment_events recorded it, the label
// included (the shipment's own creation time is the label's from then on).
func TestMigration_ShipmentTimelineBackfill(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.MigratedBefore(t, "orders", "0010")
	ids := ordersOf(t, pool, "delivered", "shipped")
	_, err := pool.Exec(ctx, `
		INSERT INTO orders.shipments (order_id, provider, tracking_number, step, created_at)
		VALUES ($1, 'Servientrega', 'SER1', 'delivered', '2026-01-01 10:00:05Z'), ($2, 'Servientrega', 'SER2', 'picked_up', '2026-01-02 10:00:00Z')`,
		ids[0], ids[1])
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `
		INSERT INTO orders.shipment_events (order_id, step, at)
		VALUES ($1, 'label_created', '2026-01-01 10:00:00Z'), ($1, 'picked_up', '2026-01-01 11:00:00Z'),
			($1, 'in_transit', '2026-01-01 12:00:00Z'), ($1, 'out_for_delivery', '2026-01-02 08:00:00Z'),
			($1, 'delivered', '2026-01-02 09:30:00Z'),
			($2, 'label_created', '2026-01-02 10:00:00Z'), ($2, 'picked_up', '2026-01-02 10:30:00Z')`, ids[0], ids[1])
	require.NoError(t, err)

	require.NoError(t, migrate.Apply(ctx, pool, bookstore.MigrationSets("orders")))
	svc := service.New(pool, nil, nil, nil)
	timeline := func(id int64) []string {
		o, err := svc.Get(ctx, auth.User{ID: 7}, id)
		require.NoError(t, err)
		require.NotNil(t, o.Shipment)
		var got []string
		for _, e := range o.Shipment.Events {
			got = append(got, e.Step+" "+e.At.UTC().Format(time.DateTime))
		}
		return got
	}
	require.Equal(t, []string{"label_created 2026-01-01 10:00:00", "picked_up 2026-01-01 11:00:00", "in_transit 2026-01-01 12:00:00",
		"out_for_delivery 2026-01-02 08:00:00", "delivered 2026-01-02 09:30:00"}, timeline(ids[0]))
	require.Equal(t, []string{"label_created 2026-01-02 10:00:00", "picked_up 2026-01-02 10:30:00"}, timeline(ids[1]))
	var events *string
	require.NoError(t, pool.QueryRow(ctx, `SELECT to_regclass('orders.shipment_events')::text`).Scan(&events))
	require.Nil(t, events, "the events live on the shipments now")
}

// Orders waiting when waiting_since came in wait since their last change,
// as updated_at said, so the sweeper finds them as it did; the others wait
// for nothing. The status index is gone, so that a step leaves the indexed
// columns alone, and the sweeper's partial index is there.
func TestMigration_WaitingSinceBackfill(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.MigratedBefore(t, "orders", "0012")
	ids := ordersOf(t, pool, "pending", "awaiting_payment", "paid", "payment_failed", "delivered")
	_, err := pool.Exec(ctx, `UPDATE orders.orders o SET updated_at = '2026-01-01 10:00:00Z'::timestamptz + n * interval '1 hour'
		FROM unnest($1::bigint[]) WITH ORDINALITY i(id, n) WHERE o.id = i.id`, ids)
	require.NoError(t, err)

	require.NoError(t, migrate.Apply(ctx, pool, bookstore.MigrationSets("orders")))
	rows, err := pool.Query(ctx, `SELECT status || ' ' || coalesce(to_char(waiting_since AT TIME ZONE 'UTC', 'HH24:MI'), '-')
		FROM orders.orders ORDER BY updated_at`)
	require.NoError(t, err)
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Equal(t, []string{"pending 11:00", "awaiting_payment 12:00", "paid -", "payment_failed -", "delivered -"}, got)
	var indexes []string
	require.NoError(t, pool.QueryRow(ctx, `SELECT array_agg(indexname::text ORDER BY indexname) FROM pg_indexes
		WHERE schemaname = 'orders' AND tablename = 'orders'`).Scan(&indexes))
	require.Equal(t, []string{"orders_buyer_id_idempotency_key_key", "orders_buyer_idx", "orders_pkey", "orders_waiting_idx"}, indexes)
	_, err = pool.Exec(ctx, "UPDATE orders.orders SET status = 'awaiting_payment' WHERE status = 'payment_failed'")
	require.ErrorContains(t, err, "orders_waiting_since_check", "an order cannot wait without saying since when")
}

// Notifications read before the mark came in stay read and unread ones
// stay unread, so a user's count is what it was: one who read all at once
// (the read ones are the oldest), one who read nothing, one who read
// everything. A notification that committed unread below one its user
// read stays unread, and so do the read ones above it: a count too high
// rather than a notification lost. read_at is gone.
func TestMigration_NotificationReadsBackfill(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.MigratedBefore(t, "orders", "0015")
	ids := ordersOf(t, pool, "delivered", "delivered", "delivered", "delivered", "delivered")
	// Each user's notifications in id order: true when read.
	history := map[auth.UserID][]bool{
		7:  {true, true, true, false, false},
		8:  {false, false},
		9:  {true, true},
		10: {true, false, true, false},
	}
	for user, reads := range history {
		for i, read := range reads {
			_, err := pool.Exec(ctx, `INSERT INTO orders.notifications (user_id, order_id, step, message, read_at)
				VALUES ($1, $2, 'delivered', 'Delivered', CASE WHEN $3 THEN now() END)`, user, ids[i], read)
			require.NoError(t, err)
		}
	}

	require.NoError(t, migrate.Apply(ctx, pool, bookstore.MigrationSets("orders")))
	svc := service.New(pool, nil, nil, nil)
	for user, want := range map[auth.UserID][]bool{7: {false, false, true, true, true}, 8: {false, false}, 9: {true, true}, 10: {false, false, false, true}} {
		n, err := svc.Unread(ctx, user)
		require.NoError(t, err)
		list, err := svc.Notifications(ctx, auth.User{ID: user}, service.Page{})
		require.NoError(t, err)
		got := make([]bool, len(list))
		for i, item := range list {
			got[i] = item.Read
		}
		require.Equal(t, want, got, "user %d's notifications, newest first: read", user)
		unread := 0
		for _, read := range want {
			if !read {
				unread++
			}
		}
		require.Equal(t, unread, n, "user %d", user)
	}
	var readAt bool
	require.NoError(t, pool.QueryRow(ctx, `SELECT EXISTS (SELECT FROM information_schema.columns
		WHERE table_schema = 'orders' AND table_name = 'notifications' AND column_name = 'read_at')`).Scan(&readAt))
	require.False(t, readAt, "the mark says what is read")
}

// Names that differ only in case, which an admin could give providers
// before they were unique in any case, get their ids appended, within the
// 100 characters a name may have; the provider with the lowest id keeps
// its name, and from then on a name in another case is refused.
func TestMigration_ProviderNamesAnyCase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.MigratedBefore(t, "orders", "0017")
	long := strings.Repeat("x", 100)
	_, err := pool.Exec(ctx, `UPDATE orders.delivery_providers SET name = 'dhl' WHERE id = 3`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO orders.delivery_providers (name, coverage, cost_cents, days)
		VALUES ('Dhl', 'national', 100, 1), ($1, 'national', 100, 1), (upper($1), 'national', 100, 1)`, long) // ids 5 to 7
	require.NoError(t, err)

	require.NoError(t, migrate.Apply(ctx, pool, bookstore.MigrationSets("orders")))
	rows, err := pool.Query(ctx, `SELECT name FROM orders.delivery_providers ORDER BY id`)
	require.NoError(t, err)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Equal(t, []string{"DHL", "FedEx", "dhl (3)", "Servientrega", "Dhl (5)", long, strings.Repeat("X", 96) + " (7)"}, names)
	_, err = pool.Exec(ctx, `INSERT INTO orders.delivery_providers (name, coverage, cost_cents, days) VALUES ('fedex', 'national', 100, 1)`)
	require.True(t, pg.IsUniqueViolation(err, "delivery_providers_name_key"), "%v", err)
}
