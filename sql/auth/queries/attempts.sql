-- name: HitAttempt :one
-- Counts one attempt in the key's window, opening a new window when the
-- current one began at or before @expired. One statement, so concurrent
-- attempts on any replica are all counted.
INSERT INTO auth.attempts AS a (key_hash, window_start, count)
VALUES (@key_hash, @now, 1)
ON CONFLICT (key_hash) DO UPDATE SET
    window_start = CASE WHEN a.window_start <= @expired THEN @now ELSE a.window_start END,
    count        = CASE WHEN a.window_start <= @expired THEN 1 ELSE a.count + 1 END
RETURNING window_start, count;

-- name: ResetAttempts :exec
DELETE FROM auth.attempts WHERE key_hash = @key_hash;

-- name: DeleteExpiredAttempts :execrows
DELETE FROM auth.attempts WHERE window_start <= @expired;
