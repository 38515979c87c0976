package service_test

import (
	"context"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore"
	"github.com/bookstore/bookstore/platform/migrate"
	"github.com/bookstore/bookstore/platform/pgtest"
)

// Orders placed before the names were recorded read 'User #<id>', the id
// the pages showed until then, and new ones must name people (NOT NULL).
func TestMigration_PartyNamesBackfill(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgtest.NewEmptyURL(t))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	all, err := bookstore.Migrations("orders")
	require.NoError(t, err)
	before := fstest.MapFS{}
	for _, name := range []string{"0001_schema.up.sql", "0002_orders.up.sql", "0003_payment_retry.up.sql"} {
		b, err := fs.ReadFile(all, name)
		require.NoError(t, err)
		before[name] = &fstest.MapFile{Data: b}
	}
	require.NoError(t, migrate.Apply(ctx, pool, []migrate.Set{{Schema: "orders", FS: before}}))
	_, err = pool.Exec(ctx, `
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
