-- name: StartHold :execrows
INSERT INTO catalog.holds (order_id, state) VALUES (@order_id, 'held')
ON CONFLICT (order_id) DO NOTHING;

-- name: AddHoldLine :exec
INSERT INTO catalog.hold_lines (order_id, book_id, quantity) VALUES (@order_id, @book_id, @quantity);

-- name: SetHoldState :execrows
UPDATE catalog.holds SET state = @new_state, updated_at = now()
WHERE order_id = @order_id AND state = @old_state;

-- name: GetHold :one
SELECT * FROM catalog.holds WHERE order_id = @order_id;

-- name: HoldLines :many
SELECT * FROM catalog.hold_lines WHERE order_id = @order_id ORDER BY book_id;

-- name: HeldOrders :many
SELECT order_id FROM catalog.holds WHERE state = 'held' ORDER BY order_id;

-- name: HoldStats :one
-- Orders holding copies and the copies they hold, for the metrics: a number
-- that only grows means holds are not being confirmed or released.
SELECT
  (SELECT count(*) FROM catalog.holds h WHERE h.state = 'held')::bigint AS orders,
  (SELECT COALESCE(sum(l.quantity), 0) FROM catalog.hold_lines l JOIN catalog.holds h ON h.order_id = l.order_id WHERE h.state = 'held')::bigint AS copies;
