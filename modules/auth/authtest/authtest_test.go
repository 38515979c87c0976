package authtest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/platform/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestCreateUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	a := authtest.CreateUser(ctx, t, pool, nil)
	b := authtest.CreateUser(ctx, t, pool, &authtest.UserOpts{Email: "admin@example.com", Name: "Boss", Admin: true})
	d := authtest.CreateUser(ctx, t, pool, &authtest.UserOpts{Disabled: true})
	require.NotEqual(t, a.Email, d.Email)
	require.Equal(t, auth.RoleMember, a.Role)
	require.True(t, b.IsAdmin())
	require.True(t, d.Disabled)

	s := authtest.SignIn(ctx, t, pool, "ADMIN@example.com", authtest.DefaultPassword)
	got, err := authtest.NewService(t, pool).Authenticate(ctx, s.Cookie().Value)
	require.NoError(t, err)
	require.Equal(t, b.ID, got.User.ID)
	require.NotEmpty(t, s.CSRFToken)
}
