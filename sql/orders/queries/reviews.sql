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
SELECT nextval('orders.seller_stats_version')::bigint AS version,
  (SELECT count(*) FROM orders.reviews r WHERE r.seller_id = @seller_id AND r.hidden_reason IS NULL)::int AS ratings,
  (SELECT coalesce(sum(r.rating), 0) FROM orders.reviews r WHERE r.seller_id = @seller_id AND r.hidden_reason IS NULL)::int AS rating_sum,
  (SELECT count(DISTINCT l.order_id) FROM orders.order_lines l JOIN orders.orders o ON o.id = l.order_id
    WHERE l.seller_id = @seller_id AND o.status = 'delivered')::int AS sales;

-- name: SellersOfOrders :many
SELECT DISTINCT seller_id FROM orders.order_lines WHERE order_id = ANY(@order_ids::bigint[]) ORDER BY seller_id;
