package pages_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
)

func TestEmailChangePages(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, nil)

	t.Run("RefusedFormKeepsTheAddress", func(t *testing.T) {
		t.Parallel()
		b := srv.Client()
		authtest.SignUpForm(t, b, "keeps@example.com", "Keeper", pw)
		authtest.SignUpForm(t, srv.Client(), "taken@example.com", "Taker", pw)
		for typed, want := range map[string][]string{
			"new@example.com":   {"this is not your current password"},
			"keeps@example.com": {"this is already your address"},
			"not an address":    {"enter an email address like name@example.com", "this is not your current password"},
			"taken@example.com": {"another account uses this address"},
		} {
			password := "wrong password"
			if typed == "keeps@example.com" || typed == "taken@example.com" {
				password = pw
			}
			resp := authtest.Submit(t, b, "/account/email", url.Values{"email": {typed}, "password": {password}})
			require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, typed)
			require.Contains(t, resp.Body, `value="`+typed+`"`, "the typed address comes back")
			require.NotContains(t, resp.Body, "wrong password")
			for _, msg := range want {
				require.Contains(t, resp.Body, msg)
			}
			require.Equal(t, len(want), strings.Count(resp.Body, `class="field-error"`), typed)
		}
		require.NotContains(t, b.Get(t, "/account").Body, "Cancel the change")
	})

	t.Run("ChangeThroughTheLink", func(t *testing.T) {
		t.Parallel()
		b := srv.Client()
		authtest.SignUpForm(t, b, "old@example.com", "Mover", pw)
		other := srv.Client()
		authtest.SignInForm(t, other, "old@example.com", pw)

		resp := authtest.Submit(t, b, "/account/email", url.Values{"email": {" new@example.com "}, "password": {pw}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
		page := b.Get(t, "/account").Body
		require.Contains(t, page, "We sent a link to new@example.com; your address stays old@example.com until you open it.")
		require.Contains(t, page, "You asked to change your address to <strong>new@example.com</strong>")
		require.Contains(t, page, `action="/account/email/cancel"`)
		require.Contains(t, lastMail(t, srv, "old@example.com"), "cancel the change")

		link := lastLink(t, srv, "new@example.com")
		require.True(t, strings.HasPrefix(link, "/account/email/confirm?token="), link)
		opened := srv.Client().Get(t, link)
		require.Equal(t, http.StatusOK, opened.StatusCode)
		require.Contains(t, opened.Body, "Confirm my new address")
		require.Equal(t, "no-store", opened.Header.Get("Cache-Control"))
		require.Contains(t, b.Get(t, "/account").Body, "old@example.com", "opening the page changes nothing")
		token, err := url.ParseQuery(link[len("/account/email/confirm?"):])
		require.NoError(t, err)

		resp = authtest.Submit(t, b, "/account/email/confirm", url.Values{"token": token["token"]})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
		require.Equal(t, "/account", resp.Header.Get("Location"))
		page = b.Get(t, "/account").Body
		require.Contains(t, page, "Your email address is now new@example.com, and your other devices are signed out.")
		require.NotContains(t, page, "Cancel the change")
		require.Equal(t, http.StatusSeeOther, other.Get(t, "/account").StatusCode, "the other session ends")
		require.Contains(t, lastMail(t, srv, "old@example.com"), "changed from old@example.com to new@example.com")
		authtest.SignInForm(t, srv.Client(), "new@example.com", pw)

		again := srv.Client().Post(t, "/account/email/confirm", url.Values{"token": token["token"]})
		require.Equal(t, http.StatusUnprocessableEntity, again.StatusCode)
		require.Contains(t, again.Body, "this link has expired or has already been used")
	})

	t.Run("TakenMeanwhileAndCancel", func(t *testing.T) {
		t.Parallel()
		b := srv.Client()
		authtest.SignUpForm(t, b, "slow@example.com", "Slow", pw)
		resp := authtest.Submit(t, b, "/account/email", url.Values{"email": {"wanted@example.com"}, "password": {pw}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
		link := lastLink(t, srv, "wanted@example.com")
		authtest.SignUpForm(t, srv.Client(), "wanted@example.com", "Quick", pw)

		token, err := url.ParseQuery(link[len("/account/email/confirm?"):])
		require.NoError(t, err)
		resp = srv.Client().Post(t, "/account/email/confirm", url.Values{"token": token["token"]})
		require.Equal(t, http.StatusConflict, resp.StatusCode)
		require.Contains(t, resp.Body, "another account now uses wanted@example.com, so your address stays slow@example.com")

		resp = authtest.Submit(t, b, "/account/email", url.Values{"email": {"later@example.com"}, "password": {pw}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
		resp = authtest.Submit(t, b, "/account/email/cancel", nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
		page := b.Get(t, "/account").Body
		require.Contains(t, page, "No change of address is pending; your address stays slow@example.com.")
		require.NotContains(t, page, "later@example.com")
	})
}
