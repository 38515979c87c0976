package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"golang.org/x/sys/unix"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authfx"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/proctest"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

// runBinary runs the real command to its end.
func runBinary(t *testing.T, env []string, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(proctest.Binary(t), args...)
	// The password comes only from what the test passes.
	cmd.Env = append(without(os.Environ(), passwordEnv), append([]string{"BOOKSTORE_LOG_LEVEL=error", "BOOKSTORE_DATA_DIR=" + proctest.ReachableDir(t)}, env...)...)
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

// echoing reports whether the terminal behind a pseudo-terminal's master
// shows what is typed.
func echoing(t *testing.T, ptm *os.File) bool {
	t.Helper()
	st, err := unix.IoctlGetTermios(int(ptm.Fd()), unix.TCGETS)
	require.NoError(t, err)
	return st.Lflag&unix.ECHO != 0
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

// execSQL runs a statement on the shop's database, as the admin pages
// would change it.
func execSQL(t *testing.T, dbURL, sql string, args ...any) {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dbURL)
	require.NoError(t, err)
	defer pool.Close()
	_, err = pool.Exec(context.Background(), sql, args...)
	require.NoError(t, err)
}

type activityRow struct {
	ActorID                  *int64
	ActorName, Action, Label string
}

// activityRows are the auth module's activity log, oldest first.
func activityRows(t *testing.T, dbURL string) []activityRow {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dbURL)
	require.NoError(t, err)
	defer pool.Close()
	rows, err := pool.Query(context.Background(), "SELECT actor_id, actor_name, action, subject_label FROM auth.admin_actions ORDER BY id")
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[activityRow])
	require.NoError(t, err)
	return out
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
		require.Equal(t, []activityRow{{nil, "command line (bookstore user)", "user.promote", "root@example.com"}}, activityRows(t, dbURL),
			"Admin → Activity says who made the admin")
	})

	t.Run("MemberFromEnv", func(t *testing.T) {
		out, errOut, code := runBinary(t, append(env, "BOOKSTORE_USER_PASSWORD=member password"), "", "user", "create", "--email", "member@example.com", "--name", "Member")
		require.Zero(t, code, errOut)
		require.Contains(t, out, "created member user")
		u, ok := userByEmail(t, dbURL, "member@example.com")
		require.True(t, ok)
		require.Equal(t, "member", u.Role)
		require.Len(t, activityRows(t, dbURL), 1, "a member is no admin action")
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

	t.Run("TypedTwiceOnATerminal", func(t *testing.T) {
		create := func(email, first, second string) (string, int) {
			t.Helper()
			ptm, tty, err := pty.Open()
			require.NoError(t, err)
			defer ptm.Close()
			cmd := exec.Command(proctest.Binary(t), "user", "create", "--email", email, "--name", "Typist")
			cmd.Env = append(without(os.Environ(), passwordEnv), "BOOKSTORE_LOG_LEVEL=error", "BOOKSTORE_DATA_DIR="+proctest.ReachableDir(t), "DATABASE_URL="+dbURL)
			errOut := &webtest.Buffer{}
			cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, io.Discard, errOut
			require.NoError(t, cmd.Start())
			require.NoError(t, tty.Close())
			// What the terminal shows back, drained so it never blocks.
			echo := make(chan string)
			go func() {
				b, _ := io.ReadAll(ptm)
				echo <- string(b)
			}()
			// Type each line once the prompt is out and the terminal no
			// longer echoes, as a person would.
			for _, line := range []struct{ prompt, text string }{{"Password: ", first}, {"Again, to confirm: ", second}} {
				deadline := time.Now().Add(30 * time.Second)
				for !strings.Contains(errOut.String(), line.prompt) || echoing(t, ptm) {
					require.True(t, time.Now().Before(deadline), "no prompt %q: %s", line.prompt, errOut.String())
					<-time.After(10 * time.Millisecond)
				}
				_, err = io.WriteString(ptm, line.text+"\n")
				require.NoError(t, err)
			}
			code := 0
			var exit *exec.ExitError
			if err := cmd.Wait(); errors.As(err, &exit) {
				code = exit.ExitCode()
			} else {
				require.NoError(t, err)
			}
			ptm.Close()
			require.NotContains(t, <-echo+errOut.String(), first, "the password is not shown")
			return errOut.String(), code
		}
		errOut, code := create("typed@example.com", "typed secret 1", "typed secret 1")
		require.Zero(t, code, errOut)
		_, ok := userByEmail(t, dbURL, "typed@example.com")
		require.True(t, ok)

		errOut, code = create("typo@example.com", "typed secret 1", "typed secret 2")
		require.NotZero(t, code)
		require.Contains(t, errOut, "the two passwords differ")
		_, ok = userByEmail(t, dbURL, "typo@example.com")
		require.False(t, ok)
	})

	t.Run("Promote", func(t *testing.T) {
		_, errOut, code := runBinary(t, append(env, "BOOKSTORE_USER_PASSWORD=promote password"), "", "user", "create", "--email", "later@example.com", "--name", "Later")
		require.Zero(t, code, errOut)
		out, errOut, code := runBinary(t, env, "", "user", "promote", "LATER@example.com")
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

	t.Run("Demote", func(t *testing.T) {
		_, errOut, code := runBinary(t, append(env, "BOOKSTORE_USER_PASSWORD=demote password"), "", "user", "create", "--admin", "--email", "former@example.com", "--name", "Former")
		require.Zero(t, code, errOut)
		out, errOut, code := runBinary(t, env, "", "user", "demote", "FORMER@example.com")
		require.Zero(t, code, errOut)
		require.Regexp(t, `^user \d+ <former@example.com> is a member\n$`, out)
		u, _ := userByEmail(t, dbURL, "former@example.com")
		require.Equal(t, "member", u.Role)

		_, errOut, code = runBinary(t, env, "", "user", "demote", "former@example.com")
		require.Zero(t, code, "idempotent: "+errOut)
		_, errOut, code = runBinary(t, env, "", "user", "demote", "ghost@example.com")
		require.NotZero(t, code)
		require.Contains(t, errOut, `no account has the email "ghost@example.com"`)
	})

	// An address is printed as it was typed, not in the A-label form it
	// is stored in (xn--…).
	t.Run("InternationalAddress", func(t *testing.T) {
		out, errOut, code := runBinary(t, append(env, "BOOKSTORE_USER_PASSWORD=intl password"), "", "user", "create", "--email", "müller@bücher.example", "--name", "Müller")
		require.Zero(t, code, errOut)
		require.Regexp(t, `^created member user \d+ <müller@bücher\.example>\n$`, out)
		_, ok := userByEmail(t, dbURL, "müller@xn--bcher-kva.example")
		require.True(t, ok, "stored as A-labels")
		out, errOut, code = runBinary(t, env, "", "user", "promote", "müller@bücher.example")
		require.Zero(t, code, errOut)
		require.Regexp(t, `^user \d+ <müller@bücher\.example> is an admin\n$`, out)
	})
}

// TestUserRoles_KeepTheRules: promote and demote refuse what the admin
// pages refuse, and the shop keeps an active admin.
func TestUserRoles_KeepTheRules(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewURL(t)
	env := []string{"DATABASE_URL=" + dbURL, "BOOKSTORE_USER_PASSWORD=a long password"}
	for _, args := range [][]string{
		{"--admin", "--email", "only@example.com", "--name", "Only"},
		{"--admin", "--email", "away@example.com", "--name", "Away"},
		{"--email", "off@example.com", "--name", "Off"},
	} {
		_, errOut, code := runBinary(t, env, "", append([]string{"user", "create"}, args...)...)
		require.Zero(t, code, errOut)
	}
	execSQL(t, dbURL, "UPDATE auth.users SET disabled_at = now(), disabled_reason = 'away' WHERE email IN ('away@example.com', 'off@example.com')")
	logged := len(activityRows(t, dbURL))

	for _, c := range []struct {
		name, email, role, msg string
		args                   []string
	}{
		{"PromoteDisabled", "off@example.com", "member", "bookstore: off@example.com is disabled; enable the account before making it an admin\n", []string{"promote", "OFF@example.com"}},
		// The other admin is disabled, so cannot administer either.
		{"DemoteLastActiveAdmin", "only@example.com", "admin", "bookstore: only@example.com is the shop's last active admin; make another account an admin first\n", []string{"demote", "only@example.com"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := runBinary(t, env, "", append([]string{"user"}, c.args...)...)
			require.NotZero(t, code)
			require.Empty(t, out)
			require.Equal(t, c.msg, errOut)
			u, _ := userByEmail(t, dbURL, c.email)
			require.Equal(t, c.role, u.Role, "nothing changed")
			require.Len(t, activityRows(t, dbURL), logged, "nothing recorded")
		})
	}

	// Enabled (as an admin's page does), away keeps the shop: only may go.
	execSQL(t, dbURL, "UPDATE auth.users SET disabled_at = NULL, disabled_reason = '' WHERE email = 'away@example.com'")
	out, errOut, code := runBinary(t, env, "", "user", "demote", "only@example.com")
	require.Zero(t, code, errOut)
	require.Contains(t, out, "<only@example.com> is a member")
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

// TestUserCommand_SplitShop: with --split, the accounts are the auth
// database's of a split shop's private cluster, which the monolith's
// database (where the command acts without it) is not.
func TestUserCommand_SplitShop(t *testing.T) {
	t.Parallel()
	env := []string{"DATABASE_URL=", "BOOKSTORE_DATA_DIR=" + proctest.ReachableDir(t)}
	_, errOut, code := runBinary(t, env, "first admin secret\n", "user", "create", "--split", "--email", "root@example.com", "--name", "Root")
	require.Zero(t, code, errOut)
	_, errOut, code = runBinary(t, env, "", "user", "promote", "root@example.com")
	require.NotZero(t, code)
	require.Contains(t, errOut, `no account has the email "root@example.com"`, "not in the monolith's database")
	out, errOut, code := runBinary(t, env, "", "user", "promote", "--split", "root@example.com")
	require.Zero(t, code, errOut)
	require.Contains(t, out, "<root@example.com> is an admin")
	_, errOut, code = runBinary(t, env, "", "user", "demote", "--split", "root@example.com")
	require.NotZero(t, code)
	require.Contains(t, errOut, "root@example.com is the shop's last active admin", "the same rules")
}
