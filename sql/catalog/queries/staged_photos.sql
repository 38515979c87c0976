-- name: StagePhoto :one
INSERT INTO catalog.staged_photos (token, user_id, key, filename, width, height)
VALUES (@token, @user_id, @key, @filename, @width, @height)
RETURNING *;

-- name: StagedPhotos :many
SELECT * FROM catalog.staged_photos
WHERE user_id = @user_id AND token = ANY(@tokens::text[]);

-- name: StagedPhoto :one
SELECT * FROM catalog.staged_photos WHERE user_id = @user_id AND token = @token;

-- name: TakeStagedPhoto :one
DELETE FROM catalog.staged_photos WHERE user_id = @user_id AND token = @token
RETURNING *;

-- name: DropStagedPhotos :many
DELETE FROM catalog.staged_photos
WHERE user_id = @user_id AND token = ANY(@tokens::text[])
RETURNING key;

-- name: SweepStagedPhotos :many
DELETE FROM catalog.staged_photos
WHERE id IN (
  SELECT s.id FROM catalog.staged_photos s
  WHERE s.created_at < now() - make_interval(secs => @age_seconds::float8)
  ORDER BY s.created_at LIMIT @max_rows::int)
RETURNING key;

-- name: TrimStagedPhotos :many
-- Removes the user's staged photos past the newest max_rows, but never one
-- of keep (the form being shown), and returns their keys.
DELETE FROM catalog.staged_photos d
WHERE d.user_id = @user_id AND NOT (d.token = ANY(@keep::text[]))
  AND d.id NOT IN (
    SELECT s.id FROM catalog.staged_photos s
    WHERE s.user_id = @user_id ORDER BY s.id DESC LIMIT @max_rows::int)
RETURNING key;
