-- One mailbox, one account: addresses are stored in one normal form (the
-- service's normalizeEmail), NFC with a Unicode domain as its IDNA
-- A-label, so the unique index on lower(email) sees two spellings of one
-- address as one. Here the rows stored before come to NFC. SQL cannot
-- punycode: the few with a Unicode domain, found by
-- users_unnormalized_email_idx, are converted by the service when it
-- starts (NormalizeStoredEmails).
--
-- A row whose normal form another account already holds (the same
-- mailbox signed up twice in two forms) keeps its spelling, since one of
-- the two must: the older account, or the one already in NFC, keeps the
-- address, and an admin settles the other (disables it, say), which the
-- start-up conversion names in its log until then.
SELECT pg_advisory_xact_lock(hashtext('auth.user_changes'));

WITH changed AS (
  UPDATE auth.users u SET email = normalize(u.email, NFC), updated_at = now()
  WHERE u.email IS NOT NFC NORMALIZED
    AND NOT EXISTS (
      SELECT 1 FROM auth.users o
      WHERE o.id <> u.id AND lower(normalize(o.email, NFC)) = lower(normalize(u.email, NFC))
        AND (o.email IS NFC NORMALIZED OR o.id < u.id))
  RETURNING u.id
)
-- The change feed tells the modules that copy addresses.
INSERT INTO auth.user_changes (user_id) SELECT id FROM changed ORDER BY id;

-- A pending link stays good for the address in its new form.
UPDATE auth.email_tokens t SET email = u.email
FROM auth.users u
WHERE u.id = t.user_id AND t.email IS NOT NFC NORMALIZED
  AND lower(normalize(t.email, NFC)) = lower(u.email);

-- Rows not in the normal form (a domain not ASCII, or not NFC): only
-- those stored before this change, so the start-up conversion finds them,
-- or their absence, at once.
CREATE INDEX users_unnormalized_email_idx ON auth.users (id)
WHERE email ~ '[^\x01-\x7f][^@]*$' OR email IS NOT NFC NORMALIZED;

-- The admin's user search ignores case, accents and Unicode form. The
-- unaccent extension is the catalog's (an extension lives in one schema
-- of a database, and the monolith shares one), so auth folds with
-- built-ins: compatibility decomposition, then combining marks dropped,
-- the Latin letters that do not decompose mapped by hand, and apostrophes
-- of any kind dropped (O’Brien is found as obrien or o'brien).
CREATE FUNCTION auth.fold(s text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT regexp_replace(
    normalize(
      replace(replace(replace(replace(
        translate(lower(s), 'łøđðħıŧſ''‘’ʼ`', 'loddhits'),
        'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe'), 'þ', 'th'),
      NFKD),
    '[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]', '', 'g')
$$;

-- Folded once per write rather than once per row per search, so a search
-- reads one column; the list pages by id, so it stops at a page's worth.
ALTER TABLE auth.users ADD COLUMN search_text text NOT NULL
  GENERATED ALWAYS AS (auth.fold(name || E'\n' || email)) STORED;
