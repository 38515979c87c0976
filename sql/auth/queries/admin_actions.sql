-- name: RecordAdminAction :exec
INSERT INTO auth.admin_actions (actor_id, actor_name, action, subject_kind, subject_id, subject_label, reason)
VALUES (sqlc.narg(actor_id), @actor_name, @action, @subject_kind, @subject_id, @subject_label, @reason);

-- name: AdminActions :many
-- Newest first. strpos rather than LIKE, so % and _ in the text are plain
-- characters. @address is the text as a stored address spells it, when
-- that differs (a Unicode domain, stored as A-labels), else ''.
SELECT * FROM auth.admin_actions
WHERE (@action::text = '' OR action = @action)
  AND (@text::text = '' OR strpos(lower(actor_name), lower(@text)) > 0 OR strpos(lower(subject_label), lower(@text)) > 0
       OR (@address::text <> '' AND strpos(lower(subject_label), lower(@address)) > 0))
ORDER BY at DESC, id DESC
LIMIT @lim;
