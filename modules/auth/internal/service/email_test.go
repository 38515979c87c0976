package service_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/mail/mailtest"
)

// emailsTo returns the outbox's emails to addr, newest first.
func (b *bundle) emailsTo(t *testing.T, addr string) []mail.Email {
	t.Helper()
	all, err := mail.List(context.Background(), b.pool, nil, nil, mail.MaxPage)
	require.NoError(t, err)
	var out []mail.Email
	for _, e := range all {
		if e.To == addr {
			out = append(out, e)
		}
	}
	return out
}

// token is the token of the one link in e, which must open path.
func token(t *testing.T, e mail.Email, path string) string {
	t.Helper()
	links := mailtest.Links(e.Body)
	require.Len(t, links, 1, e.Body)
	u, err := url.Parse(links[0])
	require.NoError(t, err)
	require.Equal(t, path, u.Path)
	return u.Query().Get("token")
}

func (b *bundle) user(t *testing.T, id auth.UserID) auth.User {
	t.Helper()
	u, err := b.svc.User(context.Background(), id)
	require.NoError(t, err)
	return u
}

func TestService_VerifyEmail(t *testing.T) {
	t.Parallel()

	t.Run("SignUpWritesTheLink", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, sess := b.signUp(ctx, t)
		require.False(t, u.EmailVerified)

		sent := b.emailsTo(t, u.Email)
		require.Len(t, sent, 1)
		require.Equal(t, "auth.verify_email", sent[0].Kind)
		require.Equal(t, mail.StatusStored, sent[0].Status)
		require.Contains(t, sent[0].Body, "Hello \u2068Ada Lovelace\u2069,")
		tok := token(t, sent[0], service.VerifyPath)

		before := b.changeCount(t, u.ID)
		got, err := b.svc.VerifyEmail(ctx, tok)
		require.NoError(t, err)
		require.True(t, got.EmailVerified)
		require.True(t, b.user(t, u.ID).EmailVerified)
		id, err := b.svc.Authenticate(ctx, sess.ID)
		require.NoError(t, err)
		require.True(t, id.User.EmailVerified, "every request knows it")
		require.Equal(t, before+1, b.changeCount(t, u.ID), "the users feed carries the change")

		_, err = b.svc.VerifyEmail(ctx, tok)
		require.ErrorIs(t, err, service.ErrBadLink, "single use")
	})

	t.Run("Expires", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, _ := b.signUp(ctx, t)
		tok := token(t, b.emailsTo(t, u.Email)[0], service.VerifyPath)
		b.clock.Add(service.VerifyLinkLife + time.Second)
		_, err := b.svc.VerifyEmail(ctx, tok)
		require.ErrorIs(t, err, service.ErrBadLink)
		require.False(t, b.user(t, u.ID).EmailVerified)
	})

	t.Run("UnknownOrMalformedToken", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		for _, tok := range []string{"", "nope", strings.Repeat("x", 10000)} {
			_, err := b.svc.VerifyEmail(ctx, tok)
			require.ErrorIs(t, err, service.ErrBadLink)
		}
	})

	t.Run("ResendVoidsEarlierLinksAndIsLimited", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, &service.Opts{Limits: &service.Limits{Window: time.Hour, ResendPerAccount: 2}})
		u, _ := b.signUp(ctx, t)
		first := token(t, b.emailsTo(t, u.Email)[0], service.VerifyPath)

		require.NoError(t, b.svc.ResendVerification(ctx, u.ID))
		sent := b.emailsTo(t, u.Email)
		require.Len(t, sent, 2)
		second := token(t, sent[0], service.VerifyPath)
		require.NotEqual(t, first, second)

		_, err := b.svc.VerifyEmail(ctx, first)
		require.ErrorIs(t, err, service.ErrBadLink, "a new link voids the old one")

		require.NoError(t, b.svc.ResendVerification(ctx, u.ID))
		err = b.svc.ResendVerification(ctx, u.ID)
		require.ErrorIs(t, err, service.ErrRateLimited)
		require.Len(t, b.emailsTo(t, u.Email), 3, "the refused resend wrote nothing")
	})

	t.Run("ResendWhenVerified", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, err := b.svc.CreateUser(ctx, auth.NewUser{Email: uniqueEmail(), Name: "Cmd User", Password: pw})
		require.NoError(t, err)
		require.True(t, u.EmailVerified, "a command's account is verified")
		require.Empty(t, b.emailsTo(t, u.Email), "and gets no email")
		require.ErrorIs(t, b.svc.ResendVerification(ctx, u.ID), service.ErrAlreadyVerified)
	})
}

// The emailed links are marked as their user's secret, so a shop that
// sends email never shows them to an admin on the Outbox page.
func TestService_EmailedLinksAreSecret(t *testing.T) {
	t.Parallel()
	ctx, b := setup(t, nil)
	u, _ := b.signUp(ctx, t)
	require.NoError(t, b.svc.RequestPasswordReset(ctx, u.Email, "192.0.2.1"))

	sending := mail.NewLocalBox(b.pool, config.Config{SMTPURL: "smtp://mail.example.com?from=shop@example.com"})
	all, err := sending.List(ctx, nil, mail.MaxPage)
	require.NoError(t, err)
	require.Len(t, all, 2)
	for _, e := range all {
		require.NotContains(t, e.Body, "token=", e.Kind)
		require.Contains(t, e.Body, "[link hidden: it is for the user alone]", e.Kind)
	}
}

func TestService_PasswordReset(t *testing.T) {
	t.Parallel()

	t.Run("ResetsOnceAndSignsOutOtherSessions", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, sess := b.signUp(ctx, t)
		_, other, err := b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: pw})
		require.NoError(t, err)

		require.NoError(t, b.svc.RequestPasswordReset(ctx, " "+strings.ToUpper(u.Email)+" ", "192.0.2.1"))
		sent := b.emailsTo(t, u.Email)
		require.Equal(t, "auth.password_reset", sent[0].Kind)
		tok := token(t, sent[0], service.ResetPath)

		_, err = b.svc.ResetPassword(ctx, service.ResetPasswordInput{Token: tok, New: "short"})
		require.ErrorIs(t, err, service.ErrInvalid)
		require.Contains(t, fieldsOf(t, err), "password", "the sign-up rules apply")

		const newPW = "a brand new passphrase"
		renewed, err := b.svc.ResetPassword(ctx, service.ResetPasswordInput{Token: tok, New: newPW, Keep: sess.ID})
		require.NoError(t, err, "a refused password left the link unspent")

		for _, c := range []string{other.ID, sess.ID} {
			_, err = b.svc.Authenticate(ctx, c)
			require.ErrorIs(t, err, auth.ErrUnauthenticated, "other sessions end, and the resetting browser's old id")
		}
		_, err = b.svc.Authenticate(ctx, renewed.ID)
		require.NoError(t, err, "the resetting browser stays signed in, under a new id")
		_, _, err = b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: pw})
		require.ErrorIs(t, err, service.ErrBadCredentials)
		_, _, err = b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: newPW})
		require.NoError(t, err)
		require.True(t, b.user(t, u.ID).EmailVerified, "the link proved the address")

		_, err = b.svc.ResetPassword(ctx, service.ResetPasswordInput{Token: tok, New: "yet another passphrase"})
		require.ErrorIs(t, err, service.ErrBadLink, "single use")
	})

	t.Run("Expires", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, _ := b.signUp(ctx, t)
		require.NoError(t, b.svc.RequestPasswordReset(ctx, u.Email, "192.0.2.1"))
		tok := token(t, b.emailsTo(t, u.Email)[0], service.ResetPath)
		b.clock.Add(service.ResetLinkLife + time.Second)
		_, err := b.svc.ResetPassword(ctx, service.ResetPasswordInput{Token: tok, New: "a brand new passphrase"})
		require.ErrorIs(t, err, service.ErrBadLink)
	})

	t.Run("SameAnswerForUnknownAddresses", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, _ := b.signUp(ctx, t)
		disabled, _ := b.signUp(ctx, t)
		_, err := b.svc.Disable(ctx, b.admin(ctx, t), disabled.ID, "spam")
		require.NoError(t, err)

		require.NoError(t, b.svc.RequestPasswordReset(ctx, "nobody@example.com", "192.0.2.1"))
		require.NoError(t, b.svc.RequestPasswordReset(ctx, disabled.Email, "192.0.2.1"))
		require.NoError(t, b.svc.RequestPasswordReset(ctx, u.Email, "192.0.2.1"))
		require.Empty(t, b.emailsTo(t, "nobody@example.com"))
		require.Len(t, b.emailsTo(t, disabled.Email), 1, "only its sign-up link: a disabled account gets no reset link")
		require.Len(t, b.emailsTo(t, u.Email), 2)

		err = b.svc.RequestPasswordReset(ctx, "not an email", "192.0.2.1")
		require.Contains(t, fieldsOf(t, err), "email")
	})

	t.Run("Limited", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, &service.Opts{Limits: &service.Limits{Window: time.Hour, ResetPerAddress: 3, ResetPerAccount: 2}})
		u, _ := b.signUp(ctx, t)
		require.NoError(t, b.svc.RequestPasswordReset(ctx, u.Email, "192.0.2.1"))
		require.NoError(t, b.svc.RequestPasswordReset(ctx, u.Email, "192.0.2.2"))
		require.ErrorIs(t, b.svc.RequestPasswordReset(ctx, u.Email, "192.0.2.3"), service.ErrRateLimited, "per email, from any address")
		require.NoError(t, b.svc.RequestPasswordReset(ctx, "a@example.com", "192.0.2.9"))
		require.NoError(t, b.svc.RequestPasswordReset(ctx, "b@example.com", "192.0.2.9"))
		require.NoError(t, b.svc.RequestPasswordReset(ctx, "c@example.com", "192.0.2.9"))
		require.ErrorIs(t, b.svc.RequestPasswordReset(ctx, "d@example.com", "192.0.2.9"), service.ErrRateLimited, "per address, whatever the email")
	})
}
