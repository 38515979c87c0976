-- name: CreateSession :exec
INSERT INTO auth.sessions (id_hash, user_id, kind, csrf_token, persistent, idle_seconds, created_at, last_seen_at, expires_at)
VALUES (@id_hash, @user_id, @kind, @csrf_token, @persistent, @idle_seconds, @now, @now, @expires_at);

-- name: GetLiveSessions :many
-- The live sessions among @id_hashes: those of the signed-in requests
-- that arrived together. A session of a disabled user is never live,
-- whatever its deadlines. It runs for every signed-in request, so it
-- reads only what Authenticate uses (no password hash travels per
-- request), in the types that cost the least to decode: whether the
-- session is due a touch (last seen a tenth of its idle time ago, a minute
-- at most) rather than its times, whether the email is verified rather
-- than when, and the topics as one string.
SELECT s.id_hash, s.csrf_token,
       (sqlc.arg(now)::timestamptz - s.last_seen_at >= least(make_interval(secs => s.idle_seconds / 10.0), interval '1 minute'))::boolean AS stale,
       u.id, u.email, u.name, u.role, u.created_at,
       (u.email_verified_at IS NOT NULL)::boolean AS email_verified,
       array_to_string(u.email_topics, ',') AS email_topics
FROM auth.sessions s
JOIN auth.users u ON u.id = s.user_id
WHERE s.id_hash = ANY(@id_hashes::bytea[])
  AND s.expires_at > @now
  AND s.last_seen_at + make_interval(secs => s.idle_seconds) > @now
  AND u.disabled_at IS NULL;

-- name: TouchSession :exec
UPDATE auth.sessions SET last_seen_at = @now WHERE id_hash = @id_hash;

-- name: DeleteSession :one
DELETE FROM auth.sessions WHERE id_hash = @id_hash RETURNING user_id;

-- name: DeleteUserSessions :execrows
DELETE FROM auth.sessions WHERE user_id = @user_id;

-- name: DeleteOtherUserSessions :execrows
DELETE FROM auth.sessions WHERE user_id = @user_id AND id_hash <> @keep;

-- name: DeleteExpiredSessions :execrows
DELETE FROM auth.sessions
WHERE expires_at <= @now OR last_seen_at + make_interval(secs => idle_seconds) <= @now;

-- name: RenewSession :one
-- A browser's session under a new id, its deadlines and CSRF token kept
-- (so the browser's other open forms still work): the old id, and any copy
-- of its cookie, stops working at once.
UPDATE auth.sessions SET id_hash = @new_hash
WHERE id_hash = @id_hash AND user_id = @user_id AND kind = 'session'
RETURNING csrf_token, persistent, expires_at;
