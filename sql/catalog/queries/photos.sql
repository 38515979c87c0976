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
