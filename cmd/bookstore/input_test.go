package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/proctest"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

// TestServe_HostileInputIs422 sends the real binary every input the attack
// of issue #13 found answering 500 (a NUL byte or invalid UTF-8 reaching
// Postgres, an offset overflowing int32): each is refused with a 422 that
// names the field, by the one check at the edge (web.checkText,
// web.Window).
func TestServe_HostileInputIs422(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	dbURL := pool.Config().ConnString()
	buyer := authtest.CreateUser(ctx, t, pool, nil)
	admin := authtest.CreateUser(ctx, t, pool, &authtest.UserOpts{Admin: true})
	p := proctest.Serve(t, []string{"DATABASE_URL=" + dbURL, "BOOKSTORE_LOG_LEVEL=error"})
	// browser is a signed-in browser with its form token; bearer an API
	// client's header.
	browser := func(u *auth.User) (*webtest.Client, string) {
		c := (&webtest.Server{URL: p.URL()}).Client()
		page := "/signin"
		if u != nil {
			s := authtest.SignIn(ctx, t, pool, u.Email, authtest.DefaultPassword)
			base, err := url.Parse(p.URL())
			require.NoError(t, err)
			c.HTTP.Jar.SetCookies(base, []*http.Cookie{s.Cookie()})
			page = "/account"
		}
		return c, c.CSRFToken(t, page)
	}
	bearer := func(u auth.User) []string {
		return webtest.Bearer(authtest.SignIn(ctx, t, pool, u.Email, authtest.DefaultPassword).ID)
	}
	visitor, visitorCSRF := browser(nil)
	buyerPage, buyerCSRF := browser(&buyer)
	adminPage, adminCSRF := browser(&admin)
	api := (&webtest.Server{URL: p.URL()}).Client()
	form := func(csrf string, kv ...string) url.Values {
		v := url.Values{"csrf_token": {csrf}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}

	for name, send := range map[string]func() webtest.Response{
		"api signin NUL": func() webtest.Response {
			return api.JSON(t, http.MethodPost, "/api/v1/auth/signin", `{"email":"a\u0000@example.com","password":"x"}`)
		},
		"page signin NUL": func() webtest.Response {
			return visitor.Post(t, "/signin", form(visitorCSRF, "email", "a\x00@example.com", "password", "x"))
		},
		"page signin invalid UTF-8": func() webtest.Response {
			return visitor.Post(t, "/signin", form(visitorCSRF, "email", "a\xff@example.com", "password", "x"))
		},
		"page search NUL": func() webtest.Response { return visitor.Get(t, "/books?q=a%00b") },
		"api search NUL":  func() webtest.Response { return api.Get(t, "/api/v1/books?q=%00") },
		"Idempotency-Key": func() webtest.Response {
			return api.JSON(t, http.MethodPost, "/api/v1/orders", `{"lines":[]}`, append(bearer(buyer), "Idempotency-Key", "k\xff")...)
		},
		"checkout form key": func() webtest.Response {
			return buyerPage.Post(t, "/checkout", form(buyerCSRF, "idempotency_key", "\x00"))
		},
		"orders offset": func() webtest.Response { return api.Get(t, "/api/v1/orders?offset=2147483648", bearer(buyer)...) },
		"sales offset":  func() webtest.Response { return api.Get(t, "/api/v1/sales?offset=4294967295", bearer(buyer)...) },
		"notifications offset": func() webtest.Response {
			return api.Get(t, "/api/v1/notifications?offset=9223372036854775807", bearer(buyer)...)
		},
		"api admin users NUL": func() webtest.Response { return api.Get(t, "/api/v1/admin/users?q=%00", bearer(admin)...) },
		"page admin users overlong UTF-8": func() webtest.Response {
			return adminPage.Get(t, "/admin/users?q=%C0%AF")
		},
		"page hide reason NUL": func() webtest.Response {
			return adminPage.Post(t, "/admin/listings/1/hide", form(adminCSRF, "reason", "a\x00b"))
		},
	} {
		res := send()
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, "%s: %s", name, res.Body)
		require.True(t, strings.Contains(res.Body, "must be") || strings.Contains(res.Body, "must not"), "%s names the rule: %s", name, res.Body)
	}
	require.NotEmpty(t, buyerCSRF)
	require.NotEmpty(t, adminCSRF)
	require.NotContains(t, p.Stderr(), "request failed", "nothing reached a handler as a 500")
}
