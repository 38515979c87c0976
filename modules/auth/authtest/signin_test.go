package authtest_test

import (
	"context"
	"testing"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/auth/internal/httpauth"
	"github.com/bookstore/bookstore/platform/pgtest"
)

// TestSignIn holds the accounts module's sign-in middleware and the fake
// other modules' tests use to the same contract.
func TestSignIn(t *testing.T) {
	t.Parallel()
	t.Run("Real", func(t *testing.T) {
		t.Parallel()
		authtest.ExerciseSignIn(t, func(t *testing.T) authtest.SignInUnderTest {
			ctx := context.Background()
			pool := pgtest.New(t)
			member := authtest.CreateUser(ctx, t, pool, &authtest.UserOpts{Email: "member@example.com"})
			admin := authtest.CreateUser(ctx, t, pool, &authtest.UserOpts{Email: "admin@example.com", Admin: true})
			sessions := map[auth.UserID]authtest.Session{
				member.ID: authtest.SignIn(ctx, t, pool, member.Email, authtest.DefaultPassword),
				admin.ID:  authtest.SignIn(ctx, t, pool, admin.Email, authtest.DefaultPassword),
			}
			return authtest.SignInUnderTest{
				Middleware: httpauth.Middleware(authtest.NewService(t, pool)),
				Member:     member, Admin: admin,
				As: func(u auth.User) []string { return []string{"Cookie", sessions[u.ID].Cookie().String()} },
			}
		})
	})
	t.Run("Fake", func(t *testing.T) {
		t.Parallel()
		authtest.ExerciseSignIn(t, func(*testing.T) authtest.SignInUnderTest {
			member := auth.User{ID: 7, Name: "Member", Role: auth.RoleMember}
			admin := auth.User{ID: 8, Name: "Admin", Role: auth.RoleAdmin}
			return authtest.SignInUnderTest{
				Middleware: authtest.FakeSignIn(member, admin),
				Member:     member, Admin: admin,
				As: func(u auth.User) []string { return authtest.As(&u) },
			}
		})
	})
}
