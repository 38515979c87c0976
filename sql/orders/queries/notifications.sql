-- name: Notifications :many
-- A page of the user's notifications, each read when it is at most the
-- user's mark (0015), each named by its step without the attempt a
-- payment's step carries (attemptStep).
SELECT n.id, n.order_id, split_part(n.step, ':', 1) AS step, n.message, n.created_at,
    (n.id <= coalesce((SELECT r.read_up_to FROM orders.notification_reads r WHERE r.user_id = @user_id), 0))::bool AS read
FROM orders.notifications n
WHERE n.user_id = @user_id
ORDER BY n.id DESC LIMIT @lim OFFSET @off;

-- name: UnreadCount :one
-- The user's notifications past the mark, counted no further than lim, so
-- that it reads at most lim entries of notifications_user_idx however long
-- the user's history.
SELECT count(*)::int FROM (
    SELECT 1 FROM orders.notifications n
    WHERE n.user_id = @user_id
      AND n.id > coalesce((SELECT r.read_up_to FROM orders.notification_reads r WHERE r.user_id = @user_id), 0)
    ORDER BY n.id DESC LIMIT @lim
) s;

-- name: MarkRead :exec
-- Moves the user's mark up to up_to, never back: a page shown earlier (in
-- another tab) does not make newer notifications unread again, and a
-- repeat writes nothing. Nor past the user's newest notification: an API
-- client's too large up_to does not mark those still to come read.
INSERT INTO orders.notification_reads (user_id, read_up_to)
SELECT @user_id, least(@up_to::bigint, max(n.id)) FROM orders.notifications n WHERE n.user_id = @user_id
HAVING max(n.id) IS NOT NULL
ON CONFLICT (user_id) DO UPDATE SET read_up_to = excluded.read_up_to
WHERE orders.notification_reads.read_up_to < excluded.read_up_to;

-- name: Notify :exec
-- One notification of a step for one user; a repeat writes nothing.
INSERT INTO orders.notifications (user_id, order_id, step, message)
VALUES (@user_id, @order_id, @step, @message)
ON CONFLICT (order_id, step, user_id) DO NOTHING;
