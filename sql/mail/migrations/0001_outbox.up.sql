-- The outbox of every email the shop writes, owned by platform/mail and
-- applied to each process's database beside River's schema, so a module
-- writes an email in the same transaction as the event it tells of. A row
-- is written "stored" (no SMTP server configured: an admin reads it on the
-- Outbox page) or "queued" with a send job in the same transaction, then
-- becomes "sent", or "failed" once the job gives up. kind starts with the
-- writing module's name (auth.verify_email), so a split process whose
-- database is shared lists only its own modules' emails.
CREATE SCHEMA IF NOT EXISTS mail;
CREATE TABLE mail.outbox (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       text        NOT NULL CHECK (kind ~ '^[a-z]+\.[a-z_]+$'),
    to_addr    text        NOT NULL CHECK (length(to_addr) BETWEEN 3 AND 254),
    subject    text        NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    body       text        NOT NULL CHECK (length(body) <= 20000),
    status     text        NOT NULL CHECK (status IN ('stored', 'queued', 'sent', 'failed')),
    attempts   integer     NOT NULL DEFAULT 0,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz
);

CREATE INDEX outbox_created_idx ON mail.outbox (created_at DESC, id DESC);
