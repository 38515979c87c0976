-- name: InsertReview :one
-- Nothing is inserted (no row) when the buyer already reviewed this seller
-- for this order. A review inserted counts in its seller's ratings at once
-- (seller_ratings), so that SellerStats reads one row.
WITH r AS (
  INSERT INTO orders.reviews (order_id, seller_id, buyer_id, buyer_name, rating, comment)
  VALUES (@order_id, @seller_id, @buyer_id, @buyer_name, @rating, @comment)
  ON CONFLICT (order_id, seller_id) DO NOTHING
  RETURNING *
), counted AS (
  INSERT INTO orders.seller_ratings AS s (seller_id, ratings, rating_sum)
  SELECT r.seller_id, 1, r.rating FROM r
  ON CONFLICT (seller_id) DO UPDATE SET ratings = s.ratings + 1, rating_sum = s.rating_sum + excluded.rating_sum
)
SELECT * FROM r;

-- name: Review :one
SELECT * FROM orders.reviews WHERE id = @id;

-- name: ReplyToReview :execrows
UPDATE orders.reviews SET reply = @reply, replied_at = now()
WHERE id = @id AND reply IS NULL;

-- name: HideReview :one
-- The reviews hidden (zero when it was hidden already); a review hidden
-- leaves its seller's ratings in the same statement.
WITH h AS (
  UPDATE orders.reviews SET hidden_reason = @reason, hidden_by = @admin_id, hidden_at = now()
  WHERE id = @id AND hidden_reason IS NULL
  RETURNING seller_id, rating
), uncounted AS (
  UPDATE orders.seller_ratings s SET ratings = s.ratings - 1, rating_sum = s.rating_sum - h.rating
  FROM h WHERE s.seller_id = h.seller_id
)
SELECT count(*) FROM h;

-- name: UnhideReview :one
-- The reviews shown again (zero when it was not hidden); a review shown
-- again counts in its seller's ratings again in the same statement, as
-- InsertReview counts a new one.
WITH h AS (
  UPDATE orders.reviews SET hidden_reason = NULL, hidden_by = NULL, hidden_at = NULL
  WHERE id = @id AND hidden_reason IS NOT NULL
  RETURNING seller_id, rating
), counted AS (
  INSERT INTO orders.seller_ratings AS s (seller_id, ratings, rating_sum)
  SELECT h.seller_id, 1, h.rating FROM h
  ON CONFLICT (seller_id) DO UPDATE SET ratings = s.ratings + 1, rating_sum = s.rating_sum + excluded.rating_sum
)
SELECT count(*) FROM h;

-- name: OrderReviews :many
SELECT * FROM orders.reviews WHERE order_id = @order_id ORDER BY seller_id;

-- name: SellerReviews :many
-- The reviews shown on a seller's page, newest first.
SELECT * FROM orders.reviews WHERE seller_id = @seller_id AND hidden_reason IS NULL
ORDER BY id DESC LIMIT @lim OFFSET @off;

-- name: AllReviews :many
-- Every review for the admins, newest first; hidden_only keeps the hidden.
SELECT * FROM orders.reviews WHERE NOT @hidden_only::boolean OR hidden_reason IS NOT NULL
ORDER BY id DESC LIMIT @lim OFFSET @off;

-- name: SellerStats :one
-- A seller's standing in one snapshot, numbered after every change already
-- committed, so the catalog never keeps an older count over a newer one.
-- A delivery adds to the seller's sales, and a review or its hiding to
-- their ratings, in the transaction that inserts the push, so the push
-- runs, and draws its number, after the counts it reads were committed.
-- Both are kept as data, so a push reads two rows however long the
-- seller's history.
SELECT nextval('orders.seller_stats_version')::bigint AS version,
  coalesce((SELECT r.ratings FROM orders.seller_ratings r WHERE r.seller_id = @seller_id), 0)::int AS ratings,
  coalesce((SELECT r.rating_sum FROM orders.seller_ratings r WHERE r.seller_id = @seller_id), 0)::int AS rating_sum,
  coalesce((SELECT s.sales FROM orders.seller_sales s WHERE s.seller_id = @seller_id), 0)::int AS sales;

-- name: AddSales :many
-- Counts a batch of orders just delivered into their sellers' sales (each
-- order once per seller, however many of their books it holds) and returns
-- those sellers. Rows are written in seller order, so two rounds adding
-- to the same sellers wait for each other rather than deadlock.
INSERT INTO orders.seller_sales AS s (seller_id, sales)
SELECT l.seller_id, count(DISTINCT l.order_id) FROM orders.order_lines l
WHERE l.order_id = ANY(@order_ids::bigint[])
GROUP BY l.seller_id ORDER BY l.seller_id
ON CONFLICT (seller_id) DO UPDATE SET sales = s.sales + excluded.sales
RETURNING s.seller_id;
