-- name: RecordAdminAction :exec
INSERT INTO orders.admin_actions (actor_id, actor_name, action, subject_kind, subject_id, subject_label, reason)
VALUES (sqlc.narg(actor_id), @actor_name, @action, @subject_kind, @subject_id, @subject_label, @reason);

-- name: AdminActions :many
-- Newest first. strpos rather than LIKE, so % and _ in the text are plain
-- characters.
SELECT * FROM orders.admin_actions
WHERE (@action::text = '' OR action = @action)
  AND (@text::text = '' OR strpos(lower(actor_name), lower(@text)) > 0 OR strpos(lower(subject_label), lower(@text)) > 0)
ORDER BY at DESC, id DESC
LIMIT @lim;
