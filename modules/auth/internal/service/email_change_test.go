package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/mail"
)

// askChange asks for a change of id's address to a new one, and returns
// it with the token of the link it was sent.
func (b *bundle) askChange(ctx context.Context, t *testing.T, id auth.UserID) (addr, tok string) {
	t.Helper()
	addr = uniqueEmail()
	_, err := b.svc.RequestEmailChange(ctx, id, service.ChangeEmailInput{Email: addr, Password: pw})
	require.NoError(t, err)
	return addr, token(t, b.emailsTo(t, addr)[0], service.ChangePath)
}

func (b *bundle) requireNoPendingChange(t *testing.T, id auth.UserID) {
	t.Helper()
	_, ok, err := b.svc.PendingEmailChange(context.Background(), id)
	require.NoError(t, err)
	require.False(t, ok, "no change is pending")
}

func TestService_EmailChange(t *testing.T) {
	t.Parallel()

	t.Run("ChangesOnlyWhenTheLinkIsOpened", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, keep := b.signUp(ctx, t)
		_, other, err := b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: pw})
		require.NoError(t, err)
		newAddr := uniqueEmail()

		got, err := b.svc.RequestEmailChange(ctx, u.ID, service.ChangeEmailInput{Email: newAddr, Password: pw})
		require.NoError(t, err)
		require.Equal(t, newAddr, got.Email)
		require.Equal(t, u.Email, b.user(t, u.ID).Email, "nothing changes before the link is opened")
		pending, ok, err := b.svc.PendingEmailChange(ctx, u.ID)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, newAddr, pending.Email)

		sent := b.emailsTo(t, newAddr)
		require.Len(t, sent, 1)
		require.Equal(t, "auth.email_change", sent[0].Kind)
		tok := token(t, sent[0], service.ChangePath)
		notice := b.emailsTo(t, u.Email)[0]
		require.Equal(t, "auth.email_change_requested", notice.Kind)
		require.Contains(t, notice.Body, newAddr)
		require.Contains(t, notice.Body, "cancel the change")
		require.NotContains(t, notice.Body, "token=", "the old address gets no link that changes anything")

		before := b.changeCount(t, u.ID)
		changed, renewed, err := b.svc.ConfirmEmailChange(ctx, service.ConfirmEmailChangeInput{Token: tok, Keep: keep.ID})
		require.NoError(t, err)
		require.Equal(t, newAddr, changed.Email)
		require.True(t, changed.EmailVerified)
		require.Equal(t, newAddr, b.user(t, u.ID).Email)
		require.Equal(t, before+1, b.changeCount(t, u.ID), "the users feed carries the change")
		b.requireNoPendingChange(t, u.ID)

		_, err = b.svc.Authenticate(ctx, keep.ID)
		require.ErrorIs(t, err, auth.ErrUnauthenticated, "the session that opened the link gets a new id, as at a change of password")
		_, err = b.svc.Authenticate(ctx, renewed.ID)
		require.NoError(t, err, "and stays signed in under it")
		_, err = b.svc.Authenticate(ctx, other.ID)
		require.ErrorIs(t, err, auth.ErrUnauthenticated, "the others end, as after a change of password")
		require.Equal(t, "auth.email_changed", b.emailsTo(t, newAddr)[0].Kind)
		require.Equal(t, "auth.email_changed", b.emailsTo(t, u.Email)[0].Kind)
		_, _, err = b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: pw})
		require.ErrorIs(t, err, service.ErrBadCredentials)
		_, _, err = b.svc.SignIn(ctx, service.SignInInput{Email: newAddr, Password: pw})
		require.NoError(t, err)

		_, _, err = b.svc.ConfirmEmailChange(ctx, service.ConfirmEmailChangeInput{Token: tok})
		require.ErrorIs(t, err, service.ErrBadLink, "single use")
	})

	t.Run("TheLinkIsSecret", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, _ := b.signUp(ctx, t)
		newAddr, _ := b.askChange(ctx, t, u.ID)
		sending := mail.NewLocalBox(b.pool, config.Config{SMTPURL: "smtp://mail.example.com?from=shop@example.com"})
		all, err := sending.List(ctx, nil, mail.MaxPage)
		require.NoError(t, err)
		var kinds []string
		for _, e := range all {
			require.NotContains(t, e.Body, "token=", e.Kind)
			if e.To == newAddr {
				require.Contains(t, e.Body, "[link hidden: it is for the user alone]")
			}
			kinds = append(kinds, e.Kind)
		}
		require.ElementsMatch(t, []string{"auth.verify_email", "auth.email_change", "auth.email_change_requested"}, kinds)
	})

	t.Run("ReadsTheAddressAsSignUpDoes", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, _ := b.signUp(ctx, t)
		got, err := b.svc.RequestEmailChange(ctx, u.ID, service.ChangeEmailInput{Email: "  Anna@BÜCHER.example ", Password: pw})
		require.NoError(t, err)
		require.Equal(t, "Anna@xn--bcher-kva.example", got.Email)
		require.Len(t, b.emailsTo(t, "Anna@xn--bcher-kva.example"), 1)
	})

	t.Run("RefusesBadInput", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, _ := b.signUp(ctx, t)
		taken, _ := b.signUp(ctx, t)
		for name, c := range map[string]struct {
			in   service.ChangeEmailInput
			want map[string]string
		}{
			"WrongPassword": {service.ChangeEmailInput{Email: uniqueEmail(), Password: "wrong password"}, map[string]string{"password": "this is not your current password"}},
			"NoPassword":    {service.ChangeEmailInput{Email: uniqueEmail()}, map[string]string{"password": "enter your current password"}},
			"SameAddress":   {service.ChangeEmailInput{Email: " " + u.Email + " ", Password: pw}, map[string]string{"email": "this is already your address"}},
			"BadAddress":    {service.ChangeEmailInput{Email: "not an address", Password: "wrong password"}, map[string]string{"email": "enter an email address like name@example.com", "password": "this is not your current password"}},
			"Taken":         {service.ChangeEmailInput{Email: taken.Email, Password: pw}, map[string]string{"email": "another account uses this address"}},
		} {
			_, err := b.svc.RequestEmailChange(ctx, u.ID, c.in)
			require.Equal(t, c.want, fieldsOf(t, err), name)
		}
		require.Len(t, b.emailsTo(t, u.Email), 1, "only the sign-up's link: a refused change mails nobody")
		b.requireNoPendingChange(t, u.ID)
	})

	t.Run("AddressTakenBeforeTheLinkIsOpened", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, _ := b.signUp(ctx, t)
		newAddr, tok := b.askChange(ctx, t, u.ID)
		_, _, err := b.svc.SignUp(ctx, service.SignUpInput{Email: newAddr, Name: "Quick", Password: pw})
		require.NoError(t, err)

		_, _, err = b.svc.ConfirmEmailChange(ctx, service.ConfirmEmailChangeInput{Token: tok})
		require.ErrorIs(t, err, service.ErrEmailTaken, "the unique index decides, and says so clearly")
		require.Contains(t, err.Error(), "your address stays "+u.Email)
		require.Equal(t, u.Email, b.user(t, u.ID).Email)
		require.Empty(t, b.activity(ctx, t), "no change, so none in the activity log")
		b.requireNoPendingChange(t, u.ID)
		_, _, err = b.svc.ConfirmEmailChange(ctx, service.ConfirmEmailChangeInput{Token: tok})
		require.ErrorIs(t, err, service.ErrBadLink, "the link is spent")
	})

	t.Run("TwoAccountsConfirmOneAddressAtOnce", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		newAddr := uniqueEmail()
		var tokens []string
		for range 2 {
			u, _ := b.signUp(ctx, t)
			_, err := b.svc.RequestEmailChange(ctx, u.ID, service.ChangeEmailInput{Email: newAddr, Password: pw})
			require.NoError(t, err)
			tokens = append(tokens, token(t, b.emailsTo(t, newAddr)[0], service.ChangePath))
		}
		errs := make(chan error, len(tokens))
		for _, tok := range tokens {
			go func() {
				_, _, err := b.svc.ConfirmEmailChange(ctx, service.ConfirmEmailChangeInput{Token: tok})
				errs <- err
			}()
		}
		var won, taken int
		for range tokens {
			switch err := <-errs; {
			case err == nil:
				won++
			case errors.Is(err, service.ErrEmailTaken):
				taken++
			default:
				t.Fatalf("confirm: %v", err)
			}
		}
		require.Equal(t, [2]int{1, 1}, [2]int{won, taken}, "the unique index lets one through")
	})

	t.Run("LinkExpiresAndOnlyTheNewestWorks", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, _ := b.signUp(ctx, t)
		first, second := uniqueEmail(), uniqueEmail()
		for _, a := range []string{first, second} {
			_, err := b.svc.RequestEmailChange(ctx, u.ID, service.ChangeEmailInput{Email: a, Password: pw})
			require.NoError(t, err)
		}
		_, _, err := b.svc.ConfirmEmailChange(ctx, service.ConfirmEmailChangeInput{Token: token(t, b.emailsTo(t, first)[0], service.ChangePath)})
		require.ErrorIs(t, err, service.ErrBadLink, "a new request voids the earlier link")
		pending, _, err := b.svc.PendingEmailChange(ctx, u.ID)
		require.NoError(t, err)
		require.Equal(t, second, pending.Email)

		b.clock.Add(service.ChangeLinkLife + time.Second)
		_, _, err = b.svc.ConfirmEmailChange(ctx, service.ConfirmEmailChangeInput{Token: token(t, b.emailsTo(t, second)[0], service.ChangePath)})
		require.ErrorIs(t, err, service.ErrBadLink)
		require.Equal(t, u.Email, b.user(t, u.ID).Email)
		b.requireNoPendingChange(t, u.ID)
	})

	t.Run("Cancel", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, _ := b.signUp(ctx, t)
		_, tok := b.askChange(ctx, t, u.ID)
		require.NoError(t, b.svc.CancelEmailChange(ctx, u.ID))
		b.requireNoPendingChange(t, u.ID)
		_, _, err := b.svc.ConfirmEmailChange(ctx, service.ConfirmEmailChangeInput{Token: tok})
		require.ErrorIs(t, err, service.ErrBadLink)
		require.Equal(t, u.Email, b.user(t, u.ID).Email)
		require.NoError(t, b.svc.CancelEmailChange(ctx, u.ID), "nothing pending changes nothing")
	})

	t.Run("LinksToTheOldAddressStopWorking", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, _ := b.signUp(ctx, t)
		require.NoError(t, b.svc.RequestPasswordReset(ctx, u.Email, "192.0.2.1"))
		reset := token(t, b.emailsTo(t, u.Email)[0], service.ResetPath)
		_, tok := b.askChange(ctx, t, u.ID)
		_, _, err := b.svc.ConfirmEmailChange(ctx, service.ConfirmEmailChangeInput{Token: tok})
		require.NoError(t, err)
		_, err = b.svc.ResetPassword(ctx, service.ResetPasswordInput{Token: reset, New: "a brand new secret"})
		require.ErrorIs(t, err, service.ErrBadLink)
	})

	t.Run("Limited", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, &service.Opts{Limits: &service.Limits{Window: time.Minute, PasswordChecksPerAccount: 100, EmailChangePerAccount: 1}})
		u, _ := b.signUp(ctx, t)
		_, err := b.svc.RequestEmailChange(ctx, u.ID, service.ChangeEmailInput{Email: "typo", Password: pw})
		require.ErrorIs(t, err, service.ErrInvalid, "a refused form mails nobody, so it does not count")
		_, err = b.svc.RequestEmailChange(ctx, u.ID, service.ChangeEmailInput{Email: uniqueEmail(), Password: pw})
		require.NoError(t, err)
		_, err = b.svc.RequestEmailChange(ctx, u.ID, service.ChangeEmailInput{Email: uniqueEmail(), Password: pw})
		require.ErrorIs(t, err, service.ErrRateLimited)
		b.clock.Add(time.Minute)
		_, err = b.svc.RequestEmailChange(ctx, u.ID, service.ChangeEmailInput{Email: uniqueEmail(), Password: pw})
		require.NoError(t, err)
	})
}
