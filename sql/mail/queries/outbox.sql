-- name: InsertEmail :one
INSERT INTO mail.outbox (kind, to_addr, subject, body, status)
VALUES (@kind, @to_addr, @subject, @body, @status)
RETURNING id;

-- name: GetEmail :one
SELECT * FROM mail.outbox WHERE id = @id;

-- name: MarkSent :execrows
UPDATE mail.outbox SET status = 'sent', attempts = attempts + 1, last_error = NULL, sent_at = now()
WHERE id = @id AND status = 'queued';

-- name: RecordFailure :execrows
UPDATE mail.outbox SET attempts = attempts + 1, last_error = @last_error,
    status = CASE WHEN @give_up::boolean THEN 'failed' ELSE status END
WHERE id = @id AND status = 'queued';

-- name: ListEmails :many
-- Newest first, a page after the keyset (created_at, id) of the last row
-- shown; a NULL modules lists every module's.
SELECT * FROM mail.outbox
WHERE (sqlc.narg(modules)::text[] IS NULL OR split_part(kind, '.', 1) = ANY (sqlc.narg(modules)::text[]))
  AND (sqlc.narg(before_at)::timestamptz IS NULL OR (created_at, id) < (sqlc.narg(before_at)::timestamptz, sqlc.narg(before_id)::bigint))
ORDER BY created_at DESC, id DESC
LIMIT @max_rows;
