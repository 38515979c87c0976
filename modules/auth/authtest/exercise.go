package authtest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
)

// Backend is what the contract suite does to the accounts store behind the
// Service under test: the remote client's test runs these against the
// serving process's store, so the suite sees the effects over the wire.
type Backend interface {
	auth.Accounts
	// SignIn starts a browser session for the user and returns its id and
	// CSRF token.
	SignIn(ctx context.Context, email, password string) (credential, csrfToken string, err error)
	SignOut(ctx context.Context, credential string) error
	Rename(ctx context.Context, id auth.UserID, name string) error
	// SetDisabled disables or enables the user as admin, an account of
	// the store that is an active admin.
	SetDisabled(ctx context.Context, admin auth.User, id auth.UserID, disabled bool) error
	// SetEmailTopics changes the named email choices of the user.
	SetEmailTopics(ctx context.Context, id auth.UserID, edit map[auth.Topic]bool) (auth.User, error)
}

// LocalBackend drives the local service over pool.
func LocalBackend(t testing.TB, pool *pgxpool.Pool) Backend {
	return localBackend{NewService(t, pool)}
}

type localBackend struct{ *service.Service }

func (b localBackend) SignIn(ctx context.Context, email, pw string) (string, string, error) {
	_, s, err := b.Service.SignIn(ctx, service.SignInInput{Email: email, Password: pw})
	return s.ID, s.CSRFToken, err
}

func (b localBackend) Rename(ctx context.Context, id auth.UserID, name string) error {
	_, err := b.ChangeName(ctx, id, name)
	return err
}

func (b localBackend) SetDisabled(ctx context.Context, admin auth.User, id auth.UserID, disabled bool) error {
	var err error
	if disabled {
		_, err = b.Disable(ctx, admin, id, "disabled by the test")
	} else {
		_, err = b.Enable(ctx, admin, id)
	}
	return err
}

// Exercise runs the contract of auth.Service. newService returns a fresh,
// empty store: the Service under test and the Backend that changes it.
func Exercise(t *testing.T, newService func(t *testing.T) (auth.Service, Backend)) {
	t.Helper()
	ctx := context.Background()
	newUser := func(t *testing.T, b Backend, email string) auth.User {
		t.Helper()
		u, err := b.CreateUser(ctx, auth.NewUser{Email: email, Name: "Contract " + email[:3], Password: DefaultPassword})
		require.NoError(t, err)
		return u
	}

	t.Run("Authenticate", func(t *testing.T) {
		t.Parallel()
		svc, b := newService(t)
		u := newUser(t, b, "one@example.com")
		cred, csrf, err := b.SignIn(ctx, "one@example.com", DefaultPassword)
		require.NoError(t, err)
		got, err := svc.Authenticate(ctx, cred)
		require.NoError(t, err)
		require.Equal(t, u.ID, got.User.ID)
		require.Equal(t, u.Email, got.User.Email)
		require.Equal(t, "Contract one", got.User.Name)
		require.Equal(t, auth.RoleMember, got.User.Role)
		require.WithinDuration(t, u.CreatedAt, got.User.CreatedAt, time.Millisecond)
		require.Equal(t, csrf, got.CSRFToken, "the session's form token")
		require.False(t, got.User.Disabled)
		require.Equal(t, u.EmailVerified, got.User.EmailVerified)
		require.Equal(t, u.EmailTopics, got.User.EmailTopics, "the choices it was made with")
		edited, err := b.SetEmailTopics(ctx, u.ID, map[auth.Topic]bool{auth.TopicWantMatch: false})
		require.NoError(t, err)
		got, err = svc.Authenticate(ctx, cred)
		require.NoError(t, err)
		require.Equal(t, edited.EmailTopics, got.User.EmailTopics, "the user's choices, as they are now")
		require.NotContains(t, got.User.EmailTopics, auth.TopicWantMatch)

		for _, bad := range []string{"", "nonsense", cred + "x", "' OR 1=1 --"} {
			_, err = svc.Authenticate(ctx, bad)
			require.ErrorIs(t, err, auth.ErrUnauthenticated)
		}
		require.NoError(t, b.SignOut(ctx, cred))
		_, err = svc.Authenticate(ctx, cred)
		require.ErrorIs(t, err, auth.ErrUnauthenticated, "revoked")
	})

	t.Run("AuthenticateAdminAndDisabled", func(t *testing.T) {
		t.Parallel()
		svc, b := newService(t)
		u := newUser(t, b, "two@example.com")
		_, err := b.Promote(ctx, "two@example.com")
		require.NoError(t, err)
		// Another admin disables two's account.
		boss, err := b.CreateUser(ctx, auth.NewUser{Email: "boss@example.com", Name: "Boss", Password: DefaultPassword, Admin: true})
		require.NoError(t, err)
		cred, _, err := b.SignIn(ctx, "two@example.com", DefaultPassword)
		require.NoError(t, err)
		got, err := svc.Authenticate(ctx, cred)
		require.NoError(t, err)
		require.True(t, got.User.IsAdmin())
		require.NoError(t, b.SetDisabled(ctx, boss, u.ID, true))
		_, err = svc.Authenticate(ctx, cred)
		require.ErrorIs(t, err, auth.ErrUnauthenticated)
	})

	t.Run("UserChanges", func(t *testing.T) {
		t.Parallel()
		svc, b := newService(t)
		boss, err := b.CreateUser(ctx, auth.NewUser{Email: "boss@example.com", Name: "Boss", Password: DefaultPassword, Admin: true})
		require.NoError(t, err)
		a := newUser(t, b, "ann@example.com")
		c := newUser(t, b, "cat@example.com")
		all, err := svc.UserChanges(ctx, 0, 100)
		require.NoError(t, err)
		require.Len(t, all, 3)
		require.Equal(t, []auth.UserID{boss.ID, a.ID, c.ID}, []auth.UserID{all[0].User.ID, all[1].User.ID, all[2].User.ID})
		require.Less(t, all[1].Seq, all[2].Seq)

		require.NoError(t, b.Rename(ctx, a.ID, "Ann Renamed"))
		require.NoError(t, b.SetDisabled(ctx, boss, c.ID, true))
		later, err := svc.UserChanges(ctx, all[2].Seq, 100)
		require.NoError(t, err)
		require.Len(t, later, 2)
		require.Equal(t, "Ann Renamed", later[0].User.Name)
		require.True(t, later[1].User.Disabled, "a disabled seller is visible in the feed")

		_, err = b.Promote(ctx, "ann@example.com")
		require.NoError(t, err)
		one, err := svc.UserChanges(ctx, later[1].Seq, 1)
		require.NoError(t, err)
		require.Len(t, one, 1)
		require.Equal(t, auth.RoleAdmin, one[0].User.Role)
		none, err := svc.UserChanges(ctx, one[0].Seq, 10)
		require.NoError(t, err)
		require.Empty(t, none)

		require.Equal(t, []auth.Topic{auth.TopicOrderPlaced, auth.TopicOrderShipped, auth.TopicOrderProblem,
			auth.TopicSalePaid, auth.TopicSaleCancelled, auth.TopicWantMatch}, all[1].User.EmailTopics, "a new account's choices")
		require.Equal(t, "ann@example.com", all[1].User.NotifyAddress(), "made by a command, so confirmed")
		_, err = b.SetEmailTopics(ctx, c.ID, map[auth.Topic]bool{auth.TopicOrderShipped: false, auth.TopicSaleDelivered: true})
		require.NoError(t, err)
		chose, err := svc.UserChanges(ctx, one[0].Seq, 10)
		require.NoError(t, err)
		require.Len(t, chose, 1, "a change of choices is in the feed")
		require.Equal(t, []auth.Topic{auth.TopicOrderPlaced, auth.TopicOrderProblem, auth.TopicSalePaid, auth.TopicSaleCancelled,
			auth.TopicSaleDelivered, auth.TopicWantMatch}, chose[0].User.EmailTopics)
		require.Empty(t, chose[0].User.NotifyAddress(), "a disabled account gets no email")
	})
}
