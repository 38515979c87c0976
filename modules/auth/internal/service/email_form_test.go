package service_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/mail"
)

// Two spellings of one mailbox: its Unicode forms (a keyboard may send ë as
// e and a combining diaeresis) and its domain as U-label or A-label (what
// browsers send from type=email fields).
const (
	zoeNFC = "Zoë.Seller+books@Example.ORG"
	annaU  = "anna@bücher.example"
	annaA  = "anna@xn--bcher-kva.example"
)

var zoeNFD = norm.NFD.String(zoeNFC)

// TestService_OneAccountPerMailbox: however an address is spelled, it has
// one account, which signs in, and gets reset links, in any spelling.
func TestService_OneAccountPerMailbox(t *testing.T) {
	t.Parallel()
	require.NotEqual(t, zoeNFC, zoeNFD)

	for _, tc := range []struct{ name, first, second string }{
		{"NFCThenNFD", zoeNFC, zoeNFD},
		{"NFDThenNFC", zoeNFD, zoeNFC},
		{"ULabelThenALabel", annaU, annaA},
		{"ALabelThenULabel", annaA, annaU},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, b := setup(t, nil)
			u, _, err := b.svc.SignUp(ctx, service.SignUpInput{Email: tc.first, Name: "Zoë", Password: pw})
			require.NoError(t, err)

			_, _, err = b.svc.SignUp(ctx, service.SignUpInput{Email: tc.second, Name: "Zoë again", Password: pw})
			require.Contains(t, fieldsOf(t, err), "email", "the address is taken")
			_, err = b.svc.CreateUser(ctx, auth.NewUser{Email: tc.second, Name: "Zoë again", Password: pw})
			require.Contains(t, fieldsOf(t, err), "email", "the command line's too")

			for _, email := range []string{tc.first, tc.second} {
				got, _, err := b.svc.SignIn(ctx, service.SignInInput{Email: email, Password: pw})
				require.NoError(t, err, email)
				require.Equal(t, u.ID, got.ID)
			}

			admin := b.admin(ctx, t)
			found, _, err := b.svc.ListUsers(ctx, admin, tc.second, 1, 10)
			require.NoError(t, err)
			require.Equal(t, []auth.UserID{u.ID}, ids(found), "an admin finds it in either spelling")
		})
	}

	t.Run("ForgotPasswordMailsTheOneAccount", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		_, _, err := b.svc.SignUp(ctx, service.SignUpInput{Email: annaU, Name: "Anna", Password: pw})
		require.NoError(t, err)
		// Old code made a second account here; it must not matter.
		_, _, _ = b.svc.SignUp(ctx, service.SignUpInput{Email: annaA, Name: "Anna", Password: pw})

		for _, email := range []string{annaA, annaU} {
			require.NoError(t, b.svc.RequestPasswordReset(ctx, email, "192.0.2.1"))
		}
		all, err := mail.List(ctx, b.pool, nil, nil, mail.MaxPage)
		require.NoError(t, err)
		var to []string
		for _, e := range all {
			if e.Kind == "auth.password_reset" {
				to = append(to, e.To)
			}
		}
		require.Equal(t, []string{annaA, annaA}, to, "both requests reach the one account, at its deliverable address")
		var accounts int
		require.NoError(t, b.pool.QueryRow(ctx, "SELECT count(*) FROM auth.users").Scan(&accounts))
		require.Equal(t, 1, accounts)
	})

	t.Run("StoredInOneForm", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, _, err := b.svc.SignUp(ctx, service.SignUpInput{Email: " " + norm.NFD.String("Zoë@Bücher.Example") + " ", Name: "Zoë", Password: pw})
		require.NoError(t, err)
		require.Equal(t, "Zoë@xn--bcher-kva.example", u.Email, "NFC, the domain an A-label; the local part keeps its case")
	})

	t.Run("DomainIDNARefuses", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		_, _, err := b.svc.SignUp(ctx, service.SignUpInput{Email: "anna@bücher_.example", Name: "Anna", Password: pw})
		require.Contains(t, fieldsOf(t, err), "email")
	})
}

// TestService_NormalizeStoredEmails: an account stored, before addresses
// had one form, with a Unicode domain (which the migration cannot
// punycode) is converted at start, and then signs in in either spelling
// and cannot sign up again.
func TestService_NormalizeStoredEmails(t *testing.T) {
	t.Parallel()

	insert := func(ctx context.Context, t *testing.T, b *bundle, email string) auth.UserID {
		t.Helper()
		u, err := b.svc.CreateUser(ctx, auth.NewUser{Email: "placeholder@example.com", Name: "Anna", Password: pw})
		require.NoError(t, err)
		_, err = b.pool.Exec(ctx, "UPDATE auth.users SET email = $1 WHERE id = $2", email, int64(u.ID))
		require.NoError(t, err)
		return u.ID
	}

	t.Run("Converts", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		id := insert(ctx, t, b, "Anna@Bücher.example")
		_, err := b.pool.Exec(ctx, "INSERT INTO auth.email_tokens (token_hash, user_id, purpose, email, created_at, expires_at) VALUES ('x', $1, 'verify', $2, now(), now() + interval '1 day')",
			int64(id), "Anna@Bücher.example")
		require.NoError(t, err)
		changes := b.changeCount(t, id)

		left, err := b.svc.NormalizeStoredEmails(ctx)
		require.NoError(t, err)
		require.Empty(t, left)
		require.Equal(t, "Anna@xn--bcher-kva.example", b.user(t, id).Email)
		require.Equal(t, changes+1, b.changeCount(t, id), "the feed tells the modules that copy addresses")
		var tokenEmail string
		require.NoError(t, b.pool.QueryRow(ctx, "SELECT email FROM auth.email_tokens WHERE user_id = $1", int64(id)).Scan(&tokenEmail))
		require.Equal(t, "Anna@xn--bcher-kva.example", tokenEmail, "a pending link stays good")

		for _, email := range []string{annaU, annaA} {
			got, _, err := b.svc.SignIn(ctx, service.SignInInput{Email: email, Password: pw})
			require.NoError(t, err, email)
			require.Equal(t, id, got.ID)
			_, _, err = b.svc.SignUp(ctx, service.SignUpInput{Email: email, Name: "Anna", Password: pw})
			require.Contains(t, fieldsOf(t, err), "email", email)
		}

		left, err = b.svc.NormalizeStoredEmails(ctx)
		require.NoError(t, err)
		require.Empty(t, left)
		require.Equal(t, changes+1, b.changeCount(t, id), "a second start changes nothing")
	})

	t.Run("LeavesADuplicateToAnAdmin", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		kept, _, err := b.svc.SignUp(ctx, service.SignUpInput{Email: annaA, Name: "Anna", Password: pw})
		require.NoError(t, err)
		dup := insert(ctx, t, b, annaU)
		_, err = b.svc.CreateUser(ctx, auth.NewUser{Email: zoeNFC, Name: "Zoë", Password: pw})
		require.NoError(t, err)
		nfd := insert(ctx, t, b, zoeNFD)

		left, err := b.svc.NormalizeStoredEmails(ctx)
		require.NoError(t, err)
		require.Equal(t, []auth.UserID{dup, nfd}, ids(left), "named in the log at each start")
		require.Equal(t, annaU, b.user(t, dup).Email)
		require.Equal(t, zoeNFD, b.user(t, nfd).Email)
		got, _, err := b.svc.SignIn(ctx, service.SignInInput{Email: annaU, Password: pw})
		require.NoError(t, err)
		require.Equal(t, kept.ID, got.ID)
	})
}

// TestService_SearchUsersIgnoresAccents: an admin finds a user by name or
// address without typing its accents, its case, its apostrophe or its
// Unicode form.
func TestService_SearchUsersIgnoresAccents(t *testing.T) {
	t.Parallel()
	ctx, b := setup(t, nil)
	admin := b.admin(ctx, t)
	zoe, err := b.svc.CreateUser(ctx, auth.NewUser{Email: "zoë@example.org", Name: "Zoë Łódź-O’Brien", Password: pw})
	require.NoError(t, err)
	_, err = b.svc.CreateUser(ctx, auth.NewUser{Email: "other@example.org", Name: "Someone Else", Password: pw})
	require.NoError(t, err)

	for _, q := range []string{"zoe", "ZOË", "lodz", "ŁÓDŹ", "o'brien", "O’Brien", "zoe@example", norm.NFD.String("Zoë Łódź"), "zoe lodz"} {
		found, _, err := b.svc.ListUsers(ctx, admin, q, 1, 10)
		require.NoError(t, err)
		require.Equal(t, []auth.UserID{zoe.ID}, ids(found), q)
	}
}

func ids(users []auth.User) []auth.UserID {
	out := make([]auth.UserID, 0, len(users))
	for _, u := range users {
		out = append(out, u.ID)
	}
	return out
}
