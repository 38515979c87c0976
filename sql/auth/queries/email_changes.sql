-- name: SpendEmailChangeToken :one
-- Unlike SpendEmailToken, the token's email is the address to change to,
-- so it is not compared with the account's.
UPDATE auth.email_tokens t SET used_at = @now::timestamptz
FROM auth.users u
WHERE t.token_hash = @token_hash AND t.purpose = 'change'
  AND t.used_at IS NULL AND t.expires_at > @now
  AND u.id = t.user_id AND u.disabled_at IS NULL
RETURNING t.user_id, t.email;

-- name: PendingEmailChange :one
-- Asking again spends the earlier links, so at most one row matches.
SELECT email, expires_at FROM auth.email_tokens
WHERE user_id = @user_id AND purpose = 'change' AND used_at IS NULL AND expires_at > @now;

-- name: SetUserEmail :one
-- The address was proved by opening the link sent to it.
UPDATE auth.users SET email = @email, updated_at = @now, email_verified_at = @now
WHERE id = @id RETURNING *;
