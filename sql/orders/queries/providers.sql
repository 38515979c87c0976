-- name: Providers :many
SELECT * FROM orders.delivery_providers ORDER BY coverage, cost_cents, id;

-- name: ActiveProviders :many
SELECT * FROM orders.delivery_providers WHERE active AND coverage = @coverage ORDER BY cost_cents, id;

-- name: UpdateProvider :one
-- changed is false when the provider held these values already: a form
-- saved as it was is no edit for the activity log.
WITH old AS (SELECT * FROM orders.delivery_providers d WHERE d.id = sqlc.arg(id)::bigint FOR UPDATE)
UPDATE orders.delivery_providers p
SET name = @name, coverage = @coverage, cost_cents = @cost_cents, days = @days, active = @active
FROM old
WHERE p.id = old.id
RETURNING (old.name, old.coverage, old.cost_cents, old.days, old.active) IS DISTINCT FROM (p.name, p.coverage, p.cost_cents, p.days, p.active) AS changed;

-- name: CreateProvider :one
INSERT INTO orders.delivery_providers (name, coverage, cost_cents, days, active)
VALUES (@name, @coverage, @cost_cents, @days, @active)
RETURNING *;
