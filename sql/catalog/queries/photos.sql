-- name: AddPhoto :one
INSERT INTO catalog.photos (book_id, key, width, height, position)
VALUES (@book_id, @key, @width, @height,
  (SELECT coalesce(max(position), 0) + 1 FROM catalog.photos WHERE book_id = @book_id))
RETURNING *;

-- name: BookPhotos :many
SELECT * FROM catalog.photos WHERE book_id = ANY(@book_ids::bigint[]) ORDER BY book_id, position;

-- name: CountPhotos :one
SELECT count(*) FROM catalog.photos WHERE book_id = @book_id;

-- name: DeletePhoto :one
DELETE FROM catalog.photos WHERE id = @id AND book_id = @book_id RETURNING key;

-- name: SetPhotoPositions :execrows
-- Numbers a listing's photos 1, 2, 3… in the order ids lists them, so
-- positions end dense and unique whatever they were (a removed photo
-- leaves a gap).
UPDATE catalog.photos p SET position = o.ord::integer
FROM unnest(@ids::bigint[]) WITH ORDINALITY AS o(id, ord)
WHERE p.book_id = @book_id AND p.id = o.id;

-- name: DeleteBookPhotos :many
DELETE FROM catalog.photos WHERE book_id = @book_id RETURNING key;

-- name: PhotoBook :one
-- The listing of the photo whose files key names, as BooksByIDs reads it:
-- one lookup of the photo by its unique key, then of the listing by its
-- primary key, so a photo is served only while a row names it.
SELECT b.id, b.seller_id, b.title, b.author, b.condition, b.price_cents, b.currency, b.available,
       b.status, b.hidden_reason, b.updated_at, b.seller_name, b.seller_disabled
FROM catalog.photos p JOIN catalog.listings b ON b.id = p.book_id
WHERE p.key = @key;

-- name: UnnamedPhotoKeys :many
-- The keys among keys that no photo of a listing and no staged photo
-- names: files left by a delete whose removal failed, or by a crash
-- between storing them and committing their row.
SELECT k::text FROM unnest(@keys::text[]) AS k
WHERE NOT EXISTS (SELECT 1 FROM catalog.photos p WHERE p.key = k)
  AND NOT EXISTS (SELECT 1 FROM catalog.staged_photos s WHERE s.key = k);
