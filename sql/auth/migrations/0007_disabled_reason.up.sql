-- Why an admin disabled the account: its owner reads it when signing in,
-- and admins beside the account. Accounts disabled before had no reason
-- recorded; they keep ''.
ALTER TABLE auth.users ADD COLUMN disabled_reason text NOT NULL DEFAULT '';
