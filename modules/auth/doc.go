// The auth module owns the auth schema: accounts with their roles, sessions
// and API tokens. Invariants: an email is unique without regard to case; a
// disabled user has no live session or token.
package auth
