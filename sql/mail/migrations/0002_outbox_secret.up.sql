-- An email's secret is the part of its body that is a credential of the
-- addressee (a confirmation or password-reset link). It is kept only while
-- someone may still need it: the send job (queued), or, on a shop without
-- SMTP, the admin who passes the link on (stored). Sending or giving up
-- replaces it in the body by a note and clears it, so the outbox keeps no
-- copy of a delivered credential and an admin never reads one.
ALTER TABLE mail.outbox ADD COLUMN secret text
    CHECK (secret IS NULL OR (status IN ('stored', 'queued') AND strpos(body, secret) > 0));

-- Emails written before secrets were marked: auth's links are the only
-- credentials emails carry.
UPDATE mail.outbox SET secret = substring(body FROM 'https?://\S+[?&]token=\S+')
WHERE kind IN ('auth.verify_email', 'auth.password_reset') AND status IN ('stored', 'queued');
UPDATE mail.outbox SET body = regexp_replace(body, 'https?://\S+[?&]token=\S+',
    CASE status WHEN 'sent' THEN '[link hidden: it was sent to the user]'
        ELSE '[link hidden: it could not be sent; the user can ask for a new one]' END, 'g')
WHERE kind IN ('auth.verify_email', 'auth.password_reset') AND status IN ('sent', 'failed');
