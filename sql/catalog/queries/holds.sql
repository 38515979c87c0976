-- name: Reserve :batchexec
-- One statement, so the listings are locked for one round trip alone: it
-- holds every line (a conditional decrement per book, at the price, seller
-- and title the order carries, never the buyer's own listing) and records
-- the hold. When a line cannot be held the hold's state is NULL, which its
-- NOT NULL constraint refuses, so the whole statement is undone and holds
-- nothing. A second hold of the same order breaks the primary key: the
-- caller treats that as a replay. The arrays go in through sub-selects
-- so that the plan is cached (see BooksByIDs). A batch of them is one
-- implicit transaction (one round trip, one commit): a failure of any
-- undoes them all.
--
-- The listings are found by their ids alone (b.id = ANY), and the buyer is
-- compared with the seller the order names, which must be the listing's:
-- with the buyer compared with the listing's seller, a catalog of one
-- seller's listings (the bench's 1,000) made the cached plan expect no
-- listing to pass, scan them all and match each against the lines, on
-- every reservation.
WITH want AS (
  SELECT unnest((SELECT @book_ids::bigint[])) AS book_id, unnest((SELECT @quantities::integer[])) AS n,
    unnest((SELECT @prices::bigint[])) AS price_cents, unnest((SELECT @seller_ids::bigint[])) AS seller_id,
    unnest((SELECT @titles::text[])) AS title
), taken AS (
  UPDATE catalog.books b SET available = b.available - w.n, held = b.held + w.n
  FROM want w
  WHERE b.id = ANY((SELECT @book_ids::bigint[])::bigint[]) AND b.id = w.book_id
    AND b.available >= w.n AND b.status = 'active' AND b.hidden_reason IS NULL
    AND b.price_cents = w.price_cents AND b.seller_id = w.seller_id AND b.title = w.title
    AND w.seller_id <> sqlc.arg(buyer_id)::bigint
    AND NOT EXISTS (SELECT 1 FROM catalog.sellers s WHERE s.id = b.seller_id AND s.disabled)
  RETURNING b.id, w.n, w.price_cents
), lines AS (
  INSERT INTO catalog.hold_lines (order_id, book_id, quantity, price_cents)
  SELECT sqlc.arg(order_id)::bigint, id, n, price_cents FROM taken
)
INSERT INTO catalog.holds (order_id, state)
VALUES (sqlc.arg(order_id)::bigint,
  CASE WHEN (SELECT count(*) FROM taken) = cardinality(@book_ids::bigint[]) THEN 'held' END);

-- name: ReleaseHold :execrows
-- Only the call that moves the hold from held returns its copies.
WITH h AS (
  UPDATE catalog.holds ho SET state = 'released', updated_at = now()
  WHERE ho.order_id = @order_id AND ho.state = 'held' RETURNING ho.order_id
)
UPDATE catalog.books b SET available = b.available + l.quantity, held = b.held - l.quantity
FROM catalog.hold_lines l JOIN h ON h.order_id = l.order_id
WHERE b.id = l.book_id;

-- name: ConfirmHolds :many
-- Confirms many orders in one statement: only the call that moves a hold
-- from held sells its copies and records the sales of editions for the
-- price guide, at the price each line was held at and the edition and
-- condition the listing has now. The copies are summed per listing, since
-- an UPDATE ... FROM changes a row once however many orders hold it. It
-- returns the orders it neither moved nor saw confirmed: those that hold
-- nothing, and those a concurrent call moved meanwhile (which this
-- statement's snapshot cannot tell apart), for the caller to look at again.
-- The listings are locked in id order before they are written, as a batch
-- of reservations locks them, so that the two never wait for each other
-- in a circle.
WITH want AS (
  SELECT DISTINCT unnest(@order_ids::bigint[]) AS order_id
), h AS (
  UPDATE catalog.holds ho SET state = 'confirmed', updated_at = now()
  FROM want w
  WHERE ho.order_id = w.order_id AND ho.state = 'held' RETURNING ho.order_id
), sales AS (
  INSERT INTO catalog.sales (order_id, book_id, isbn, condition, price_cents, quantity)
  SELECT l.order_id, l.book_id, b.isbn, b.condition, coalesce(l.price_cents, b.price_cents), l.quantity
  FROM catalog.hold_lines l JOIN h ON h.order_id = l.order_id JOIN catalog.books b ON b.id = l.book_id
  WHERE b.isbn IS NOT NULL
), confirmed AS (
  SELECT l.book_id, sum(l.quantity)::integer AS n
  FROM catalog.hold_lines l JOIN h ON h.order_id = l.order_id
  GROUP BY l.book_id
), locked AS MATERIALIZED (
  SELECT b.id FROM catalog.books b JOIN confirmed c ON c.book_id = b.id
  ORDER BY b.id FOR NO KEY UPDATE OF b
), sold AS (
  UPDATE catalog.books b SET held = b.held - c.n, sold = b.sold + c.n
  FROM confirmed c JOIN locked k ON k.id = c.book_id
  WHERE b.id = c.book_id
)
SELECT w.order_id::bigint FROM want w
WHERE NOT EXISTS (SELECT 1 FROM h WHERE h.order_id = w.order_id)
  AND NOT EXISTS (SELECT 1 FROM catalog.holds ho WHERE ho.order_id = w.order_id AND ho.state = 'confirmed')
ORDER BY w.order_id;

-- name: UnconfirmedHolds :many
-- The orders among order_ids whose copies are not sold: they hold nothing
-- (no hold, or a released one) or hold them still.
SELECT w.order_id::bigint FROM unnest(@order_ids::bigint[]) AS w(order_id)
WHERE NOT EXISTS (SELECT 1 FROM catalog.holds ho WHERE ho.order_id = w.order_id AND ho.state = 'confirmed')
ORDER BY w.order_id;

-- name: GetHold :one
SELECT * FROM catalog.holds WHERE order_id = @order_id;

-- name: HeldOrders :many
SELECT order_id FROM catalog.holds WHERE state = 'held' AND order_id > @after
ORDER BY order_id LIMIT @lim;

-- name: HoldStats :one
-- Orders holding copies and the copies they hold, for the metrics: a number
-- that only grows means holds are not being confirmed or released. Each
-- held order's lines are summed by a correlated sub-select, which reads
-- them by hold_lines' key and which the planner never makes a join: the
-- join it was, on every scrape, read every line ever held (hold_lines
-- keeps the lines of every order since the shop opened). The held holds
-- come from holds_held_idx, unless the statistics were taken while most
-- holds were held (a young shop), when a scan of holds looks cheaper.
SELECT count(*)::bigint AS orders,
  COALESCE(sum((SELECT sum(l.quantity) FROM catalog.hold_lines l WHERE l.order_id = h.order_id)), 0)::bigint AS copies
FROM catalog.holds h WHERE h.state = 'held';
