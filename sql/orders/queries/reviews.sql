-- name: InsertReview :one
-- Nothing is inserted (no row) when the buyer already reviewed this seller
-- for this order.
INSERT INTO orders.reviews (order_id, seller_id, buyer_id, buyer_name, rating, comment)
VALUES (@order_id, @seller_id, @buyer_id, @buyer_name, @rating, @comment)
ON CONFLICT (order_id, seller_id) DO NOTHING
RETURNING *;

-- name: Review :one
SELECT * FROM orders.reviews WHERE id = @id;

-- name: ReplyToReview :execrows
UPDATE orders.reviews SET reply = @reply, replied_at = now()
WHERE id = @id AND reply IS NULL;

-- name: HideReview :execrows
UPDATE orders.reviews SET hidden_reason = @reason, hidden_by = @admin_id, hidden_at = now()
WHERE id = @id AND hidden_reason IS NULL;

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
-- A delivery adds to the seller's sales in the transaction that inserts
-- the push, so the push runs, and draws its number, after the count it
-- reads was committed.
SELECT nextval('orders.seller_stats_version')::bigint AS version,
  (SELECT count(*) FROM orders.reviews r WHERE r.seller_id = @seller_id AND r.hidden_reason IS NULL)::int AS ratings,
  (SELECT coalesce(sum(r.rating), 0) FROM orders.reviews r WHERE r.seller_id = @seller_id AND r.hidden_reason IS NULL)::int AS rating_sum,
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
