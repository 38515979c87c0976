-- name: GetUser :one
SELECT * FROM auth.users WHERE id = @id;

-- name: ListUsersByID :many
SELECT * FROM auth.users WHERE id = ANY(@ids::bigint[]) ORDER BY id;
