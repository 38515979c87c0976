package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

func TestAPI_EmailChange(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, nil)
	b := srv.Client()
	srv.CreateUser(t, &authtest.UserOpts{Email: "old@example.com", Password: pw})
	srv.CreateUser(t, &authtest.UserOpts{Email: "taken@example.com", Password: pw})
	token := signIn(t, b, "old@example.com", pw)
	other := signIn(t, srv.Client(), "old@example.com", pw)

	resp := b.JSON(t, http.MethodGet, "/api/v1/me/email", "", webtest.Bearer(token)...)
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	require.JSONEq(t, `{"email":"old@example.com","pending":null}`, resp.Body)

	for body, fields := range map[string][]string{
		`{"email":"new@example.com","password":"wrong password"}`: {"password"},
		`{"email":"OLD@example.com","password":"` + pw + `"}`:     {"email"},
		`{"email":"nope","password":""}`:                          {"email", "password"},
		`{"email":"taken@example.com","password":"` + pw + `"}`:   {"email"},
	} {
		resp = b.JSON(t, http.MethodPost, "/api/v1/me/email", body, webtest.Bearer(token)...)
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, body)
		require.ElementsMatch(t, fields, keys(decodeErr(t, resp.Body).Error.Fields), body)
	}
	resp = b.JSON(t, http.MethodPost, "/api/v1/me/email", `{"email":"new@example.com","password":"`+pw+`","name":"x"}`, webtest.Bearer(token)...)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, resp.Body)

	resp = b.JSON(t, http.MethodPost, "/api/v1/me/email", `{"email":" new@example.com","password":"`+pw+`"}`, webtest.Bearer(token)...)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, resp.Body)
	require.Contains(t, resp.Body, `"email":"old@example.com","pending":{"email":"new@example.com","expires_at":`)
	resp = b.JSON(t, http.MethodGet, "/api/v1/me", "", webtest.Bearer(token)...)
	require.Contains(t, resp.Body, `"email":"old@example.com"`, "nothing changes before the link is opened")

	resp = b.JSON(t, http.MethodDelete, "/api/v1/me/email", "", webtest.Bearer(token)...)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, resp.Body)
	resp = b.JSON(t, http.MethodGet, "/api/v1/me/email", "", webtest.Bearer(token)...)
	require.JSONEq(t, `{"email":"old@example.com","pending":null}`, resp.Body)
	cancelled := tokenTo(t, srv, "new@example.com")
	resp = b.JSON(t, http.MethodPost, "/api/v1/auth/email-change/confirm", fmt.Sprintf(`{"token":%q}`, cancelled))
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, resp.Body)
	require.Equal(t, "auth.link_invalid", decodeErr(t, resp.Body).Error.Code)

	resp = b.JSON(t, http.MethodPost, "/api/v1/me/email", `{"email":"new@example.com","password":"`+pw+`"}`, webtest.Bearer(token)...)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, resp.Body)
	resp = b.JSON(t, http.MethodPost, "/api/v1/auth/email-change/confirm", fmt.Sprintf(`{"token":%q}`, tokenTo(t, srv, "new@example.com")), webtest.Bearer(token)...)
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	require.Contains(t, resp.Body, `"email":"new@example.com"`)
	require.Contains(t, resp.Body, `"email_verified":true`)
	resp = b.JSON(t, http.MethodGet, "/api/v1/me", "", webtest.Bearer(other)...)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the other token ends")
	resp = b.JSON(t, http.MethodGet, "/api/v1/me", "", webtest.Bearer(token)...)
	require.Equal(t, http.StatusOK, resp.StatusCode, "the one that confirmed stays")
	signIn(t, srv.Client(), "new@example.com", pw)
}

func TestAPI_EmailChangeTakenMeanwhile(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, nil)
	b := srv.Client()
	srv.CreateUser(t, &authtest.UserOpts{Email: "slow@example.com", Password: pw})
	token := signIn(t, b, "slow@example.com", pw)
	resp := b.JSON(t, http.MethodPost, "/api/v1/me/email", `{"email":"wanted@example.com","password":"`+pw+`"}`, webtest.Bearer(token)...)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, resp.Body)
	link := tokenTo(t, srv, "wanted@example.com")
	srv.CreateUser(t, &authtest.UserOpts{Email: "wanted@example.com", Password: pw})

	resp = b.JSON(t, http.MethodPost, "/api/v1/auth/email-change/confirm", fmt.Sprintf(`{"token":%q}`, link))
	require.Equal(t, http.StatusConflict, resp.StatusCode, resp.Body)
	require.Equal(t, "auth.email_taken", decodeErr(t, resp.Body).Error.Code)
}
