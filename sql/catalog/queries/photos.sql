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
