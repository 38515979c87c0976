-- name: CreateSession :exec
INSERT INTO auth.sessions (id_hash, user_id, kind, csrf_token, persistent, idle_seconds, created_at, last_seen_at, expires_at)
VALUES (@id_hash, @user_id, @kind, @csrf_token, @persistent, @idle_seconds, @now, @now, @expires_at);

-- name: GetLiveSession :one
-- A session of a disabled user is never live, whatever its deadlines. It
-- runs on every signed-in request, so it reads only what Authenticate
-- uses: no password hash travels per request.
SELECT s.csrf_token, s.idle_seconds, s.last_seen_at,
       u.id, u.email, u.name, u.role, u.disabled_at, u.created_at, u.email_verified_at, u.email_topics
FROM auth.sessions s
JOIN auth.users u ON u.id = s.user_id
WHERE s.id_hash = @id_hash
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
