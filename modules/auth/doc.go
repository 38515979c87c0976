// The auth module owns the auth schema: accounts with their roles
// (auth.users), sessions and API tokens (auth.sessions, keyed by the SHA-256
// of the secret, never the secret), the change feed other modules poll
// (auth.user_changes), and the admins' activity log of accounts
// (auth.admin_actions: disable, enable, and the command line's promote,
// each written in the transaction of the action; platform/activity).
//
// Invariants: an email is unique without regard to case (a unique index
// decides, even between concurrent sign-ups); a disabled user has no live
// session or token; every sign-up and every change of a user's name, role
// or status adds exactly one row to the feed in the same transaction, and
// feed order is commit order.
//
// Sessions are a small Postgres store of the module's own rather than
// alexedwards/scs: scs's pgxstore hard-codes the unqualified table name
// "sessions" (the module's SQL must stay in the auth schema), and the
// module needs what scs's opaque, gob-encoded rows cannot give cheaply:
// ending every session of one user (password change, sign out everywhere,
// disable, a role change), bearer tokens in the same table, and Authenticate from
// a bare credential in another process.
//
// Jobs: auth.delete_expired_sessions, hourly, removes dead sessions.
package auth
