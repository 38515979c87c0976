-- A user proves their address by opening a link sent to it; until then the
-- shop works for them but the catalog will not publish their listings.
-- Accounts made before addresses were checked keep selling: they count as
-- verified from their creation.
ALTER TABLE auth.users ADD COLUMN email_verified_at timestamptz;
UPDATE auth.users SET email_verified_at = created_at;

-- Single-use secrets sent by email: verifying an address, resetting a
-- password. Only a SHA-256 of the secret is kept, as for sessions, so a
-- copy of the table opens no link. A token is spent by setting used_at in
-- the same statement that checks it, so two clicks race to one winner.
-- Expired and spent rows are deleted with expired sessions.
CREATE TABLE auth.email_tokens (
    token_hash bytea       PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    purpose    text        NOT NULL CHECK (purpose IN ('verify', 'reset')),
    email      text        NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

CREATE INDEX email_tokens_user_idx ON auth.email_tokens (user_id, purpose);
CREATE INDEX email_tokens_expires_idx ON auth.email_tokens (expires_at);
