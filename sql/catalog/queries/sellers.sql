-- name: UpsertSeller :exec
INSERT INTO catalog.sellers (id, name, disabled, updated_at) VALUES (@id, @name, @disabled, now())
ON CONFLICT (id) DO UPDATE SET name = excluded.name, disabled = excluded.disabled, updated_at = now();

-- name: EnsureSeller :exec
-- Records a seller seen at request time; the change feed stays authoritative.
INSERT INTO catalog.sellers (id, name, disabled) VALUES (@id, @name, false)
ON CONFLICT (id) DO NOTHING;

-- name: GetCursor :one
SELECT coalesce((SELECT position FROM catalog.cursors WHERE name = @name), 0)::bigint;

-- name: MoveCursor :execrows
-- Compare and set: the move succeeds only from the position the batch was
-- read after, so of two runners that read the same batch one applies it.
INSERT INTO catalog.cursors AS c (name, position) VALUES (@name, @position)
ON CONFLICT (name) DO UPDATE SET position = excluded.position
WHERE c.position = sqlc.arg(from_position)::bigint;
