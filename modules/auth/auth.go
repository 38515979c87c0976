// Package auth is the public face of the accounts module: who a user is,
// and how other modules learn who is making a request. The module owns the
// auth schema (users, sessions, API tokens, and the log of what admins did
// to accounts); everything else about it lives under internal/.
package auth

import (
	"context"
	"slices"
	"time"

	"github.com/bookstore/bookstore/platform/activity"
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
	// DisabledReason is why an admin disabled the account, "" when it is
	// not disabled; its owner reads it when signing in.
	DisabledReason string
	// EmailVerified is set once the user opened the link sent to Email;
	// the catalog publishes only verified sellers' listings.
	EmailVerified bool
	CreatedAt     time.Time
	// EmailTopics are the notification emails the user chose to get, in
	// Topics order.
	EmailTopics []Topic
}

// Topic is a kind of notification email a user chooses to get or not. The
// accounts module owns the choices and the address; the modules that write
// the emails keep a copy of both from UserChanges, so they decide inside
// their own transactions, without a call to another process.
type Topic string

// Topics. A new account gets order_placed, order_shipped, order_problem,
// sale_paid, sale_cancelled and want_match (the column's default): the
// emails that ask for an action (ship a sale, pay another way) or that a
// shopper waits for (a confirmation, a parcel on its way, a wanted book on
// sale, since the user set up the want to hear of it); deliveries are off,
// as whoever holds the parcel knows already.
const (
	// TopicOrderPlaced is a buyer's order placed and paid.
	TopicOrderPlaced Topic = "order_placed"
	// TopicOrderShipped is a buyer's order shipped.
	TopicOrderShipped Topic = "order_shipped"
	// TopicOrderDelivered is a buyer's order delivered.
	TopicOrderDelivered Topic = "order_delivered"
	// TopicOrderProblem is a buyer's order cancelled or its payment failed.
	TopicOrderProblem Topic = "order_problem"
	// TopicSalePaid is a seller's sale paid: books to hand over.
	TopicSalePaid Topic = "sale_paid"
	// TopicSaleCancelled is a seller's sale cancelled or its payment failed.
	TopicSaleCancelled Topic = "sale_cancelled"
	// TopicSaleDelivered is a seller's sale delivered.
	TopicSaleDelivered Topic = "sale_delivered"
	// TopicWantMatch is a listing that matches one of the user's wants
	// (each want also has its own email switch).
	TopicWantMatch Topic = "want_match"
)

// Topics are every topic, in the order the settings list them.
var Topics = []Topic{TopicOrderPlaced, TopicOrderShipped, TopicOrderDelivered, TopicOrderProblem,
	TopicSalePaid, TopicSaleCancelled, TopicSaleDelivered, TopicWantMatch}

// Chooses reports whether u chose emails of topic t.
func (u User) Chooses(t Topic) bool { return slices.Contains(u.EmailTopics, t) }

// TopicNames are ts as strings, never nil: how the copies of other modules
// store them, in a column that is not null.
func TopicNames(ts []Topic) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	return out
}

// NotifyAddress is where notification emails to u go, or "" when none may:
// only to a confirmed address, since an unconfirmed one may be a typo or
// someone else's, and the shop must not mail a stranger about orders they
// never placed; never to a disabled account.
func (u User) NotifyAddress() string {
	if !u.EmailVerified || u.Disabled {
		return ""
	}
	return u.Email
}

// IsAdmin reports whether u may use the admin pages.
func (u User) IsAdmin() bool { return u.Role == RoleAdmin && !u.Disabled }

// Actor is the user as the activity log records who acted: their id and
// the name they have now, which the entry keeps after a rename.
func (u User) Actor() activity.Actor { return activity.Actor{ID: int64(u.ID), Name: u.Name} }

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
	// listings) or of their notification addresses and choices (the catalog
	// and orders write emails in their own transactions) poll it from a
	// periodic job, so the copy converges even across processes and
	// restarts. Read-only.
	UserChanges(ctx context.Context, after int64, limit int) ([]UserChange, error)
}

// NewUser is an account to create from a command (not from the sign-up
// form, which has its own rate limits and session handling).
type NewUser struct {
	Email    string
	Name     string
	Password string
	Admin    bool
	// Actor is who makes the account, which the activity log records when
	// it makes an admin (bookstore user create --admin sets the command
	// line). The zero Actor records nothing, for test factories, whose
	// admins stand for ones the shop had before the test.
	Actor activity.Actor
}

// Accounts is what commands (bookstore user, bookstore seed) need: creating
// accounts with the same rules as the sign-up form, making and unmaking
// admins, and setting the demo accounts' email choices.
type Accounts interface {
	// CreateUser validates and creates an account. It fails with an Invalid
	// error carrying one message per field, e.g. for a taken email. An
	// admin made by u.Actor is in the activity log as user.promote.
	CreateUser(ctx context.Context, u NewUser) (User, error)
	// Promote makes the user with this email an admin (ErrNotFound if none),
	// which the activity log records with the command line as the actor. A
	// disabled account is refused with a Conflict error that says so, as
	// the admin pages refuse it. Idempotent: promoting an admin changes and
	// records nothing.
	Promote(ctx context.Context, email string) (User, error)
	// Demote makes the admin with this email a member (ErrNotFound if
	// none). The shop's last active admin is refused with a Conflict error
	// that says so: make another admin first. Idempotent.
	Demote(ctx context.Context, email string) (User, error)
	// SetEmailTopics changes the notification emails the user gets: a topic
	// set true is chosen, false dropped, others stay. An unknown topic is an
	// Invalid error; ErrNotFound for no such user. Idempotent.
	SetEmailTopics(ctx context.Context, id UserID, edit map[Topic]bool) (User, error)
}

// UserChange records that a user was created or changed its name, role,
// status, address confirmation or email choices. Seq increases with every change.
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
