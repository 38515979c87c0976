-- name: Providers :many
SELECT * FROM orders.delivery_providers ORDER BY coverage, cost_cents, id;

-- name: ActiveProviders :many
SELECT * FROM orders.delivery_providers WHERE active AND coverage = @coverage ORDER BY cost_cents, id;

-- name: UpdateProvider :execrows
UPDATE orders.delivery_providers
SET name = @name, coverage = @coverage, cost_cents = @cost_cents, days = @days, active = @active
WHERE id = @id;

-- name: CreateProvider :one
INSERT INTO orders.delivery_providers (name, coverage, cost_cents, days, active)
VALUES (@name, @coverage, @cost_cents, @days, @active)
RETURNING *;
