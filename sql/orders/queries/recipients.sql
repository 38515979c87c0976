-- name: UpsertRecipient :exec
INSERT INTO orders.recipients (user_id, email, email_topics) VALUES (@user_id, sqlc.narg(email), @email_topics)
ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, email_topics = excluded.email_topics;

-- name: GetCursor :one
SELECT coalesce((SELECT position FROM orders.cursors WHERE name = @name), 0)::bigint;

-- name: MoveCursor :execrows
-- Compare and set: the move succeeds only from the position the batch was
-- read after, so of two runners that read the same batch one applies it.
INSERT INTO orders.cursors AS c (name, position) VALUES (@name, @position)
ON CONFLICT (name) DO UPDATE SET position = excluded.position
WHERE c.position = sqlc.arg(from_position)::bigint;
