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

-- name: PaymentsDue :many
-- The payments of the orders among @order_ids that await one; no row for
-- an order in any other state (or none). The ids go in through a
-- sub-select, which hides how many there are from the planner: it then
-- estimates every batch alike, and a connection keeps the plan it cached
-- after five calls. Seeing a batch of one, it found a plan for it cheaper
-- than the generic one and planned nearly every call again.
SELECT p.* FROM orders.payments p JOIN orders.orders o ON o.id = p.order_id
WHERE p.order_id = ANY((SELECT @order_ids::bigint[])::bigint[]) AND o.status = 'awaiting_payment';

-- name: RefundCharge :execrows
UPDATE orders.charges SET refunded_at = now() WHERE order_id = @order_id AND refunded_at IS NULL;

-- name: CountAttempt :one
UPDATE orders.payments SET attempts = attempts + 1 WHERE order_id = @order_id RETURNING attempts;

-- name: RetryPayment :execrows
-- Replaces a failed payment with a new attempt by another card or method;
-- zero rows when the payment is not failed or another retry came first.
UPDATE orders.payments SET method = @method, brand = @brand, last4 = @last4, token = @token,
  status = 'pending', failure_reason = '', attempts = 0, retries = retries + 1, updated_at = now()
WHERE order_id = @order_id AND status = 'failed' AND retries = @retries;
