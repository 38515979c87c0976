// Package auth is the public face of the accounts module: who a user is,
// and how other modules learn who is making a request. The module owns the
// auth schema (users, sessions, API tokens); everything else about it lives
// under internal/.
package auth

import (
	"context"
	"time"

	"github.com/bookstore/bookstore/platform/apperr"
)

// UserID identifies a user across every module.
type UserID int64

// Role decides what a user may do beyond their own things.
type Role string

// Roles.
const (
	RoleMember Role = "member"
	RoleAdmin  Role = "admin"
)

// User is what other modules may know of an account.
type User struct {
	ID       UserID
	Email    string
	Name     string
	Role     Role
	Disabled bool
	// EmailVerified is set once the user opened the link sent to Email;
	// the catalog publishes only verified sellers' listings.
	EmailVerified bool
	CreatedAt     time.Time
}

// IsAdmin reports whether u may use the admin pages.
func (u User) IsAdmin() bool { return u.Role == RoleAdmin && !u.Disabled }

// Errors of the module. Each keeps its code across process boundaries.
var (
	ErrNotFound        = apperr.New(apperr.NotFound, "auth.not_found", "user not found")
	ErrUnauthenticated = apperr.New(apperr.Unauthenticated, "auth.unauthenticated", "please sign in to continue")
	ErrForbidden       = apperr.New(apperr.Forbidden, "auth.forbidden", "you are not allowed to do that")
)

// Identity is who a credential stands for.
type Identity struct {
	User User
	// CSRFToken is the session's token, which every form a browser posts
	// with its cookie must carry.
	CSRFToken string
}

// Service is what other processes need from accounts: the request
// middleware of every module signs requests in with Authenticate, and the
// catalog follows sellers' names and status with UserChanges. Both are
// safe to repeat, so a remote client retries them.
type Service interface {
	// Authenticate resolves a session id or an API token to who it stands
	// for. It returns ErrUnauthenticated when the credential is unknown,
	// expired or revoked, or its user is disabled. It writes only to extend
	// the session's idle deadline (at most once a minute), so it is safe to
	// retry.
	Authenticate(ctx context.Context, credential string) (Identity, error)
	// UserChanges returns, oldest first, up to limit changes recorded after
	// the change numbered after (0 for the start). Modules that keep a copy
	// of users' names or status (the catalog hides a disabled seller's
	// listings) poll it from a periodic job, so the copy converges even
	// across processes and restarts. Read-only.
	UserChanges(ctx context.Context, after int64, limit int) ([]UserChange, error)
}

// NewUser is an account to create from a command (not from the sign-up
// form, which has its own rate limits and session handling).
type NewUser struct {
	Email    string
	Name     string
	Password string
	Admin    bool
}

// Accounts is what commands (bookstore user, bookstore seed) need: creating
// and promoting accounts with the same rules as the sign-up form.
type Accounts interface {
	// CreateUser validates and creates an account. It fails with an Invalid
	// error carrying one message per field, e.g. for a taken email.
	CreateUser(ctx context.Context, u NewUser) (User, error)
	// Promote makes the user with this email an admin (ErrNotFound if none).
	// Idempotent.
	Promote(ctx context.Context, email string) (User, error)
}

// UserChange records that a user was created or changed its name, role or
// status. Seq increases with every change.
type UserChange struct {
	Seq  int64
	User User
}

// SessionCookie names the cookie that carries a browser's session id. Tests
// of other modules may set it to act as a signed-in user (see authtest).
const SessionCookie = "session"

type userKey struct{}

// WithUser returns ctx carrying the signed-in user; the module's middleware
// calls it for every request that carries a valid credential.
func WithUser(ctx context.Context, u User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the signed-in user of the request, if any.
func UserFrom(ctx context.Context) (User, bool) {
	u, ok := ctx.Value(userKey{}).(User)
	return u, ok
}

// RequireUser returns the signed-in user or ErrUnauthenticated.
func RequireUser(ctx context.Context) (User, error) {
	if u, ok := UserFrom(ctx); ok {
		return u, nil
	}
	return User{}, ErrUnauthenticated
}
