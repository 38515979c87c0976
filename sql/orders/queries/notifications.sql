-- name: Notify :exec
-- One notification for the buyer and one for each other seller of the
-- order; the unique key makes a retried step write each once.
INSERT INTO orders.notifications (user_id, order_id, step, message)
SELECT u.user_id, o.id, @step::text,
  CASE WHEN u.user_id = o.buyer_id THEN @buyer_message::text ELSE @seller_message::text END
FROM orders.orders o
JOIN (SELECT l.seller_id AS user_id FROM orders.order_lines l WHERE l.order_id = @order_id
      UNION SELECT b.buyer_id AS user_id FROM orders.orders b WHERE b.id = @order_id) u ON true
WHERE o.id = @order_id
ON CONFLICT (order_id, step, user_id) DO NOTHING;

-- name: Notifications :many
SELECT * FROM orders.notifications WHERE user_id = @user_id ORDER BY id DESC LIMIT @lim OFFSET @off;

-- name: UnreadCount :one
SELECT count(*)::int FROM orders.notifications WHERE user_id = @user_id AND read_at IS NULL;

-- name: MarkAllRead :exec
UPDATE orders.notifications SET read_at = now() WHERE user_id = @user_id AND read_at IS NULL;
