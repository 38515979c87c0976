-- name: OrderByKey :one
SELECT * FROM orders.orders WHERE buyer_id = @buyer_id AND idempotency_key = @idempotency_key;

-- name: InsertOrder :one
INSERT INTO orders.orders (buyer_id, idempotency_key, request_hash, ship_name, ship_street, ship_city,
    ship_region, ship_postal, ship_country, provider_id, provider_name, subtotal_cents, delivery_cents, total_cents)
VALUES (@buyer_id, @idempotency_key, @request_hash, @ship_name, @ship_street, @ship_city,
    @ship_region, @ship_postal, @ship_country, @provider_id, @provider_name, @subtotal_cents, @delivery_cents, @total_cents)
ON CONFLICT (buyer_id, idempotency_key) DO NOTHING
RETURNING *;

-- name: InsertOrderLine :exec
INSERT INTO orders.order_lines (order_id, book_id, seller_id, title, price_cents, quantity)
VALUES (@order_id, @book_id, @seller_id, @title, @price_cents, @quantity);

-- name: DeletePendingOrder :execrows
DELETE FROM orders.orders WHERE id = @id AND status = 'pending';

-- name: Order :one
SELECT * FROM orders.orders WHERE id = @id;

-- name: OrderForUpdate :one
SELECT * FROM orders.orders WHERE id = @id FOR UPDATE;

-- name: OrderLines :many
SELECT * FROM orders.order_lines WHERE order_id = @order_id ORDER BY book_id;

-- name: LinesOfOrders :many
SELECT * FROM orders.order_lines WHERE order_id = ANY(@order_ids::bigint[]) ORDER BY order_id, book_id;

-- name: Transition :execrows
-- One state change: from-state to to-state, or nothing when the order moved on.
UPDATE orders.orders SET status = @to_status, reason = @reason, updated_at = now()
WHERE id = @id AND status = @from_status;

-- name: BuyerOrders :many
SELECT * FROM orders.orders WHERE buyer_id = @buyer_id ORDER BY id DESC LIMIT @lim OFFSET @off;

-- name: AllOrders :many
SELECT * FROM orders.orders WHERE (@status::text = '' OR status = @status) ORDER BY id DESC LIMIT @lim OFFSET @off;

-- name: SellerLines :many
SELECT l.order_id, l.book_id, l.title, l.price_cents, l.quantity, o.status, o.ship_name, o.ship_city, o.created_at
FROM orders.order_lines l JOIN orders.orders o ON o.id = l.order_id
WHERE l.seller_id = @seller_id ORDER BY l.order_id DESC, l.book_id LIMIT @lim OFFSET @off;

-- name: IsSellerOf :one
SELECT EXISTS (SELECT 1 FROM orders.order_lines WHERE order_id = @order_id AND seller_id = @seller_id);

-- name: StuckOrders :many
SELECT * FROM orders.orders
WHERE status IN ('pending', 'awaiting_payment') AND updated_at < @before ORDER BY id LIMIT 100;

-- name: OrderStatuses :many
SELECT id, status FROM orders.orders WHERE id = ANY(@ids::bigint[]);
