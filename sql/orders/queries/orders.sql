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
-- request hash is NULL; when the provider is refused the provider name is;
-- and when the buyer was shown another delivery cost (delivery_cents,
-- which every checkout must send) the delivery cost is, so no edit of the provider between the page and this statement is
-- charged unseen. Their NOT NULL constraints refuse the row, in the
-- columns' order, so nothing happens. A key
-- used before breaks the unique key, which the caller answers as a replay.
-- The address is written only when it differs from the one saved, which a
-- returning buyer's mostly does not: each write was a row version and its
-- WAL record.
-- The cart is found first, by a scalar sub-select the planner never turns
-- into a join, so its lines are read by their key: cart_items is mostly
-- dead rows, and a join, planned on statistics that say it is nearly
-- empty, read every line the table held since its last vacuum.
WITH prov AS (
  SELECT p.name, CASE WHEN p.cost_cents = @delivery_cents::bigint THEN p.cost_cents END AS cost_cents
  FROM orders.delivery_providers p
  WHERE p.id = @provider_id AND p.active AND p.coverage = @coverage
), claimed AS (
  DELETE FROM orders.cart_items ci
  WHERE ci.cart_id = (SELECT c.id FROM orders.carts c WHERE c.user_id = sqlc.arg(buyer_id)::bigint)
  RETURNING ci.book_id, ci.quantity
), o AS (
  INSERT INTO orders.orders (buyer_id, buyer_name, idempotency_key, request_hash, ship_name, ship_street, ship_city,
    ship_region, ship_postal, ship_country, provider_id, provider_name, subtotal_cents, delivery_cents, total_cents, waiting_since)
  VALUES (sqlc.arg(buyer_id)::bigint, @buyer_name, @idempotency_key,
    CASE WHEN (SELECT string_agg(book_id || ':' || quantity, ',' ORDER BY book_id) FROM claimed) = @claim::text
      THEN @request_hash::text END,
    @ship_name, @ship_street, @ship_city, @ship_region, @ship_postal, @ship_country,
    @provider_id, (SELECT name FROM prov), sqlc.arg(subtotal_cents)::bigint, (SELECT cost_cents FROM prov),
    sqlc.arg(subtotal_cents)::bigint + (SELECT cost_cents FROM prov), now())
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
  WHERE (orders.addresses.name, orders.addresses.street, orders.addresses.city, orders.addresses.region,
    orders.addresses.postal_code, orders.addresses.country)
    IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.street, EXCLUDED.city, EXCLUDED.region, EXCLUDED.postal_code, EXCLUDED.country)
)
SELECT * FROM o;

-- name: AbandonPendingOrder :one
-- Drops an order the catalog refused to hold (nothing was held or charged)
-- and puts its lines back in the buyer's cart, at the price the buyer saw,
-- with the names the line kept (an order line keeps no author).
-- Zero means the order had moved on (a concurrent replay placed it).
WITH o AS (
  DELETE FROM orders.orders d WHERE d.id = @id AND d.status = 'pending' RETURNING d.id, d.buyer_id
), restored AS (
  INSERT INTO orders.cart_items (cart_id, book_id, quantity, price_cents, title, seller_name)
  SELECT c.id, l.book_id, l.quantity, l.price_cents, l.title, l.seller_name
  FROM orders.order_lines l JOIN o ON o.id = l.order_id JOIN orders.carts c ON c.user_id = o.buyer_id
  ON CONFLICT (cart_id, book_id) DO NOTHING
)
SELECT count(*) FROM o;

-- name: RestoreCart :exec
-- Puts a cancelled checkout's lines back in its buyer's cart, with the
-- names the lines kept.
INSERT INTO orders.cart_items (cart_id, book_id, quantity, price_cents, title, seller_name)
SELECT c.id, l.book_id, l.quantity, l.price_cents, l.title, l.seller_name
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

-- name: Transition :many
-- Moves a batch of orders (one, mostly) from one state to another, with
-- the notifications of the step (each order's buyer and each other
-- seller; @buyer_messages and @seller_messages are each order's, in the
-- order of @ids), in one statement: the one way every order changes state.
-- An order no longer in @from_status is left alone, and nothing is written
-- for it. The unique (order, step, user) key makes a retried step write
-- each notification once. It returns a row per order that moved, with
-- where the step's emails go: the buyer's and the sellers' confirmed
-- addresses whose users chose the step's topic for their side ('' for a
-- side the step emails nobody).
--
-- A payment step (@pay_method not '') moves only an order whose payment
-- is pending by @pay_method, and in the same statement settles that
-- payment, records the processor's charge (whose key keeps an order
-- charged once) and hands the order to its provider: a tracking number
-- made of the provider's initials and a random suffix, the shipment whose
-- creation is its timeline's first step (the label created), the next
-- step due at @due_at for the carrier, and the charge's trace context
-- (each order's in @trace_parents, which other steps leave empty).
--
-- With @unless_emailed an order whose step emails someone is left alone
-- too, so that a caller outside a transaction moves it only where nothing
-- more is to be written; the caller then moves the others in a
-- transaction that writes their emails.
--
-- The arrays and the values that choose the step's shape (@from_status,
-- @unless_emailed, @pay_method) go in through sub-selects, which hide them
-- from the planner: it then estimates the same plan for every call, so
-- after five calls a connection keeps the plan it cached rather than
-- planning the statement again each time, which cost as much as running it
-- (EXPLAIN ANALYZE: 0.7 ms to plan, 0.02 ms with the cached plan). With the
-- flags visible, a payment step's plan (its settling parts kept) and a
-- plain step's (pruned) differed so much that every call was planned anew.
--
-- waiting_since, the one indexed column a step may change, changes only
-- where the wait begins or ends: it is kept from pending to
-- awaiting_payment, so that step, the pick-up and the delivery are HOT
-- updates (0012_waiting_since).
WITH m AS (
  SELECT unnest((SELECT @ids::bigint[])) AS id, unnest((SELECT @buyer_messages::text[])) AS buyer_message,
    unnest((SELECT @seller_messages::text[])) AS seller_message, unnest((SELECT @trace_parents::text[])) AS trace_parent
), party AS (
  SELECT DISTINCT u.order_id, u.user_id, u.buyer, r.email
  FROM (SELECT o.id AS order_id, o.buyer_id AS user_id, true AS buyer FROM m JOIN orders.orders o ON o.id = m.id
        UNION ALL
        SELECT l.order_id, l.seller_id, false FROM m JOIN orders.order_lines l ON l.order_id = m.id
          JOIN orders.orders o ON o.id = m.id WHERE l.seller_id <> o.buyer_id) u
  LEFT JOIN orders.recipients r ON r.user_id = u.user_id AND r.email IS NOT NULL
    AND CASE WHEN u.buyer THEN sqlc.arg(buyer_topic)::text ELSE sqlc.arg(seller_topic)::text END = ANY (r.email_topics)
), t AS (
  UPDATE orders.orders o SET status = @to_status, reason = @reason, updated_at = now(),
    waiting_since = CASE WHEN @to_status IN ('pending', 'awaiting_payment') THEN coalesce(o.waiting_since, now()) END
  FROM m WHERE o.id = m.id AND o.status = (SELECT @from_status::text)
    AND NOT ((SELECT @unless_emailed::boolean) AND EXISTS (SELECT FROM party WHERE party.order_id = o.id AND party.email IS NOT NULL))
    AND ((SELECT @pay_method::text) = '' OR EXISTS (SELECT FROM orders.payments p
      WHERE p.order_id = o.id AND p.status = 'pending' AND p.method = (SELECT @pay_method::text)))
  RETURNING o.id, o.buyer_id, o.provider_name, m.buyer_message, m.seller_message, m.trace_parent
), notes AS (
  INSERT INTO orders.notifications (user_id, order_id, step, message)
  SELECT party.user_id, t.id, @step::text, CASE WHEN party.buyer THEN t.buyer_message ELSE t.seller_message END
  FROM t JOIN party ON party.order_id = t.id
  ON CONFLICT (order_id, step, user_id) DO NOTHING
), settled AS (
  UPDATE orders.payments p SET status = 'succeeded', failure_reason = '', updated_at = now()
  FROM t WHERE p.order_id = t.id AND p.status = 'pending' AND (SELECT @pay_method::text) <> ''
  RETURNING p.order_id, p.amount_cents
), charged AS (
  INSERT INTO orders.charges (order_id, amount_cents) SELECT order_id, amount_cents FROM settled
  ON CONFLICT (order_id) DO NOTHING
), shipped AS (
  INSERT INTO orders.shipments (order_id, provider, tracking_number, step, due_at, trace_parent)
  SELECT t.id, t.provider_name, upper(left(t.provider_name, 3) || left(replace(gen_random_uuid()::text, '-', ''), 12)),
    'label_created', sqlc.narg(due_at)::timestamptz, coalesce(t.trace_parent, '')
  FROM t WHERE (SELECT @pay_method::text) <> ''
  ON CONFLICT (order_id) DO NOTHING
)
SELECT t.id,
  coalesce(array_agg(party.email) FILTER (WHERE party.buyer AND party.email IS NOT NULL), '{}')::text[] AS buyer_emails,
  coalesce(array_agg(party.email ORDER BY party.user_id) FILTER (WHERE NOT party.buyer AND party.email IS NOT NULL), '{}')::text[] AS seller_emails
FROM t JOIN party ON party.order_id = t.id
GROUP BY t.id ORDER BY t.id;

-- name: BuyerOrders :many
SELECT * FROM orders.orders WHERE buyer_id = @buyer_id ORDER BY id DESC LIMIT @lim OFFSET @off;

-- name: AllOrders :many
SELECT * FROM orders.orders WHERE (@status::text = '' OR status = @status) ORDER BY id DESC LIMIT @lim OFFSET @off;

-- name: SellerLines :many
-- The page of the seller's lines is taken first, then joined to its
-- orders. Joined before the limit, for a seller with many lines the planner
-- walked the orders backward from the newest, through every other
-- seller's newer order, to merge them with this seller's (554 buffers for
-- 21 lines at 15,700 orders, growing with the shop).
SELECT l.order_id, l.book_id, l.title, l.price_cents, l.quantity, o.status, o.ship_name, o.ship_city, o.created_at
FROM (SELECT * FROM orders.order_lines WHERE seller_id = @seller_id ORDER BY order_id DESC, book_id LIMIT @lim OFFSET @off) l
JOIN orders.orders o ON o.id = l.order_id
ORDER BY l.order_id DESC, l.book_id;

-- name: IsSellerOf :one
SELECT EXISTS (SELECT 1 FROM orders.order_lines WHERE order_id = @order_id AND seller_id = @seller_id);

-- name: StuckOrders :many
-- Orders waiting for their checkout or a payment, unchanged since before
-- @before, those waiting longest first. An order waits since no later than
-- its last change, so the range on waiting_since (orders_waiting_idx,
-- which holds only the orders in flight) keeps every order the filter on
-- updated_at does. They come in the index's order, so reading the first
-- hundred from it is the cheapest plan whatever the estimate. Ordered by
-- id, with statistics taken while many orders waited, the planner walked
-- the primary key from the oldest order through the whole history to the
-- few waiting at its end.
SELECT * FROM orders.orders
WHERE waiting_since < @before::timestamptz AND status IN ('pending', 'awaiting_payment') AND updated_at < @before
ORDER BY waiting_since LIMIT 100;

-- name: OrderStatuses :many
SELECT id, status FROM orders.orders WHERE id = ANY(@ids::bigint[]);

-- name: SweepDue :one
-- Whether the orders' own part of a sweep has anything to do: a pending
-- order past @pending_before, an unpaid one past @unpaid_before (StuckOrders
-- and the sweep's wait for bank transfers), or a visitor cart untouched
-- since @stale_before (DeleteStaleVisitorCarts). Each is a read at the
-- start of a partial index (orders_waiting_idx, carts_visitor_stale_idx).
SELECT (EXISTS (SELECT 1 FROM orders.orders WHERE waiting_since < @pending_before::timestamptz AND status = 'pending')
  OR EXISTS (SELECT 1 FROM orders.orders WHERE waiting_since < @unpaid_before::timestamptz AND status = 'awaiting_payment')
  OR EXISTS (SELECT 1 FROM orders.carts WHERE visitor_id IS NOT NULL AND updated_at < @stale_before::timestamptz))::boolean AS due;
