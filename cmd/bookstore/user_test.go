package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authfx"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/pgtest"
)

// runBinary runs the real command to its end.
func runBinary(t *testing.T, env []string, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	// The password comes only from what the test passes.
	cmd.Env = append(without(os.Environ(), passwordEnv), append([]string{"BOOKSTORE_LOG_LEVEL=error"}, env...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out.String(), errOut.String(), exit.ExitCode()
	}
	require.NoError(t, err)
	return out.String(), errOut.String(), 0
}

func without(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

type userRow struct {
	Role string
	Hash string
	Name string
}

func userByEmail(t *testing.T, dbURL, email string) (userRow, bool) {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dbURL)
	require.NoError(t, err)
	defer pool.Close()
	var u userRow
	err = pool.QueryRow(context.Background(), "SELECT role, password_hash, name FROM auth.users WHERE lower(email) = lower($1)", email).Scan(&u.Role, &u.Hash, &u.Name)
	if err != nil {
		return userRow{}, false
	}
	return u, true
}

func TestUserCreate(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewURL(t)
	env := []string{"DATABASE_URL=" + dbURL}

	t.Run("AdminFromStdin", func(t *testing.T) {
		out, errOut, code := runBinary(t, env, "first admin secret\n", "user", "create", "--admin", "--email", "root@example.com", "--name", "Root")
		require.Zero(t, code, errOut)
		require.Regexp(t, `^created admin user \d+ <root@example.com>\n$`, out)
		u, ok := userByEmail(t, dbURL, "root@example.com")
		require.True(t, ok)
		require.Equal(t, "admin", u.Role)
		require.True(t, strings.HasPrefix(u.Hash, "$argon2id$v=19$m=19456,t=2,p=1$"))
		require.NotContains(t, out+errOut, "first admin secret")
	})

	t.Run("MemberFromEnv", func(t *testing.T) {
		out, errOut, code := runBinary(t, append(env, "BOOKSTORE_USER_PASSWORD=member password"), "", "user", "create", "--email", "member@example.com", "--name", "Member")
		require.Zero(t, code, errOut)
		require.Contains(t, out, "created member user")
		u, ok := userByEmail(t, dbURL, "member@example.com")
		require.True(t, ok)
		require.Equal(t, "member", u.Role)
	})

	t.Run("Rejections", func(t *testing.T) {
		cases := map[string]struct {
			stdin string
			args  []string
			want  string
		}{
			"DuplicateEmail": {"another password\n", []string{"--email", "ROOT@example.com", "--name", "Again"}, "email: an account with this email already exists"},
			"ShortPassword":  {"short\n", []string{"--email", "s@example.com", "--name", "Short"}, "password: a password has 10 to 128 characters"},
			"NoPassword":     {"", []string{"--email", "n@example.com", "--name", "None"}, "no password: pipe it to stdin or set $BOOKSTORE_USER_PASSWORD"},
			"BadName":        {"long enough pw\n", []string{"--email", "b@example.com", "--name", " x "}, "name: a display name has 2 to 40 characters"},
			"MissingEmail":   {"long enough pw\n", []string{"--name", "No Email"}, `required flag(s) "email" not set`},
			"PasswordAsFlag": {"long enough pw\n", []string{"--email", "p@example.com", "--name", "Flag", "--password", "x"}, "unknown flag: --password"},
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				_, errOut, code := runBinary(t, env, tc.stdin, append([]string{"user", "create"}, tc.args...)...)
				require.NotZero(t, code)
				require.Contains(t, errOut, tc.want)
			})
		}
		_, ok := userByEmail(t, dbURL, "s@example.com")
		require.False(t, ok)
	})

	t.Run("Promote", func(t *testing.T) {
		out, errOut, code := runBinary(t, append(env, "BOOKSTORE_USER_PASSWORD=promote password"), "", "user", "create", "--email", "later@example.com", "--name", "Later")
		require.Zero(t, code, errOut)
		out, errOut, code = runBinary(t, env, "", "user", "promote", "LATER@example.com")
		require.Zero(t, code, errOut)
		require.Regexp(t, `^user \d+ <later@example.com> is an admin\n$`, out)
		u, _ := userByEmail(t, dbURL, "later@example.com")
		require.Equal(t, "admin", u.Role)

		_, errOut, code = runBinary(t, env, "", "user", "promote", "LATER@example.com")
		require.Zero(t, code, "idempotent: "+errOut)
		_, errOut, code = runBinary(t, env, "", "user", "promote", "ghost@example.com")
		require.NotZero(t, code)
		require.Contains(t, errOut, `no account has the email "ghost@example.com"`)
		_, errOut, code = runBinary(t, env, "", "user", "promote")
		require.NotZero(t, code)
		require.Contains(t, errOut, "accepts 1 arg")
	})
}

func TestUserCommand_GraphHasNoServer(t *testing.T) {
	t.Parallel()
	mods, err := config.ParseModules("all")
	require.NoError(t, err)
	cfg := config.Config{Addr: ":0", DataDir: t.TempDir(), LogLevel: "error", LogFormat: "text", ShutdownTimeout: 1, Modules: mods}
	require.NoError(t, fx.ValidateApp(appOptions(cfg, authfx.Service, fx.Invoke(func(auth.Accounts) {}))))
	err = fx.ValidateApp(appOptions(cfg, authfx.Service, fx.Invoke(func(http.Handler) {})))
	require.Error(t, err, "no HTTP server in the user commands' graph")
}
