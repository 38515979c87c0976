-- name: InsertPayment :exec
INSERT INTO orders.payments (order_id, method, brand, last4, token, amount_cents)
VALUES (@order_id, @method, @brand, @last4, @token, @amount_cents);

-- name: Payment :one
SELECT * FROM orders.payments WHERE order_id = @order_id;

-- name: PaymentsOf :many
SELECT * FROM orders.payments WHERE order_id = ANY(@order_ids::bigint[]);

-- name: SettlePayment :execrows
UPDATE orders.payments SET status = @to_status, failure_reason = @failure_reason, updated_at = now()
WHERE order_id = @order_id AND status = @from_status;

-- name: InsertCharge :execrows
-- The simulated processor's idempotency: a second charge of an order does nothing.
INSERT INTO orders.charges (order_id, amount_cents) VALUES (@order_id, @amount_cents)
ON CONFLICT (order_id) DO NOTHING;

-- name: RefundCharge :execrows
UPDATE orders.charges SET refunded_at = now() WHERE order_id = @order_id AND refunded_at IS NULL;

-- name: CountAttempt :one
UPDATE orders.payments SET attempts = attempts + 1 WHERE order_id = @order_id RETURNING attempts;
