-- name: InsertEmail :one
INSERT INTO mail.outbox (kind, to_addr, subject, body, status, secret)
VALUES (@kind, @to_addr, @subject, @body, @status, sqlc.narg(secret))
RETURNING id;

-- name: GetEmail :one
SELECT * FROM mail.outbox WHERE id = @id;

-- name: MarkSent :execrows
-- The secret, delivered, leaves the outbox: @hidden stands in its place.
UPDATE mail.outbox SET status = 'sent', attempts = attempts + 1, last_error = NULL, sent_at = now(),
    body = CASE WHEN secret IS NULL THEN body ELSE replace(body, secret, @hidden) END, secret = NULL
WHERE id = @id AND status = 'queued';

-- name: RecordFailure :execrows
-- Giving up, no one needs the secret any more: @hidden stands in its place.
UPDATE mail.outbox SET attempts = attempts + 1, last_error = @last_error,
    status = CASE WHEN @give_up::boolean THEN 'failed' ELSE status END,
    body = CASE WHEN @give_up::boolean AND secret IS NOT NULL THEN replace(body, secret, @hidden) ELSE body END,
    secret = CASE WHEN @give_up::boolean THEN NULL ELSE secret END
WHERE id = @id AND status = 'queued';

-- name: ListEmails :many
-- Newest first, a page after the keyset (created_at, id) of the last row
-- shown; a NULL modules lists every module's.
SELECT * FROM mail.outbox
WHERE (sqlc.narg(modules)::text[] IS NULL OR split_part(kind, '.', 1) = ANY (sqlc.narg(modules)::text[]))
  AND (sqlc.narg(before_at)::timestamptz IS NULL OR (created_at, id) < (sqlc.narg(before_at)::timestamptz, sqlc.narg(before_id)::bigint))
ORDER BY created_at DESC, id DESC
LIMIT @max_rows;
