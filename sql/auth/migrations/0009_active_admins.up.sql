-- Every change of a role or of an account's disabled status locks the
-- shop's active admins with its users (LockUsersAndAdmins), so that no two
-- changes at once leave it without one. The few admins are found by this
-- index, beside the users' primary key, rather than by reading every
-- account.
CREATE INDEX users_active_admins_idx ON auth.users (id) WHERE role = 'admin' AND disabled_at IS NULL;
