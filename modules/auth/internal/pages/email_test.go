package pages_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/mail/mailtest"
)

// lastLink is the path and query of the link in the newest email to addr.
func lastLink(t *testing.T, srv *authtest.Server, addr string) string {
	t.Helper()
	links := mailtest.Links(lastMail(t, srv, addr))
	require.Len(t, links, 1)
	u, err := url.Parse(links[0])
	require.NoError(t, err)
	return u.RequestURI()
}

// lastMail is the body of the newest email to addr.
func lastMail(t *testing.T, srv *authtest.Server, addr string) string {
	t.Helper()
	all, err := mail.List(context.Background(), srv.Pool, nil, nil, mail.MaxPage)
	require.NoError(t, err)
	for _, e := range all {
		if e.To == addr {
			return e.Body
		}
	}
	t.Fatalf("no email to %s", addr)
	return ""
}

func TestVerifyEmailPages(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, nil)
	b := srv.Client()
	resp := b.Post(t, "/signup", url.Values{"email": {"vera@example.com"}, "name": {"Vera"}, "password": {pw}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)

	account := b.Get(t, "/account")
	require.Contains(t, account.Body, "Not confirmed")
	require.Contains(t, account.Body, `action="/account/verify/resend"`)

	first := lastLink(t, srv, "vera@example.com")
	resp = b.Post(t, "/account/verify/resend", url.Values{"csrf_token": {b.CSRFToken(t, "/account")}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	require.Contains(t, b.Get(t, "/account").Body, "We sent a new link to vera@example.com")
	link := lastLink(t, srv, "vera@example.com")
	require.NotEqual(t, first, link)

	// Opening the link only shows a button: a mail scanner's fetch spends
	// nothing.
	page := srv.Client().Get(t, link)
	require.Equal(t, http.StatusOK, page.StatusCode)
	require.Contains(t, page.Body, "Confirm my address")
	token, err := url.ParseQuery(link[len("/account/verify?"):])
	require.NoError(t, err)
	require.Contains(t, page.Body, `name="token" value="`+token.Get("token")+`"`)
	require.Equal(t, "no-store", page.Header.Get("Cache-Control"), "a page holding the link's token is never cached")

	other := srv.Client()
	resp = other.Post(t, "/account/verify", url.Values{"token": token["token"]})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	require.Contains(t, b.Get(t, "/account").Body, "Confirmed")

	resp = other.Post(t, "/account/verify", url.Values{"token": token["token"]})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, resp.Body, "this link has expired or has already been used")
}

func TestPasswordResetPages(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, nil)
	u := srv.CreateUser(t, &authtest.UserOpts{Email: "rosa@example.com"})
	signedIn := srv.Client()
	authtest.SignInForm(t, signedIn, u.Email, pw)

	b := srv.Client()
	require.Contains(t, b.Get(t, "/signin").Body, `href="/password/forgot"`)
	form := b.Get(t, "/password/forgot")
	require.Equal(t, http.StatusOK, form.StatusCode)
	require.Contains(t, form.Body, `<label for="f-email">`)

	// The same answer, known address or not.
	known := b.Post(t, "/password/forgot", url.Values{"email": {u.Email}})
	knownPage := b.Get(t, known.Header.Get("Location"))
	unknown := b.Post(t, "/password/forgot", url.Values{"email": {"nobody@example.com"}})
	unknownPage := b.Get(t, unknown.Header.Get("Location"))
	require.Equal(t, http.StatusSeeOther, known.StatusCode)
	require.Equal(t, known.StatusCode, unknown.StatusCode)
	require.Equal(t, known.Header.Get("Location"), unknown.Header.Get("Location"))
	require.Contains(t, knownPage.Body, "If an account uses that address, we have sent it a link")
	require.Contains(t, unknownPage.Body, "If an account uses that address, we have sent it a link")

	bad := b.Post(t, "/password/forgot", url.Values{"email": {"not-an-email"}})
	require.Equal(t, http.StatusUnprocessableEntity, bad.StatusCode)
	require.Contains(t, bad.Body, `value="not-an-email"`)

	link := lastLink(t, srv, u.Email)
	page := b.Get(t, link)
	require.Contains(t, page.Body, `<label for="f-password">`)
	q, err := url.ParseQuery(link[len("/password/reset?"):])
	require.NoError(t, err)

	require.Equal(t, "no-store", page.Header.Get("Cache-Control"), "a page holding the link's token is never cached")

	short := b.Post(t, "/password/reset", url.Values{"token": q["token"], "password": {"short"}})
	require.Equal(t, http.StatusUnprocessableEntity, short.StatusCode)
	require.Equal(t, "no-store", short.Header.Get("Cache-Control"), "the form sent back keeps the token")
	require.Contains(t, short.Body, "a password has 10 to 128 characters")
	require.Contains(t, short.Body, `name="token" value="`+q.Get("token")+`"`, "the form can be tried again")

	const newPW = "a brand new passphrase"
	done := b.Post(t, "/password/reset", url.Values{"token": q["token"], "password": {newPW}})
	require.Equal(t, http.StatusSeeOther, done.StatusCode, done.Body)
	require.Equal(t, "/signin", done.Header.Get("Location"))
	require.Contains(t, b.Get(t, "/signin").Body, "Your password is changed")

	require.Equal(t, http.StatusSeeOther, signedIn.Get(t, "/account").StatusCode, "the other session ended")
	authtest.SignInForm(t, srv.Client(), u.Email, newPW)

	again := b.Post(t, "/password/reset", url.Values{"token": q["token"], "password": {"yet another passphrase"}})
	require.Equal(t, http.StatusUnprocessableEntity, again.StatusCode)
	require.Contains(t, again.Body, "Ask for a new link")

	// A browser signed in as the user who resets stays signed in, under a
	// new session id.
	mine := srv.Client()
	authtest.SignInForm(t, mine, u.Email, newPW)
	old := mine.Cookie(auth.SessionCookie)
	require.Equal(t, http.StatusSeeOther, authtest.Submit(t, mine, "/password/forgot", url.Values{"email": {u.Email}}).StatusCode)
	link = lastLink(t, srv, u.Email)
	q, err = url.ParseQuery(link[len("/password/reset?"):])
	require.NoError(t, err)
	done = authtest.Submit(t, mine, "/password/reset", url.Values{"token": q["token"], "password": {"a third new passphrase"}})
	require.Equal(t, http.StatusSeeOther, done.StatusCode, done.Body)
	require.Equal(t, "/account", done.Header.Get("Location"))
	require.NotEqual(t, old, mine.Cookie(auth.SessionCookie))
	require.Equal(t, http.StatusOK, mine.Get(t, "/account").StatusCode)
	stolen := srv.Client().Get(t, "/account", "Cookie", auth.SessionCookie+"="+old)
	require.Equal(t, http.StatusSeeOther, stolen.StatusCode, "a copy of the old cookie is signed out")
}
