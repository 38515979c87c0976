// Package service implements the accounts module: the rules for users,
// passwords and sessions, and one transaction per exported method. It
// knows nothing of HTTP or fx, so tests and commands build it with New.
package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/dbsqlc"
	"github.com/bookstore/bookstore/modules/auth/internal/password"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/coalesce"
	"github.com/bookstore/bookstore/platform/mail"
)

// Both public interfaces are served by the local implementation.
var (
	_ auth.Service  = (*Service)(nil)
	_ auth.Accounts = (*Service)(nil)
)

// Errors of sign-in and sessions, beside the public ones in package auth.
var (
	// ErrBadCredentials is the one answer to an unknown email and to a wrong
	// password, so sign-in does not tell which emails have accounts.
	ErrBadCredentials = apperr.New(apperr.Unauthenticated, "auth.bad_credentials", "the email or password is not right")
	// ErrDisabled answers the right password of a disabled account.
	ErrDisabled = apperr.New(apperr.Forbidden, "auth.disabled", "this account has been disabled; contact the shop if you think this is a mistake")
	// ErrInvalid carries one message per field.
	ErrInvalid = apperr.New(apperr.Invalid, "auth.invalid", "some fields need attention")
	// ErrRateLimited is returned with its RetryAfter set.
	ErrRateLimited = apperr.New(apperr.TooMany, "auth.rate_limited", "too many attempts; please wait a few minutes and try again")
	// ErrSelf refuses an admin's attempt to disable their own account or
	// to take their own admin rights: nobody locks themselves out, and the
	// shop keeps an admin.
	ErrSelf = apperr.New(apperr.Conflict, "auth.self", "you cannot disable your own account")
	// ErrRoleConflict refuses a role change the account's state does not
	// allow; its message says which account and why.
	ErrRoleConflict = apperr.New(apperr.Conflict, "auth.role_conflict", "the account's role cannot change that way")
	// ErrLastAdmin refuses to demote the shop's last active admin, whoever
	// asks (an admin's stale page, the command line): no one could then
	// administer the shop but from the server. A disable never takes the
	// last, since its actor must still be an active admin.
	ErrLastAdmin = apperr.New(apperr.Conflict, "auth.last_admin", "the shop must keep an active admin")
)

// Lifetimes of credentials. A browser session ends after Idle without a
// request or at Max, whichever comes first; "keep me signed in" and API
// tokens live for Remember without an idle limit shorter than that.
type Lifetimes struct {
	Idle     time.Duration
	Max      time.Duration
	Remember time.Duration
}

// DefaultLifetimes are a working day for a browser session and a month for
// a remembered one or a token.
var DefaultLifetimes = Lifetimes{Idle: 2 * time.Hour, Max: 12 * time.Hour, Remember: 30 * 24 * time.Hour}

// Opts are optional settings; nil means defaults.
type Opts struct {
	Hash      *password.Params
	Limits    *Limits
	Lifetimes *Lifetimes
	// NowFunc is the clock for every deadline; tests move it.
	NowFunc func() time.Time
	// Outbox writes the verification and reset emails; nil stores them
	// with links to http://localhost:8080 and never sends them.
	Outbox *mail.Outbox
}

// Service is the local implementation of auth.Service and auth.Accounts.
type Service struct {
	pool      *pgxpool.Pool
	q         *dbsqlc.Queries
	hash      password.Params
	life      Lifetimes
	now       func() time.Time
	dummyHash string
	outbox    *mail.Outbox
	// sessions reads the sessions of the requests that arrive while a
	// read is under way in one statement (liveSessions).
	sessions *coalesce.Batcher[[]byte, *dbsqlc.GetLiveSessionsRow]

	signInAddr, signInAccount, passwordCheck, signUpAddr, signUpAccount limiter
	resendAccount, resetAddr, resetAccount, emailChangeAccount          limiter
	longestWindow                                                       time.Duration
}

// New returns the service over pool.
func New(pool *pgxpool.Pool, opts *Opts) (*Service, error) {
	if opts == nil {
		opts = &Opts{}
	}
	s := &Service{pool: pool, q: dbsqlc.New(), hash: password.Default, life: DefaultLifetimes, now: time.Now}
	if opts.Hash != nil {
		s.hash = *opts.Hash
	}
	if opts.Lifetimes != nil {
		s.life = *opts.Lifetimes
	}
	if opts.NowFunc != nil {
		s.now = opts.NowFunc
	}
	s.outbox = opts.Outbox
	if s.outbox == nil {
		s.outbox = mail.NewOutbox(nil, "http://localhost:8080", false)
	}
	lim := DefaultLimits
	if opts.Limits != nil {
		lim = *opts.Limits
	}
	s.signInAddr = limiter{"sign_in_address", lim.SignInPerAddress, lim.Window}
	s.signInAccount = limiter{"sign_in_account_address", lim.SignInPerAccountAddress, lim.Window}
	s.passwordCheck = limiter{"password_check", lim.PasswordChecksPerAccount, lim.Window}
	s.signUpAddr = limiter{"sign_up_address", lim.SignUpPerAddress, lim.Window}
	s.signUpAccount = limiter{"sign_up_account", lim.SignUpPerAccount, lim.Window}
	s.resendAccount = limiter{"verify_resend_account", lim.ResendPerAccount, lim.Window}
	s.resetAddr = limiter{"reset_address", lim.ResetPerAddress, lim.Window}
	s.resetAccount = limiter{"reset_account", lim.ResetPerAccount, lim.Window}
	s.emailChangeAccount = limiter{"email_change_account", lim.EmailChangePerAccount, lim.Window}
	s.longestWindow = lim.Window
	// An unknown email is checked against this hash, so it costs as much
	// as a wrong password and timing does not reveal which emails exist.
	h, err := password.Hash(randomToken(), s.hash)
	if err != nil {
		return nil, err
	}
	s.dummyHash = h
	s.sessions = coalesce.NewDetached(maxSessionReads, sessionReadTimeout, s.liveSessions)
	return s, nil
}

func toUser(u dbsqlc.User) auth.User {
	return auth.User{
		ID:             auth.UserID(u.ID),
		Email:          u.Email,
		Name:           u.Name,
		Role:           auth.Role(u.Role),
		Disabled:       u.DisabledAt != nil,
		DisabledReason: u.DisabledReason,
		CreatedAt:      u.CreatedAt,
		EmailVerified:  u.EmailVerifiedAt != nil,
		EmailTopics:    topicsOf(u.EmailTopics),
	}
}

// recordChange appends to the change feed inside tx. The advisory lock is
// held to commit, so feed order is commit order.
func (s *Service) recordChange(ctx context.Context, tx pgx.Tx, id int64) error {
	if err := s.q.LockUserChanges(ctx, tx); err != nil {
		return fmt.Errorf("lock user changes: %w", err)
	}
	if _, err := s.q.InsertUserChange(ctx, tx, dbsqlc.InsertUserChangeParams{UserID: id, At: s.now()}); err != nil {
		return fmt.Errorf("record user change: %w", err)
	}
	return nil
}

// randomToken returns 256 random bits, URL-safe: a session id, API token or
// CSRF token.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenLen is the length of every credential randomToken makes.
const tokenLen = 43

func hashCredential(c string) []byte {
	h := sha256.Sum256([]byte(c))
	return h[:]
}

// disabledError is ErrDisabled with the admin's reason, when one was given
// (accounts disabled before reasons were recorded have none).
func disabledError(reason string) error {
	if reason == "" {
		return ErrDisabled
	}
	return ErrDisabled.WithMessage("this account has been disabled: " + reason + "; contact the shop if you think this is a mistake")
}
