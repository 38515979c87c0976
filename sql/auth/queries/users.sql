-- name: GetUser :one
SELECT * FROM auth.users WHERE id = @id;

-- name: GetUserForUpdate :one
-- Locks the user for a change that reads the row to decide what it writes,
-- so two such changes at once apply one after the other.
SELECT * FROM auth.users WHERE id = @id FOR UPDATE;

-- name: GetUserByEmail :one
SELECT * FROM auth.users WHERE lower(email) = lower(@email);

-- name: CreateUser :one
-- An account made by a command is verified at once (its maker vouches for
-- the address); one made by sign-up, when its link is opened.
INSERT INTO auth.users (email, name, password_hash, role, email_verified_at, created_at, updated_at)
VALUES (@email, @name, @password_hash, @role, sqlc.narg(verified_at), @now, @now)
RETURNING *;

-- name: ListUnnormalizedUsers :many
-- The accounts stored, before addresses had one normal form, with a
-- domain that is not ASCII or an address not in NFC;
-- users_unnormalized_email_idx has only them.
SELECT * FROM auth.users
WHERE email ~ '[^\x01-\x7f][^@]*$' OR email IS NOT NFC NORMALIZED
ORDER BY id;

-- name: ChangeUserEmail :execrows
-- Only while the address is still old, so two replicas converting it at
-- once change it, and record the change, once.
UPDATE auth.users SET email = @email, updated_at = @now WHERE id = @id AND email = @old;

-- name: UpdateUserName :one
UPDATE auth.users SET name = @name, updated_at = @now WHERE id = @id RETURNING *;

-- name: UpdateUserRole :one
UPDATE auth.users SET role = @role, updated_at = @now WHERE id = @id RETURNING *;

-- name: LockUsersAndAdmins :many
-- The users of ids and every active admin, in one statement and in id
-- order, so two changes that lock users cannot deadlock. A change that may
-- take an admin's rights waits for any other that may, then reads the
-- admins it left (an admin demoted meanwhile no longer matches), so two at
-- once cannot leave the shop without an active admin.
SELECT * FROM auth.users
WHERE id = ANY(@ids::bigint[]) OR (role = 'admin' AND disabled_at IS NULL)
ORDER BY id FOR UPDATE;

-- name: UpdateUserPassword :execrows
UPDATE auth.users SET password_hash = @password_hash, updated_at = @now WHERE id = @id;

-- name: SetUserDisabled :one
-- disabled_at keeps the first time a user was disabled; enabling clears it,
-- and the reason with it.
UPDATE auth.users
SET disabled_at = CASE WHEN @disabled::boolean THEN coalesce(disabled_at, @now) END,
    disabled_reason = CASE WHEN @disabled::boolean THEN @reason::text ELSE '' END,
    updated_at = @now
WHERE id = @id
RETURNING *;

-- name: SearchUsers :many
-- strpos rather than LIKE, so % and _ in the query are plain characters.
-- search_text holds name and email folded as the query is (auth.fold), so
-- case, accents and Unicode form do not count. address is the query as a
-- stored address spells it (a Unicode domain as its A-label), or ''.
-- The folds are subqueries so that they run once, not once a row.
SELECT * FROM auth.users
WHERE @query::text = ''
   OR strpos(search_text, (SELECT auth.fold(@query))) > 0
   OR (@address::text <> '' AND strpos(search_text, (SELECT auth.fold(@address))) > 0)
ORDER BY id
LIMIT @lim OFFSET @off;

-- name: LockUserChanges :exec
-- Held until commit, so changes commit in seq order.
SELECT pg_advisory_xact_lock(hashtext('auth.user_changes'));

-- name: InsertUserChange :one
INSERT INTO auth.user_changes (user_id, at) VALUES (@user_id, @at) RETURNING seq;

-- name: ListUserChanges :many
SELECT sqlc.embed(c), sqlc.embed(u)
FROM auth.user_changes c
JOIN auth.users u ON u.id = c.user_id
WHERE c.seq > @after
ORDER BY c.seq
LIMIT @lim;

-- name: MarkEmailVerified :one
UPDATE auth.users SET email_verified_at = coalesce(email_verified_at, @now), updated_at = @now
WHERE id = @id RETURNING *;

-- name: SetEmailTopics :one
UPDATE auth.users SET email_topics = @email_topics, updated_at = @now WHERE id = @id RETURNING *;
