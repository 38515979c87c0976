-- name: Notifications :many
SELECT * FROM orders.notifications WHERE user_id = @user_id ORDER BY id DESC LIMIT @lim OFFSET @off;

-- name: UnreadCount :one
SELECT count(*)::int FROM orders.notifications WHERE user_id = @user_id AND read_at IS NULL;

-- name: MarkAllRead :exec
UPDATE orders.notifications SET read_at = now() WHERE user_id = @user_id AND read_at IS NULL;
