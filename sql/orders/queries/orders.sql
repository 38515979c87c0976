-- name: OrderByKey :one
SELECT * FROM orders.orders WHERE buyer_id = @buyer_id AND idempotency_key = @idempotency_key;

-- name: PlaceOrder :one
-- One statement, so a checkout is atomic without a round trip per row: it
-- takes the buyer's cart and records the pending order with its lines, its
-- payment and the buyer's address. The buyer's and sellers' names are kept
-- as they are now, like the titles and prices; the delivery provider's name
-- and cost are read here, so an order is placed only with a provider that
-- is active and covers the address now, whatever a cache of them said. When
-- the cart does not hold exactly the lines the buyer was shown (another
-- checkout took them first, a tab changed a quantity or added a book) the
-- request hash is NULL, and when the provider is refused the provider name
-- is: their NOT NULL constraints refuse the row, so nothing happens. A key
-- used before breaks the unique key, which the caller answers as a replay.
WITH prov AS (
  SELECT p.name, p.cost_cents FROM orders.delivery_providers p
  WHERE p.id = @provider_id AND p.active AND p.coverage = @coverage
), claimed AS (
  DELETE FROM orders.cart_items ci USING orders.carts c
  WHERE c.user_id = sqlc.arg(buyer_id)::bigint AND ci.cart_id = c.id
  RETURNING ci.book_id, ci.quantity
), o AS (
  INSERT INTO orders.orders (buyer_id, buyer_name, idempotency_key, request_hash, ship_name, ship_street, ship_city,
    ship_region, ship_postal, ship_country, provider_id, provider_name, subtotal_cents, delivery_cents, total_cents)
  VALUES (sqlc.arg(buyer_id)::bigint, @buyer_name, @idempotency_key,
    CASE WHEN (SELECT string_agg(book_id || ':' || quantity, ',' ORDER BY book_id) FROM claimed) = @claim::text
      THEN @request_hash::text END,
    @ship_name, @ship_street, @ship_city, @ship_region, @ship_postal, @ship_country,
    @provider_id, (SELECT name FROM prov), sqlc.arg(subtotal_cents)::bigint, (SELECT cost_cents FROM prov),
    sqlc.arg(subtotal_cents)::bigint + (SELECT cost_cents FROM prov))
  RETURNING *
), lines AS (
  INSERT INTO orders.order_lines (order_id, book_id, seller_id, seller_name, title, price_cents, quantity)
  SELECT o.id, unnest(@book_ids::bigint[]), unnest(@seller_ids::bigint[]), unnest(@seller_names::text[]), unnest(@titles::text[]),
    unnest(@prices::bigint[]), unnest(@quantities::integer[])
  FROM o
), pay AS (
  INSERT INTO orders.payments (order_id, method, brand, last4, token, amount_cents)
  SELECT o.id, @method, @brand, @last4, @token, o.total_cents FROM o
), addr AS (
  INSERT INTO orders.addresses (user_id, name, street, city, region, postal_code, country)
  VALUES (sqlc.arg(buyer_id)::bigint, @ship_name, @ship_street, @ship_city, @ship_region, @ship_postal, @ship_country)
  ON CONFLICT (user_id) DO UPDATE SET name = EXCLUDED.name, street = EXCLUDED.street, city = EXCLUDED.city,
    region = EXCLUDED.region, postal_code = EXCLUDED.postal_code, country = EXCLUDED.country, updated_at = now()
)
SELECT * FROM o;

-- name: AbandonPendingOrder :one
-- Drops an order the catalog refused to hold (nothing was held or charged)
-- and puts its lines back in the buyer's cart, at the price the buyer saw.
-- Zero means the order had moved on (a concurrent replay placed it).
WITH o AS (
  DELETE FROM orders.orders d WHERE d.id = @id AND d.status = 'pending' RETURNING d.id, d.buyer_id
), restored AS (
  INSERT INTO orders.cart_items (cart_id, book_id, quantity, price_cents)
  SELECT c.id, l.book_id, l.quantity, l.price_cents
  FROM orders.order_lines l JOIN o ON o.id = l.order_id JOIN orders.carts c ON c.user_id = o.buyer_id
  ON CONFLICT (cart_id, book_id) DO NOTHING
)
SELECT count(*) FROM o;

-- name: RestoreCart :exec
-- Puts a cancelled checkout's lines back in its buyer's cart.
INSERT INTO orders.cart_items (cart_id, book_id, quantity, price_cents)
SELECT c.id, l.book_id, l.quantity, l.price_cents
FROM orders.order_lines l JOIN orders.orders o ON o.id = l.order_id JOIN orders.carts c ON c.user_id = o.buyer_id
WHERE l.order_id = @order_id
ON CONFLICT (cart_id, book_id) DO NOTHING;

-- name: Order :one
SELECT * FROM orders.orders WHERE id = @id;

-- name: OrderForUpdate :one
SELECT * FROM orders.orders WHERE id = @id FOR UPDATE;

-- name: OrderLines :many
SELECT * FROM orders.order_lines WHERE order_id = @order_id ORDER BY book_id;

-- name: LinesOfOrders :many
SELECT * FROM orders.order_lines WHERE order_id = ANY(@order_ids::bigint[]) ORDER BY order_id, book_id;

-- name: Transition :one
-- One state change, from-state to to-state, with the notifications of its
-- step (the buyer and each other seller), in one statement. It moves 0
-- when the order had moved on; then nothing is written. The unique (order,
-- step, user) key makes a retried step write each notification once. It
-- also returns where the step's emails go: the buyer's and the sellers'
-- confirmed addresses whose users chose the step's topic for their side
-- ('' for a side the step emails nobody).
WITH t AS (
  UPDATE orders.orders o SET status = @to_status, reason = @reason, updated_at = now()
  WHERE o.id = @id AND o.status = @from_status
  RETURNING o.id, o.buyer_id
), notes AS (
  INSERT INTO orders.notifications (user_id, order_id, step, message)
  SELECT u.user_id, t.id, @step::text,
    CASE WHEN u.user_id = t.buyer_id THEN @buyer_message::text ELSE @seller_message::text END
  FROM t JOIN (SELECT l.seller_id AS user_id FROM orders.order_lines l WHERE l.order_id = @id
               UNION SELECT b.buyer_id AS user_id FROM t b) u ON true
  ON CONFLICT (order_id, step, user_id) DO NOTHING
)
SELECT (SELECT count(*) FROM t) AS moved,
  (SELECT coalesce(array_agg(r.email), '{}') FROM t JOIN orders.recipients r ON r.user_id = t.buyer_id
   WHERE r.email IS NOT NULL AND sqlc.arg(buyer_topic)::text = ANY (r.email_topics))::text[] AS buyer_emails,
  (SELECT coalesce(array_agg(r.email ORDER BY r.user_id), '{}') FROM t JOIN orders.recipients r
     ON r.user_id IN (SELECT l.seller_id FROM orders.order_lines l WHERE l.order_id = @id) AND r.user_id <> t.buyer_id
   WHERE r.email IS NOT NULL AND sqlc.arg(seller_topic)::text = ANY (r.email_topics))::text[] AS seller_emails;

-- name: TransitionMany :many
-- Transition for a batch of orders, all from one state to another and
-- without a reason: @buyer_messages and @seller_messages are each order's,
-- in the order of @ids. It returns a row per order that moved, with where
-- the step's emails go, as Transition finds them.
WITH m AS (
  SELECT unnest(@ids::bigint[]) AS id, unnest(@buyer_messages::text[]) AS buyer_message,
    unnest(@seller_messages::text[]) AS seller_message
), t AS (
  UPDATE orders.orders o SET status = @to_status, reason = '', updated_at = now()
  FROM m WHERE o.id = m.id AND o.status = @from_status
  RETURNING o.id, o.buyer_id, m.buyer_message, m.seller_message
), notes AS (
  INSERT INTO orders.notifications (user_id, order_id, step, message)
  SELECT u.user_id, t.id, @step::text, CASE WHEN u.user_id = t.buyer_id THEN t.buyer_message ELSE t.seller_message END
  FROM t CROSS JOIN LATERAL (SELECT l.seller_id AS user_id FROM orders.order_lines l WHERE l.order_id = t.id
                             UNION SELECT t.buyer_id) u
  ON CONFLICT (order_id, step, user_id) DO NOTHING
)
SELECT t.id,
  (SELECT coalesce(array_agg(r.email), '{}') FROM orders.recipients r
   WHERE r.user_id = t.buyer_id AND r.email IS NOT NULL AND sqlc.arg(buyer_topic)::text = ANY (r.email_topics))::text[] AS buyer_emails,
  (SELECT coalesce(array_agg(r.email ORDER BY r.user_id), '{}') FROM orders.recipients r
   WHERE r.user_id IN (SELECT l.seller_id FROM orders.order_lines l WHERE l.order_id = t.id) AND r.user_id <> t.buyer_id
     AND r.email IS NOT NULL AND sqlc.arg(seller_topic)::text = ANY (r.email_topics))::text[] AS seller_emails
FROM t ORDER BY t.id;

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
