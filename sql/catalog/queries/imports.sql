-- name: CreateImport :one
INSERT INTO catalog.imports (seller_id, seller_name, filename, file, total)
VALUES (@seller_id, @seller_name, @filename, @file, @total)
RETURNING id;

-- name: LockSellerImports :exec
-- Serialises one seller's uploads, so two at once cannot both pass the cap
-- on unconfirmed imports.
SELECT pg_advisory_xact_lock(hashtextextended('catalog.imports:' || sqlc.arg(seller_id)::bigint, 0));

-- name: CountStagedImports :one
SELECT count(*) FROM catalog.imports WHERE seller_id = @seller_id AND state = 'staged';

-- name: SweepStagedImports :execrows
-- Removes imports never confirmed that are older than age_seconds, the
-- oldest first, at most max_rows at once.
DELETE FROM catalog.imports
WHERE id IN (
  SELECT i.id FROM catalog.imports i
  WHERE i.state = 'staged' AND i.created_at < now() - make_interval(secs => @age_seconds::float8)
  ORDER BY i.created_at LIMIT @max_rows::int);

-- name: GetImport :one
SELECT id, seller_id, seller_name, filename, state, total, done, created, updated, refused, error, created_at, updated_at
FROM catalog.imports WHERE id = @id;

-- name: ImportFile :one
SELECT file FROM catalog.imports WHERE id = @id;

-- name: SetImportState :execrows
-- Moves an import on from one of the given states; zero rows means it had
-- moved elsewhere already.
UPDATE catalog.imports SET state = @new_state, done = 0, error = '', updated_at = now()
WHERE id = @id AND state = ANY(@old_states::text[]);

-- name: SetImportProgress :exec
UPDATE catalog.imports SET done = @done, updated_at = now() WHERE id = @id AND state = 'running';

-- name: NoteImportError :exec
UPDATE catalog.imports SET error = @error, updated_at = now() WHERE id = @id AND state IN ('queued', 'running');

-- name: FailImport :execrows
-- A finished import keeps what its page shows, not its file.
UPDATE catalog.imports SET state = 'failed', error = @error, file = ''::bytea, updated_at = now()
WHERE id = @id AND state IN ('queued', 'running');

-- name: FinishImport :execrows
UPDATE catalog.imports SET state = 'done', done = total, created = @created, updated = @updated,
  refused = @refused, error = '', file = ''::bytea, updated_at = now()
WHERE id = @id AND state = 'running';

-- name: SellerBooksByISBN :many
-- The seller's listings an import may update: by ISBN and condition, never
-- an archived one (it can no longer change), the oldest first when the
-- seller has several. Copies (available + held) let the preview judge a
-- row's copies_base.
SELECT id, isbn, condition, (available + held)::integer AS copies FROM catalog.books
WHERE seller_id = @seller_id AND isbn = ANY(@isbns::text[]) AND status <> 'archived'
ORDER BY id;

-- name: SellerBooksByID :many
-- The seller's listings among the ids an import's rows name, with their
-- status and copies; an id of anyone else's listing is left out, as an
-- unknown one is.
SELECT id, status, (available + held)::integer AS copies FROM catalog.books
WHERE seller_id = @seller_id AND id = ANY(@ids::bigint[]);

-- name: SellerImports :many
-- A seller's imports, newest first, with how many rows each refused but
-- not the rows themselves (up to 10,000 apiece).
SELECT id, filename, state, total, done, created, updated,
  jsonb_array_length(refused)::integer AS refused_count, created_at
FROM catalog.imports WHERE seller_id = @seller_id
ORDER BY id DESC LIMIT @lim OFFSET @off;
