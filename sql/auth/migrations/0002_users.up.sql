CREATE TABLE auth.users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text        NOT NULL CHECK (length(email) <= 254),
    name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
    password_hash text        NOT NULL,
    role          text        NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin')),
    disabled_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Emails are unique without regard to case; the index also serves sign-in.
CREATE UNIQUE INDEX users_email_key ON auth.users (lower(email));
