-- name: CreateEmailToken :exec
INSERT INTO auth.email_tokens (token_hash, user_id, purpose, email, created_at, expires_at)
VALUES (@token_hash, @user_id, @purpose, @email, @now, @expires_at);

-- name: SpendEmailToken :one
-- The token is spent only while it is unused, unexpired and still for the
-- user's current address (a changed address voids a verify link).
UPDATE auth.email_tokens t SET used_at = @now::timestamptz
FROM auth.users u
WHERE t.token_hash = @token_hash AND t.purpose = @purpose
  AND t.used_at IS NULL AND t.expires_at > @now
  AND u.id = t.user_id AND lower(u.email) = lower(t.email) AND u.disabled_at IS NULL
RETURNING t.user_id;

-- name: ChangeEmailTokensEmail :exec
-- A pending link follows its user's address into a new spelling.
UPDATE auth.email_tokens SET email = @email WHERE user_id = @user_id AND lower(email) = lower(@old);

-- name: VoidEmailTokens :exec
-- A new link or a reset password makes the earlier links of that purpose
-- useless.
UPDATE auth.email_tokens SET used_at = @now::timestamptz
WHERE user_id = @user_id AND purpose = @purpose AND used_at IS NULL;

-- name: DeleteDeadEmailTokens :execrows
DELETE FROM auth.email_tokens WHERE expires_at <= @now OR used_at IS NOT NULL;
