package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/platform/mail/mailtest"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/proctest"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

// TestServe_OutboxHidesDeliveredLinks: the real binary, sending through an
// SMTP server, delivers a password-reset link to its user, and an admin's
// Outbox page never shows it, neither while the email waits nor once it is
// sent; the link the user got is the one that works.
func TestServe_OutboxHidesDeliveredLinks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	user := authtest.CreateUser(ctx, t, pool, nil)
	admin := authtest.CreateUser(ctx, t, pool, &authtest.UserOpts{Admin: true})
	smtp := mailtest.NewServer(t)
	p := proctest.Serve(t, []string{"DATABASE_URL=" + pool.Config().ConnString(), "BOOKSTORE_LOG_LEVEL=error",
		"BOOKSTORE_SMTP_URL=" + smtp.URL("shop@example.com")})

	visitor := (&webtest.Server{URL: p.URL()}).Client()
	res := visitor.Post(t, "/password/forgot", url.Values{"email": {user.Email}, "csrf_token": {visitor.CSRFToken(t, "/password/forgot")}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	token := mailtest.Token(t, smtp.WaitTo(t, user.Email, "Reset").Body)
	require.NotEmpty(t, token)

	adminPage := (&webtest.Server{URL: p.URL()}).Client()
	base, err := url.Parse(p.URL())
	require.NoError(t, err)
	adminPage.HTTP.Jar.SetCookies(base, []*http.Cookie{authtest.SignIn(ctx, t, pool, admin.Email, authtest.DefaultPassword).Cookie()})
	var outbox string
	require.Eventually(t, func() bool {
		res := adminPage.Get(t, "/admin/outbox")
		require.Equal(t, http.StatusOK, res.StatusCode)
		outbox = res.Body
		require.NotContains(t, outbox, token, "not even while the email waits")
		return strings.Contains(outbox, "[link hidden: it was sent to the user]")
	}, 10*time.Second, 20*time.Millisecond, "the reset email is never shown sent")
	require.Contains(t, outbox, "Reset your BookStore password")
	require.NotContains(t, outbox, "token=")

	res = visitor.Post(t, "/password/reset", url.Values{"token": {token}, "password": {"a new and long password"},
		"csrf_token": {visitor.CSRFToken(t, "/password/reset?token="+url.QueryEscape(token))}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, "the link the user got works: %s", res.Body)
}
