package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/password"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/pgtest"
)

// BenchmarkSignIn measures one sign-in with the production argon2id cost:
// the password check plus the session insert.
func BenchmarkSignIn(b *testing.B) {
	ctx, bun := setupBench(b)
	for b.Loop() {
		_, _, err := bun.svc.SignIn(ctx, service.SignInInput{Email: "bench@example.com", Password: pw})
		require.NoError(b, err)
	}
}

// BenchmarkHash is the argon2id cost alone.
func BenchmarkHash(b *testing.B) {
	for b.Loop() {
		_, err := password.Hash(pw, password.Default)
		require.NoError(b, err)
	}
}

func setupBench(b *testing.B) (ctx context.Context, bun *bundle) {
	b.Helper()
	bun = &bundle{pool: pgtest.New(b), clock: &clock{now: time.Now()}}
	lim := service.Limits{Window: time.Minute, SignInPerAddress: 1 << 30, SignInPerAccountAddress: 1 << 30, PasswordChecksPerAccount: 1 << 30, SignUpPerAddress: 1, SignUpPerAccount: 1}
	svc, err := service.New(bun.pool, &service.Opts{Limits: &lim})
	require.NoError(b, err)
	bun.svc = svc
	ctx = context.Background()
	_, err = svc.CreateUser(ctx, auth.NewUser{Email: "bench@example.com", Name: "Bench", Password: pw})
	require.NoError(b, err)
	return ctx, bun
}
