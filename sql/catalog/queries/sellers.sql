-- name: UpsertSeller :exec
INSERT INTO catalog.sellers (id, name, disabled, member_since, email, email_topics, updated_at)
VALUES (@id, @name, @disabled, @member_since, sqlc.narg(email), @email_topics, now())
ON CONFLICT (id) DO UPDATE SET name = excluded.name, disabled = excluded.disabled, member_since = excluded.member_since,
  email = excluded.email, email_topics = excluded.email_topics, updated_at = now();

-- name: EnsureSeller :exec
-- Records a seller seen at request time; the change feed stays
-- authoritative. A row that only stats created yet (no name) is named.
INSERT INTO catalog.sellers AS s (id, name, disabled, member_since) VALUES (@id, @name, false, @member_since)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, member_since = coalesce(s.member_since, excluded.member_since)
WHERE s.name = '';

-- name: GetCursor :one
SELECT coalesce((SELECT position FROM catalog.cursors WHERE name = @name), 0)::bigint;

-- name: MoveCursor :execrows
-- Compare and set: the move succeeds only from the position the batch was
-- read after, so of two runners that read the same batch one applies it.
INSERT INTO catalog.cursors AS c (name, position) VALUES (@name, @position)
ON CONFLICT (name) DO UPDATE SET position = excluded.position
WHERE c.position = sqlc.arg(from_position)::bigint;

-- name: SetSellerStats :exec
-- A push older than the stored one changes nothing; a seller the catalog
-- has not met yet gets a row, named by the change feed later.
INSERT INTO catalog.sellers AS s (id, name, ratings, rating_sum, sales, stats_version)
VALUES (@id, '', @ratings, @rating_sum, @sales, @stats_version)
ON CONFLICT (id) DO UPDATE SET ratings = excluded.ratings, rating_sum = excluded.rating_sum,
  sales = excluded.sales, stats_version = excluded.stats_version
WHERE s.stats_version < excluded.stats_version;

-- name: GetSeller :one
SELECT * FROM catalog.sellers WHERE id = @id;
