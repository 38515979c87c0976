-- name: Notifications :many
SELECT * FROM orders.notifications WHERE user_id = @user_id ORDER BY id DESC LIMIT @lim OFFSET @off;

-- name: UnreadCount :one
SELECT count(*)::int FROM orders.notifications WHERE user_id = @user_id AND read_at IS NULL;

-- name: MarkAllRead :exec
UPDATE orders.notifications SET read_at = now() WHERE user_id = @user_id AND read_at IS NULL;

-- name: Notify :exec
-- One notification of a step for one user; a repeat writes nothing.
INSERT INTO orders.notifications (user_id, order_id, step, message)
VALUES (@user_id, @order_id, @step, @message)
ON CONFLICT (order_id, step, user_id) DO NOTHING;
