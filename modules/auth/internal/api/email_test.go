package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/mail/mailtest"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

// tokenTo is the token of the newest email to addr.
func tokenTo(t *testing.T, srv *authtest.Server, addr string) string {
	t.Helper()
	all, err := mail.List(context.Background(), srv.Pool, nil, nil, mail.MaxPage)
	require.NoError(t, err)
	for _, e := range all {
		if e.To == addr {
			return mailtest.Token(t, e.Body)
		}
	}
	t.Fatalf("no email to %s", addr)
	return ""
}

func TestAPI_EmailLinks(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, nil)
	b := srv.Client()
	resp := b.JSON(t, http.MethodPost, "/api/v1/auth/signup", `{"email":"links@example.com","name":"Links","password":"`+pw+`"}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode, resp.Body)
	token := signIn(t, b, "links@example.com", pw)

	resp = b.JSON(t, http.MethodPost, "/api/v1/me/verify-email/resend", "", webtest.Bearer(token)...)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, resp.Body)
	resp = b.JSON(t, http.MethodPost, "/api/v1/auth/verify-email", fmt.Sprintf(`{"token":%q}`, tokenTo(t, srv, "links@example.com")))
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	require.Contains(t, resp.Body, `"email_verified":true`)
	resp = b.JSON(t, http.MethodPost, "/api/v1/me/verify-email/resend", "", webtest.Bearer(token)...)
	require.Equal(t, http.StatusConflict, resp.StatusCode, resp.Body)

	for _, email := range []string{"links@example.com", "nobody@example.com"} {
		resp = b.JSON(t, http.MethodPost, "/api/v1/auth/password/forgot", fmt.Sprintf(`{"email":%q}`, email))
		require.Equal(t, http.StatusAccepted, resp.StatusCode, resp.Body)
		require.Empty(t, resp.Body, "the same answer for every address")
	}
	reset := tokenTo(t, srv, "links@example.com")
	resp = b.JSON(t, http.MethodPost, "/api/v1/auth/password/reset", fmt.Sprintf(`{"token":%q,"password":"short"}`, reset))
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, resp.Body)
	resp = b.JSON(t, http.MethodPost, "/api/v1/auth/password/reset", fmt.Sprintf(`{"token":%q,"password":"a brand new passphrase"}`, reset))
	require.Equal(t, http.StatusNoContent, resp.StatusCode, resp.Body)
	resp = b.JSON(t, http.MethodGet, "/api/v1/me", "", webtest.Bearer(token)...)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the reset ended the other token")
	signIn(t, b, "links@example.com", "a brand new passphrase")
	resp = b.JSON(t, http.MethodPost, "/api/v1/auth/password/reset", fmt.Sprintf(`{"token":%q,"password":"another new passphrase"}`, reset))
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "single use")
	require.Contains(t, resp.Body, "auth.link_invalid")
}
