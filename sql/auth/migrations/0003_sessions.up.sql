-- Every sign-up and every change of a user's name, role or status adds one
-- row, in the same transaction, so other modules can copy user state by
-- polling "after seq". Writers take an advisory lock before inserting, so
-- seq order is commit order and a poller never skips a late commit.
CREATE TABLE auth.user_changes (
    seq     bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint      NOT NULL REFERENCES auth.users (id),
    at      timestamptz NOT NULL DEFAULT now()
);

-- Sessions (browser cookies) and API tokens. Only a SHA-256 of the secret
-- is stored, so a copy of the table signs nobody in. A session ends at the
-- first of its idle deadline (last_seen_at + idle) and expires_at.
CREATE TABLE auth.sessions (
    id_hash      bytea       PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    kind         text        NOT NULL CHECK (kind IN ('session', 'token')),
    csrf_token   text        NOT NULL,
    persistent   boolean     NOT NULL DEFAULT false,
    idle_seconds integer     NOT NULL CHECK (idle_seconds > 0),
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);

CREATE INDEX sessions_user_id_idx ON auth.sessions (user_id);
CREATE INDEX sessions_expires_at_idx ON auth.sessions (expires_at);
