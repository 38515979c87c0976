-- The admins' activity log: each action an admin takes on the module's
-- data, written in the action's own transaction (platform/activity). A log
-- outlives what it names, so no foreign keys: actor_name and subject_label
-- keep the names as they were. actor_id is NULL for a command run on the
-- server.
CREATE TABLE auth.admin_actions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    actor_id      bigint,
    actor_name    text NOT NULL,
    action        text NOT NULL,
    subject_kind  text NOT NULL,
    subject_id    bigint NOT NULL,
    subject_label text NOT NULL,
    reason        text NOT NULL DEFAULT ''
);

CREATE INDEX admin_actions_newest ON auth.admin_actions (at DESC, id DESC);
