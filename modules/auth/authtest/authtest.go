// Package authtest helps tests of any module: factories that make accounts
// and sessions in a pgtest database, and Exercise, the contract suite that
// every implementation of auth.Service must pass (the local service now, a
// remote client later).
package authtest

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/password"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
)

// DefaultPassword is the password of users made by CreateUser unless
// UserOpts says otherwise.
const DefaultPassword = "correct horse battery staple"

// FastHash is a cheap argon2id cost for tests; hashes record their
// parameters, so the production service still verifies them.
var FastHash = password.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// UserOpts describe a user to create; zero fields get unique defaults.
type UserOpts struct {
	Email    string
	Name     string
	Password string
	Admin    bool
	// Disabled has the account disabled by an admin made for it, so the
	// database holds one more active admin.
	Disabled bool
}

var seq atomic.Int64

// NewService returns the local service over pool with a cheap hash cost.
func NewService(t testing.TB, pool *pgxpool.Pool) *service.Service {
	t.Helper()
	svc, err := service.New(pool, &service.Opts{Hash: &FastHash, Limits: &noLimits})
	require.NoError(t, err)
	return svc
}

var noLimits = service.Limits{Window: time.Hour, SignInPerAddress: 1 << 30, SignInPerAccountAddress: 1 << 30, PasswordChecksPerAccount: 1 << 30, SignUpPerAddress: 1 << 30, SignUpPerAccount: 1 << 30}

// CreateUser makes an account with the sign-up rules and returns it.
func CreateUser(ctx context.Context, t testing.TB, pool *pgxpool.Pool, opts *UserOpts) auth.User {
	t.Helper()
	if opts == nil {
		opts = &UserOpts{}
	}
	o := *opts
	n := seq.Add(1)
	if o.Email == "" {
		o.Email = fmt.Sprintf("user%d@example.com", n)
	}
	if o.Name == "" {
		o.Name = fmt.Sprintf("User %d", n)
	}
	if o.Password == "" {
		o.Password = DefaultPassword
	}
	svc := NewService(t, pool)
	u, err := svc.CreateUser(ctx, auth.NewUser{Email: o.Email, Name: o.Name, Password: o.Password, Admin: o.Admin})
	require.NoError(t, err)
	if o.Disabled {
		// Disable reads its actor's rights from the database.
		n = seq.Add(1)
		admin, err := svc.CreateUser(ctx, auth.NewUser{Email: fmt.Sprintf("admin%d@example.com", n), Name: fmt.Sprintf("Admin %d", n), Password: DefaultPassword, Admin: true})
		require.NoError(t, err)
		u, err = svc.Disable(ctx, admin, u.ID, "disabled by the test")
		require.NoError(t, err)
	}
	return u
}

// Session is a signed-in browser: its session id and CSRF token.
type Session struct {
	ID        string
	CSRFToken string
}

// Cookie is the session cookie to add to a test request.
func (s Session) Cookie() *http.Cookie {
	return &http.Cookie{Name: auth.SessionCookie, Value: s.ID}
}

// SignIn starts a session for an existing user.
func SignIn(ctx context.Context, t testing.TB, pool *pgxpool.Pool, email, pw string) Session {
	t.Helper()
	_, s, err := NewService(t, pool).SignIn(ctx, service.SignInInput{Email: email, Password: pw})
	require.NoError(t, err)
	return Session{ID: s.ID, CSRFToken: s.CSRFToken}
}
