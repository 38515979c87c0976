package pages_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const pw = authtest.DefaultPassword

func cookieOf(resp webtest.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestSignUpPage(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, nil)

	t.Run("Form", func(t *testing.T) {
		t.Parallel()
		resp := srv.Client().Get(t, "/signup?next=/books/7")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		for _, want := range []string{`<label for="f-email">Email <span class="required">(required)</span></label>`, `<label for="f-name">`, `<label for="f-password">`, `name="next" value="/books/7"`, `<title>Sign up · BookStore</title>`} {
			require.Contains(t, resp.Body, want)
		}
	})

	t.Run("SignsInAndGoesNext", func(t *testing.T) {
		t.Parallel()
		b := srv.Client()
		resp := b.Post(t, "/signup", url.Values{"email": {"new@example.com"}, "name": {"New Reader"}, "password": {pw}, "next": {"/books?q=go"}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
		require.Equal(t, "/books?q=go", resp.Header.Get("Location"))
		c := cookieOf(resp, auth.SessionCookie)
		require.NotNil(t, c)
		require.True(t, c.HttpOnly)
		require.Equal(t, http.SameSiteLaxMode, c.SameSite)
		require.False(t, c.Secure, "plain HTTP here")
		require.Zero(t, c.MaxAge, "a browser session by default")
		page := b.Get(t, "/account")
		require.Equal(t, http.StatusOK, page.StatusCode)
		require.Contains(t, page.Body, "new@example.com")
		require.Contains(t, page.Body, "Welcome, New Reader!")
		require.Contains(t, page.Body, `<summary><bdi>New Reader</bdi> <`, "the header shows the user")
	})

	t.Run("InvalidKeepsValuesNeverPassword", func(t *testing.T) {
		t.Parallel()
		resp := srv.Client().Post(t, "/signup", url.Values{"email": {"bad-email"}, "name": {"X"}, "password": {"short-pw"}})
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		require.Contains(t, resp.Body, `value="bad-email"`)
		require.Contains(t, resp.Body, `value="X"`)
		require.NotContains(t, resp.Body, "short-pw")
		require.Equal(t, 1, strings.Count(resp.Body, "enter an email address like name@example.com"))
		require.Equal(t, 1, strings.Count(resp.Body, "a display name has 2 to 40 characters"))
		require.Equal(t, 1, strings.Count(resp.Body, "a password has 10 to 128 characters"))
		require.Nil(t, cookieOf(resp, auth.SessionCookie))
	})

	t.Run("BadInput", func(t *testing.T) {
		t.Parallel()
		cases := map[string]struct {
			form   url.Values
			status int
			want   []string
		}{
			"Empty":       {url.Values{}, 422, []string{"enter your email address", "enter a display name", "choose a password"}},
			"MissingName": {url.Values{"email": {"a1@example.com"}, "password": {pw}}, 422, []string{"enter a display name"}},
			"ExtraFields": {url.Values{"email": {"extra@example.com"}, "name": {"Extra"}, "password": {pw}, "role": {"admin"}}, 303, nil},
			"TenKB":       {url.Values{"email": {strings.Repeat("a", 10240)}, "name": {strings.Repeat("b", 10240)}, "password": {strings.Repeat("c", 10240)}}, 422, []string{"at most 254 characters", "2 to 40 characters", "10 to 128 characters"}},
			"Duplicate":   {url.Values{"email": {"TAKEN@example.com"}, "name": {"Dup"}, "password": {pw}}, 422, []string{"an account with this email already exists"}},
			"HTMLName":    {url.Values{"email": {"x@example.com"}, "name": {"<b>x</b>"}, "password": {pw}, "next": {"//evil.com"}}, 303, nil},
			"NotAForm":    {nil, 400, nil},
		}
		srv.CreateUser(t, &authtest.UserOpts{Email: "taken@example.com"})
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				b := srv.Client()
				var resp webtest.Response
				if tc.form == nil {
					req, _ := http.NewRequest(http.MethodPost, srv.URL+"/signup", strings.NewReader("%zz"))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					resp = b.Do(t, req)
				} else {
					resp = b.Post(t, "/signup", tc.form)
				}
				require.Equal(t, tc.status, resp.StatusCode, resp.Body)
				for _, w := range tc.want {
					require.Contains(t, resp.Body, w)
				}
				if tc.status == 303 {
					require.Equal(t, "/", resp.Header.Get("Location"))
				}
			})
		}
	})

	// A control character pasted into a field loses nothing typed: the
	// form comes back to send again, that field cleaned, and signs up.
	t.Run("ControlCharacterSentAgain", func(t *testing.T) {
		t.Parallel()
		b := srv.Client()
		resp := b.Post(t, "/signup", url.Values{"email": {"pasted@example.com"}, "name": {"Ada\x0bLovelace"}, "password": {pw}})
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		require.Contains(t, resp.Body, `<input type="hidden" name="email" value="pasted@example.com">`)
		require.Contains(t, resp.Body, ">AdaLovelace</textarea>")
		require.NotContains(t, resp.Body, pw)
		resp = b.Post(t, "/signup", url.Values{"email": {"pasted@example.com"}, "name": {"AdaLovelace"}, "password": {pw}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	})

	t.Run("UnicodeAndInjectionShownEscaped", func(t *testing.T) {
		t.Parallel()
		for i, name := range []string{"<script>alert(1)</script>", "مرحبا \u200fRTL", "Robert'); DROP TABLE auth.users;--"} {
			b := srv.Client()
			authtest.SignUpForm(t, b, fmt.Sprintf("esc%d@example.com", i), name, pw)
			page := b.Get(t, "/account")
			require.Equal(t, http.StatusOK, page.StatusCode)
			require.NotContains(t, page.Body, "<script>alert(1)</script>")
			if strings.HasPrefix(name, "<") {
				require.Contains(t, page.Body, "&lt;script&gt;alert(1)&lt;/script&gt;")
			} else {
				require.Contains(t, page.Body, strings.ReplaceAll(name, "'", "&#39;"))
			}
		}
	})
}

func TestSignInPage(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, nil)
	u := srv.CreateUser(t, &authtest.UserOpts{Email: "reader@example.com", Name: "Reader"})

	t.Run("SameMessageUnknownOrWrong", func(t *testing.T) {
		t.Parallel()
		wrong := srv.Client().Post(t, "/signin", url.Values{"email": {u.Email}, "password": {"not the password"}})
		unknown := srv.Client().Post(t, "/signin", url.Values{"email": {"ghost@example.com"}, "password": {pw}})
		for _, resp := range []webtest.Response{wrong, unknown} {
			require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			require.Contains(t, resp.Body, "the email or password is not right")
			require.NotContains(t, resp.Body, "not the password")
			require.Nil(t, cookieOf(resp, auth.SessionCookie))
		}
		require.Contains(t, wrong.Body, `value="reader@example.com"`, "the email is kept")
	})

	t.Run("NextOnlyLocal", func(t *testing.T) {
		t.Parallel()
		cases := map[string]string{
			"/my/orders?page=2":      "/my/orders?page=2",
			"":                       "/",
			"//evil.com":             "/",
			"/\\evil.com":            "/",
			"https://evil.com/x":     "/",
			"javascript:alert(1)":    "/",
			"evil.com":               "/",
			"/%2F%2Fevil.com":        "/",
			"/ok\r\nSet-Cookie: x=y": "/",
		}
		for next, want := range cases {
			resp := srv.Client().Post(t, "/signin", url.Values{"email": {u.Email}, "password": {pw}, "next": {next}})
			require.Equal(t, http.StatusSeeOther, resp.StatusCode, next)
			require.Equal(t, want, resp.Header.Get("Location"), next)
		}
		page := srv.Client().Get(t, "/signin?next="+url.QueryEscape("//evil.com"))
		require.Contains(t, page.Body, `name="next" value="/"`)
	})

	t.Run("KeepMeSignedIn", func(t *testing.T) {
		t.Parallel()
		resp := srv.Client().Post(t, "/signin", url.Values{"email": {u.Email}, "password": {pw}, "remember": {"1"}})
		c := cookieOf(resp, auth.SessionCookie)
		require.NotNil(t, c)
		require.Greater(t, c.MaxAge, 29*24*3600)
		resp = srv.Client().Post(t, "/signin", url.Values{"email": {u.Email}, "password": {pw}})
		require.Zero(t, cookieOf(resp, auth.SessionCookie).MaxAge)
	})

	t.Run("RotatesSessionID", func(t *testing.T) {
		t.Parallel()
		b := srv.Client()
		authtest.SignUpForm(t, b, "rotate@example.com", "Rotator", pw)
		before := b.Cookie(auth.SessionCookie)
		authtest.SignInForm(t, b, "rotate@example.com", pw)
		after := b.Cookie(auth.SessionCookie)
		require.NotEmpty(t, after)
		require.NotEqual(t, before, after)
		_, err := srv.Svc.Authenticate(context.Background(), before)
		require.ErrorIs(t, err, auth.ErrUnauthenticated)
	})

	t.Run("SecureCookieOverTLS", func(t *testing.T) {
		t.Parallel()
		req := httptest.NewRequest(http.MethodPost, "https://shop.example/signin", strings.NewReader(url.Values{"email": {u.Email}, "password": {pw}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.TLS = &tls.ConnectionState{}
		rec := httptest.NewRecorder()
		srv.Handler.ServeHTTP(rec, req)
		require.Equal(t, http.StatusSeeOther, rec.Code)
		var c *http.Cookie
		for _, k := range rec.Result().Cookies() {
			if k.Name == auth.SessionCookie {
				c = k
			}
		}
		require.NotNil(t, c)
		require.True(t, c.Secure)
		require.True(t, c.HttpOnly)
	})

	t.Run("Disabled", func(t *testing.T) {
		t.Parallel()
		d := srv.CreateUser(t, &authtest.UserOpts{Disabled: true})
		resp := srv.Client().Post(t, "/signin", url.Values{"email": {d.Email}, "password": {pw}})
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
		require.Contains(t, resp.Body, "this account has been disabled")
	})

	t.Run("BadInput", func(t *testing.T) {
		t.Parallel()
		for name, form := range map[string]url.Values{
			"TenKB":     {"email": {strings.Repeat("a", 10240)}, "password": {strings.Repeat("b", 10240)}},
			"Injection": {"email": {"' OR '1'='1"}, "password": {"' OR '1'='1"}},
			"Unicode":   {"email": {"مرحبا@example.com"}, "password": {"\u202epassword!"}},
		} {
			resp := srv.Client().Post(t, "/signin", form)
			require.Equal(t, http.StatusUnauthorized, resp.StatusCode, name)
			require.Contains(t, resp.Body, "the email or password is not right", name)
		}
	})

	t.Run("MissingFieldsAreNamed", func(t *testing.T) {
		t.Parallel()
		resp := srv.Client().Post(t, "/signin", url.Values{})
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		require.Contains(t, resp.Body, "enter your email address")
		require.Contains(t, resp.Body, "enter your password")
		require.NotContains(t, resp.Body, "the email or password is not right")
		resp = srv.Client().Post(t, "/signin", url.Values{"email": {u.Email}, "remember": {"1"}})
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		require.NotContains(t, resp.Body, "enter your email address")
		require.Contains(t, resp.Body, "enter your password")
		require.Contains(t, resp.Body, `value="reader@example.com"`, "the email is kept")
	})
}

func TestSignOut(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, nil)
	b := srv.Client()
	authtest.SignUpForm(t, b, "out@example.com", "Leaver", pw)
	sess := b.Cookie(auth.SessionCookie)

	resp := b.Post(t, "/signout", url.Values{})
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "no CSRF token")
	require.Contains(t, resp.Body, "this form has expired")
	resp = b.Post(t, "/signout", url.Values{"csrf_token": {"forged"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)

	token := authtest.CSRFToken(t, b)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/signout", strings.NewReader("csrf_token="+token))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp = b.Do(t, req)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "the platform refuses cross-site posts, token or not")

	resp = authtest.Submit(t, b, "/signout", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/", resp.Header.Get("Location"))
	require.Equal(t, -1, cookieOf(resp, auth.SessionCookie).MaxAge)
	_, err := srv.Svc.Authenticate(context.Background(), sess)
	require.ErrorIs(t, err, auth.ErrUnauthenticated)

	resp = srv.Client().Post(t, "/signout", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "signing out signed out is harmless")
}

func TestAccountPage(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, nil)

	t.Run("SignedOutGoesToSignIn", func(t *testing.T) {
		t.Parallel()
		resp := srv.Client().Get(t, "/account")
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		require.Equal(t, "/signin?next=%2Faccount", resp.Header.Get("Location"))
		resp = srv.Client().Post(t, "/account/name", url.Values{"name": {"x"}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		require.True(t, strings.HasPrefix(resp.Header.Get("Location"), "/signin?next="))
	})

	t.Run("ChangeName", func(t *testing.T) {
		t.Parallel()
		b := srv.Client()
		authtest.SignUpForm(t, b, "name@example.com", "Old Name", pw)
		resp := authtest.Submit(t, b, "/account/name", url.Values{"name": {"  New Name  "}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
		page := b.Get(t, "/account")
		require.Contains(t, page.Body, "Your display name is now New Name.")
		require.Contains(t, page.Body, "<summary><bdi>New Name</bdi> <")

		for _, bad := range []string{"", "x", strings.Repeat("n", 10240)} {
			resp = authtest.Submit(t, b, "/account/name", url.Values{"name": {bad}})
			require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
			require.Equal(t, 1, strings.Count(resp.Body, `class="field-error"`))
		}
		resp = authtest.Submit(t, b, "/account/name", url.Values{"name": {"<img src=x onerror=alert(1)>"}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		page = b.Get(t, "/account")
		require.NotContains(t, page.Body, "<img src=x")
		require.Contains(t, page.Body, "&lt;img src=x onerror=alert(1)&gt;")
		resp = b.Post(t, "/account/name", url.Values{"name": {"No Token"}})
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
	})

	t.Run("RefusedFormComesBackSignedIn", func(t *testing.T) {
		t.Parallel()
		b := srv.Client()
		authtest.SignUpForm(t, b, "refused@example.com", "Refused Sender", pw)
		resp := authtest.Submit(t, b, "/account/name", url.Values{"name": {"New\x00Name"}})
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, resp.Body)
		require.Contains(t, resp.Body, "<h1>Check the form</h1>")
		require.Contains(t, resp.Body, "<summary><bdi>Refused Sender</bdi> <", "the header is the sender's, signed in")
		require.Contains(t, resp.Body, ">NewName</textarea>")
		page := b.Get(t, "/account")
		require.Contains(t, page.Body, "<summary><bdi>Refused Sender</bdi> <", "the name did not change")

		resp = b.Post(t, "/account/name", url.Values{"name": {"New\x00Name"}})
		require.Equal(t, http.StatusForbidden, resp.StatusCode, "without its CSRF token the form is refused, not offered back")
	})

	t.Run("ChangePasswordEndsOtherSessions", func(t *testing.T) {
		t.Parallel()
		b := srv.Client()
		authtest.SignUpForm(t, b, "pw@example.com", "Changer", pw)
		other := srv.Client()
		authtest.SignInForm(t, other, "pw@example.com", pw)

		resp := authtest.Submit(t, b, "/account/password", url.Values{"current_password": {"wrong wrong"}, "new_password": {"x"}})
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		require.Contains(t, resp.Body, "this is not your current password")
		require.Contains(t, resp.Body, "a password has 10 to 128 characters")
		require.NotContains(t, resp.Body, "wrong wrong")

		old := b.Cookie(auth.SessionCookie)
		resp = authtest.Submit(t, b, "/account/password", url.Values{"current_password": {pw}, "new_password": {"a whole new secret"}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
		require.NotEqual(t, old, b.Cookie(auth.SessionCookie), "this browser's session gets a new id")
		require.Equal(t, http.StatusOK, b.Get(t, "/account").StatusCode, "this session stays")
		stolen := srv.Client().Get(t, "/account", "Cookie", auth.SessionCookie+"="+old)
		require.Equal(t, http.StatusSeeOther, stolen.StatusCode, "a copy of its old cookie is signed out")
		require.Equal(t, http.StatusSeeOther, other.Get(t, "/account").StatusCode, "the other one ends")
		authtest.SignInForm(t, srv.Client(), "pw@example.com", "a whole new secret")
	})

	t.Run("SignOutEverywhere", func(t *testing.T) {
		t.Parallel()
		b := srv.Client()
		authtest.SignUpForm(t, b, "every@example.com", "Everywhere", pw)
		other := srv.Client()
		authtest.SignInForm(t, other, "every@example.com", pw)
		resp := authtest.Submit(t, b, "/account/signout-everywhere", nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		require.Equal(t, "/signin", resp.Header.Get("Location"))
		require.Equal(t, http.StatusSeeOther, b.Get(t, "/account").StatusCode)
		require.Equal(t, http.StatusSeeOther, other.Get(t, "/account").StatusCode)
	})
}

func TestNotificationsPage(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, nil)
	b := srv.Client()
	authtest.SignUpForm(t, b, "choose@example.com", "Chooser", pw)
	require.Contains(t, b.Get(t, "/account").Body, `href="/account/notifications"`)

	page := b.Get(t, "/account/notifications")
	require.Equal(t, http.StatusOK, page.StatusCode)
	require.Contains(t, page.Body, "Your address is not confirmed yet")
	require.Contains(t, page.Body, `name="order_shipped" value="1" checked`)
	require.Contains(t, page.Body, `name="order_delivered" value="1">`, "off for a new account")

	resp := authtest.Submit(t, b, "/account/notifications", url.Values{"order_delivered": {"1"}, "want_match": {"1"}, "unknown": {"1"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	page = b.Get(t, "/account/notifications")
	require.Contains(t, page.Body, "Your email choices are saved.")
	require.Contains(t, page.Body, `name="order_delivered" value="1" checked`)
	require.Contains(t, page.Body, `name="want_match" value="1" checked`)
	require.Contains(t, page.Body, `name="order_shipped" value="1">`, "an unticked box is a topic dropped")

	require.Equal(t, http.StatusForbidden, b.Post(t, "/account/notifications", url.Values{"want_match": {"1"}}).StatusCode, "no CSRF token")
	resp = srv.Client().Get(t, "/account/notifications")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/signin?next=%2Faccount%2Fnotifications", resp.Header.Get("Location"))
}

func TestAdminPages(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, nil)
	admin := srv.CreateUser(t, &authtest.UserOpts{Email: "boss@example.com", Name: "Boss", Admin: true})
	ab := srv.Client()
	authtest.SignInForm(t, ab, admin.Email, pw)

	t.Run("OnlyAdmins", func(t *testing.T) {
		t.Parallel()
		member := srv.CreateUser(t, nil)
		mb := srv.Client()
		authtest.SignInForm(t, mb, member.Email, pw)
		for _, p := range []string{"/admin", "/admin/users", "/admin/users?q=x", "/admin/listings", "/admin/jobs"} {
			resp := mb.Get(t, p)
			require.Equal(t, http.StatusForbidden, resp.StatusCode, p)
			resp = srv.Client().Get(t, p)
			require.Equal(t, http.StatusSeeOther, resp.StatusCode, p)
			require.True(t, strings.HasPrefix(resp.Header.Get("Location"), "/signin?next="), p)
		}
		resp := authtest.Submit(t, mb, fmt.Sprintf("/admin/users/%d/disable", admin.ID), nil)
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
		_, err := srv.Svc.User(context.Background(), admin.ID)
		require.NoError(t, err)
	})

	t.Run("Index", func(t *testing.T) {
		t.Parallel()
		resp := ab.Get(t, "/admin")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		for _, l := range []string{`href="/admin/users">Users`, `href="/admin/listings">Listings`, `href="/admin/orders">Orders`, `href="/admin/jobs">Jobs`, `href="/admin/providers">Delivery providers`, `href="/admin/activity">Activity`} {
			require.Contains(t, resp.Body, l)
		}
		require.Contains(t, resp.Body, `href="/admin">Admin</a>`, "admins see the menu entry")
	})

	t.Run("SearchAndPages", func(t *testing.T) {
		t.Parallel()
		for i := range 27 {
			srv.CreateUser(t, &authtest.UserOpts{Email: fmt.Sprintf("page%02d@paged.example", i), Name: fmt.Sprintf("Paged %02d", i)})
		}
		resp := ab.Get(t, "/admin/users?q=paged.example")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, 25, strings.Count(resp.Body, "@paged.example</td>"))
		require.Contains(t, resp.Body, `href="/admin/users?page=2&amp;q=paged.example"`)
		resp = ab.Get(t, "/admin/users?q=paged.example&page=2")
		require.Equal(t, 2, strings.Count(resp.Body, "@paged.example</td>"))
		require.Contains(t, resp.Body, `rel="prev"`)
		resp = ab.Get(t, "/admin/users?q=PAGED+26")
		require.Equal(t, 1, strings.Count(resp.Body, "@paged.example</td>"), "by name, any case")
		for _, q := range []string{"<script>", "' OR 1=1 --", strings.Repeat("q", 10240), "مرحبا", "%"} {
			resp = ab.Get(t, "/admin/users?q="+url.QueryEscape(q))
			require.Equal(t, http.StatusOK, resp.StatusCode, q)
			require.Contains(t, resp.Body, "No user matches")
			require.NotContains(t, resp.Body, "<script>")
		}
		resp = ab.Get(t, "/admin/users?page=-3")
		require.Equal(t, http.StatusOK, resp.StatusCode)
	})

	t.Run("DisableAndEnable", func(t *testing.T) {
		t.Parallel()
		u := srv.CreateUser(t, nil)
		ub := srv.Client()
		authtest.SignInForm(t, ub, u.Email, pw)
		resp := authtest.Submit(t, ab, fmt.Sprintf("/admin/users/%d/disable", u.ID), url.Values{"next": {"/admin/users?q=" + url.QueryEscape(u.Email)}, "reason": {" "}})
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "a reason is required")
		require.Contains(t, resp.Body, fmt.Sprintf(`<details class="hide-form" open><summary>Disable<span class="visually-hidden"> %s</span>`, u.Email), "its form comes back open")
		require.Contains(t, resp.Body, `id="e-f-reason-`+strconv.FormatInt(int64(u.ID), 10)+`">give the reason; the user reads it when signing in`)
		require.Contains(t, resp.Body, `value="`+u.Email+`"`, "the list as it was searched")
		require.Equal(t, http.StatusOK, ub.Get(t, "/account").StatusCode, "a refused disable changes nothing")

		resp = authtest.Submit(t, ab, fmt.Sprintf("/admin/users/%d/disable", u.ID), url.Values{"next": {"/admin/users?q=x"}, "reason": {"Selling stolen books"}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
		require.Equal(t, "/admin/users?q=x", resp.Header.Get("Location"))
		list := ab.Get(t, "/admin/users").Body
		require.Contains(t, list, u.Email+" is disabled (Selling stolen books) and signed out everywhere; their listings leave the shop within seconds.")
		// Other subtests add users at once: the list is searched for this one.
		require.Contains(t, ab.Get(t, "/admin/users?q="+url.QueryEscape(u.Email)).Body, `<bdi class="muted">Selling stolen books</bdi>`, "the list says why")
		page := ub.Get(t, "/account")
		require.Equal(t, http.StatusSeeOther, page.StatusCode, "the disabled user is signed out")
		require.Equal(t, -1, cookieOf(page, auth.SessionCookie).MaxAge, "and the dead cookie is cleared")
		resp = ub.Post(t, "/signin", url.Values{"email": {u.Email}, "password": {pw}, "csrf_token": {ub.CSRFToken(t, "/signin")}})
		require.Contains(t, resp.Body, "this account has been disabled: Selling stolen books;", "the user reads why")

		resp = authtest.Submit(t, ab, fmt.Sprintf("/admin/users/%d/enable", u.ID), url.Values{"next": {"https://evil.com"}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		require.Equal(t, "/admin/users", resp.Header.Get("Location"))
		require.Contains(t, ab.Get(t, "/admin/users").Body, u.Email+" can sign in; their listings come back to the shop within seconds.")
		authtest.SignInForm(t, ub, u.Email, pw)

		for _, p := range []string{"/admin/users/abc/disable", "/admin/users/0/disable", "/admin/users/99999999/disable"} {
			require.Equal(t, http.StatusNotFound, authtest.Submit(t, ab, p, url.Values{"reason": {"spam"}}).StatusCode, p)
		}
		resp = authtest.Submit(t, ab, fmt.Sprintf("/admin/users/%d/disable", admin.ID), nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, "refused, and said above the list")
		require.Contains(t, ab.Get(t, resp.Header.Get("Location")).Body, "you cannot disable your own account")
		resp = ab.Post(t, fmt.Sprintf("/admin/users/%d/disable", u.ID), nil)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, "CSRF token required")
	})

	t.Run("MakeAndRemoveAdmin", func(t *testing.T) {
		t.Parallel()
		u := srv.CreateUser(t, nil)
		ub := srv.Client()
		authtest.SignInForm(t, ub, u.Email, pw)
		promote, demote := fmt.Sprintf("/admin/users/%d/promote", u.ID), fmt.Sprintf("/admin/users/%d/demote", u.ID)
		list := "/admin/users?q=" + url.QueryEscape(u.Email)
		page := ab.Get(t, list).Body
		require.Contains(t, page, `action="`+promote+`"`)
		require.Contains(t, page, "Make admin")
		require.NotContains(t, page, `action="`+demote+`"`)

		resp := authtest.Submit(t, ab, promote, url.Values{"next": {list}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
		require.Equal(t, list, resp.Header.Get("Location"), "back to the list as it was searched")
		page = ab.Get(t, list).Body
		require.Contains(t, page, u.Email+" is now an admin and was signed out everywhere; the admin pages are theirs when they sign in again.")
		require.Contains(t, page, `action="`+demote+`"`)
		require.NotContains(t, page, `action="`+promote+`"`)
		require.Equal(t, http.StatusSeeOther, ub.Get(t, "/account").StatusCode, "the user is signed out")
		authtest.SignInForm(t, ub, u.Email, pw)
		require.Equal(t, http.StatusOK, ub.Get(t, "/admin").StatusCode, "and an admin when back")

		resp = authtest.Submit(t, ab, promote, url.Values{"next": {list}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, "a refused change goes back to the list, which says why")
		require.Equal(t, list, resp.Header.Get("Location"))
		require.Contains(t, ab.Get(t, list).Body, u.Email+" is already an admin")

		resp = authtest.Submit(t, ab, demote, url.Values{"next": {"https://evil.com"}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
		require.Equal(t, "/admin/users", resp.Header.Get("Location"))
		require.Contains(t, ab.Get(t, "/admin/users").Body, u.Email+" is no longer an admin and was signed out everywhere.")
		require.Equal(t, http.StatusSeeOther, ub.Get(t, "/account").StatusCode, "the user is signed out")
		authtest.SignInForm(t, ub, u.Email, pw)
		require.Equal(t, http.StatusForbidden, ub.Get(t, "/admin").StatusCode, "and a member when back")
		resp = authtest.Submit(t, ab, demote, nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		require.Contains(t, ab.Get(t, resp.Header.Get("Location")).Body, u.Email+" is not an admin")
		resp = ab.Post(t, promote, nil)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, "CSRF token required")
		resp = authtest.Submit(t, ub, promote, nil)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, "members cannot")
	})

	t.Run("RoleGuards", func(t *testing.T) {
		t.Parallel()
		self := fmt.Sprintf("/admin/users/%d/demote", admin.ID)
		require.NotContains(t, ab.Get(t, "/admin/users?q="+url.QueryEscape(admin.Email)).Body, `action="`+self+`"`, "no button to demote oneself")
		resp := authtest.Submit(t, ab, self, nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		require.Contains(t, ab.Get(t, resp.Header.Get("Location")).Body, "you cannot take away your own admin rights; another admin can")
		require.Equal(t, http.StatusOK, ab.Get(t, "/admin").StatusCode, "still an admin, still signed in")

		off := srv.CreateUser(t, &authtest.UserOpts{Disabled: true})
		promote := fmt.Sprintf("/admin/users/%d/promote", off.ID)
		require.NotContains(t, ab.Get(t, "/admin/users?q="+url.QueryEscape(off.Email)).Body, `action="`+promote+`"`, "a disabled account is enabled first")
		resp = authtest.Submit(t, ab, promote, nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		require.Contains(t, ab.Get(t, resp.Header.Get("Location")).Body, off.Email+" is disabled; enable the account before making it an admin")
		for _, p := range []string{"/admin/users/abc/promote", "/admin/users/0/demote", "/admin/users/99999999/promote"} {
			require.Equal(t, http.StatusNotFound, authtest.Submit(t, ab, p, nil).StatusCode, p)
		}
	})
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, &authtest.ServerOpts{NowFunc: stopped(), Limits: &service.Limits{Window: time.Hour, SignInPerAddress: 3, SignInPerAccountAddress: 100, PasswordChecksPerAccount: 100, SignUpPerAddress: 2, SignUpPerAccount: 100}})
	b := srv.Client()
	for range 3 {
		b.Post(t, "/signin", url.Values{"email": {"x@example.com"}, "password": {"wrong password"}})
	}
	resp := b.Post(t, "/signin", url.Values{"email": {"x@example.com"}, "password": {"wrong password"}})
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.Equal(t, "3600", resp.Header.Get("Retry-After"))
	require.Contains(t, resp.Body, "too many attempts; please wait 60 minutes and try again")
	require.Contains(t, resp.Body, `value="x@example.com"`, "the sign-in form comes back with the email typed")

	for i := range 2 {
		authtest.SignUpForm(t, b, fmt.Sprintf("rl%d@example.com", i), "Limited", pw)
	}
	resp = srv.Client().Post(t, "/signup", url.Values{"email": {"rl9@example.com"}, "name": {"Limited"}, "password": {pw}})
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
	require.Contains(t, resp.Body, `value="rl9@example.com"`, "the sign-up form comes back with what was typed")
	require.Contains(t, resp.Body, `value="Limited"`)
	require.Contains(t, resp.Body, "please wait")
}

func TestBehindTrustedProxy(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, &authtest.ServerOpts{TrustProxy: true, Limits: &service.Limits{Window: time.Hour, SignInPerAddress: 1, SignInPerAccountAddress: 100, PasswordChecksPerAccount: 100, SignUpPerAddress: 100, SignUpPerAccount: 100}})
	u := srv.CreateUser(t, nil)
	signIn := func(client string) webtest.Response {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/signin", strings.NewReader(url.Values{"email": {u.Email}, "password": {pw}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", client)
		req.Header.Set("X-Forwarded-Proto", "https")
		return srv.Client().Do(t, req)
	}
	resp := signIn("203.0.113.1")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.True(t, cookieOf(resp, auth.SessionCookie).Secure, "HTTPS ended at the load balancer")
	require.Equal(t, http.StatusTooManyRequests, signIn("203.0.113.1").StatusCode)
	require.Equal(t, http.StatusSeeOther, signIn("203.0.113.2").StatusCode, "each client address counts apart")
}

func TestLogs_NoSecrets(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, nil)
	const secret = "my very secret passphrase"
	b := srv.Client()
	authtest.SignUpForm(t, b, "logs@example.com", "Logger", secret)
	sess1 := b.Cookie(auth.SessionCookie)
	csrf := authtest.CSRFToken(t, b)
	authtest.Submit(t, b, "/account/password", url.Values{"current_password": {secret}, "new_password": {secret + " 2"}})
	b.Post(t, "/signin", url.Values{"email": {"logs@example.com"}, "password": {"wrong " + secret}})
	authtest.SignInForm(t, b, "logs@example.com", secret+" 2")
	sess2 := b.Cookie(auth.SessionCookie)
	signin := b.JSON(t, http.MethodPost, "/api/v1/auth/signin", `{"email":"logs@example.com","password":"`+secret+` 2"}`)
	require.Equal(t, http.StatusOK, signin.StatusCode)
	token := signin.Body[strings.Index(signin.Body, `"token":"`)+9:]
	token = token[:strings.Index(token, `"`)]
	b.JSON(t, http.MethodGet, "/api/v1/me", "", webtest.Bearer(token)...)
	b.JSON(t, http.MethodPost, "/api/v1/auth/signout", "", webtest.Bearer(token)...)
	b.JSON(t, http.MethodGet, "/api/v1/me", "", webtest.Bearer(token)...)
	b.Get(t, "/account?password="+url.QueryEscape(secret))

	logs := srv.Logs.String()
	require.Contains(t, logs, "path=/signin", "the log was captured")
	for _, s := range []string{secret, url.QueryEscape(secret), sess1, sess2, csrf, token} {
		require.NotContains(t, logs, s)
	}
}

func TestMiddleware_CSRFWays(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, nil)
	b := srv.Client()
	authtest.SignUpForm(t, b, "ways@example.com", "Ways", pw)
	token := authtest.CSRFToken(t, b)

	t.Run("Header", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/account/name", strings.NewReader("name=Header+Name"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", token)
		require.Equal(t, http.StatusSeeOther, b.Do(t, req).StatusCode)
	})

	t.Run("Multipart", func(t *testing.T) {
		body := "--XX\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + token + "\r\n--XX\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nMulti Name\r\n--XX--\r\n"
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/account/name", strings.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
		resp := b.Do(t, req)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, "the token is read from multipart forms too")
	})

	t.Run("TooLarge", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/account/name", strings.NewReader("name="+strings.Repeat("x", 2<<20)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		require.Equal(t, http.StatusRequestEntityTooLarge, b.Do(t, req).StatusCode)
	})

	t.Run("BearerNeedsNone", func(t *testing.T) {
		tok, err := srv.Svc.NewToken(context.Background(), mustUser(t, srv, "ways@example.com").ID)
		require.NoError(t, err)
		anon := srv.Client()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/account/name", strings.NewReader("name=Bearer+Name"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+tok.ID)
		require.Equal(t, http.StatusSeeOther, anon.Do(t, req).StatusCode, "a bearer token is not sent by browsers on their own")
		require.Equal(t, "Bearer Name", mustUser(t, srv, "ways@example.com").Name)
	})
}

func mustUser(t *testing.T, srv *authtest.Server, email string) auth.User {
	t.Helper()
	var id int64
	require.NoError(t, srv.Pool.QueryRow(context.Background(), "SELECT id FROM auth.users WHERE email = $1", email).Scan(&id))
	u, err := srv.Svc.User(context.Background(), auth.UserID(id))
	require.NoError(t, err)
	return u
}

// stopped is a clock that does not move, so Retry-After is exact.
func stopped() func() time.Time {
	now := time.Now()
	return func() time.Time { return now }
}

// TestPages_InternationalAddressAsTyped: an address with a Unicode domain,
// stored with its IDNA A-label, is shown as it was typed wherever a person
// reads it (the account page, the admin's list, the confirmations and
// refusals), while the API answers the stored form.
func TestPages_InternationalAddressAsTyped(t *testing.T) {
	t.Parallel()
	const typed, stored = "müller@bücher.example", "müller@xn--bcher-kva.example"
	srv := authtest.NewServer(t, nil)
	b := srv.Client()
	authtest.SignUpForm(t, b, typed, "Müller", pw)
	u := mustUser(t, srv, stored)
	require.Equal(t, stored, u.Email, "stored with its A-label")

	page := b.Get(t, "/account").Body
	require.Contains(t, page, "We sent a link to "+typed+".")
	require.NotContains(t, page, "xn--")
	require.Contains(t, b.Get(t, "/account/notifications").Body, "Choose the emails we send to "+typed+".")
	resp := authtest.Submit(t, b, "/account/verify/resend", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	require.Contains(t, b.Get(t, "/account").Body, "We sent a new link to "+typed+";")
	link, err := url.Parse(lastLink(t, srv, stored))
	require.NoError(t, err)
	v := srv.Client()
	resp = v.Post(t, "/account/verify", url.Values{"token": {link.Query().Get("token")}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	require.Contains(t, v.Get(t, resp.Header.Get("Location")).Body, "Thank you: "+typed+" is confirmed")

	me := b.JSON(t, http.MethodGet, "/api/v1/me", "")
	require.Equal(t, http.StatusOK, me.StatusCode, me.Body)
	require.Contains(t, me.Body, `"email":"`+stored+`"`, "the API answers the stored form")

	admin := srv.CreateUser(t, &authtest.UserOpts{Email: "chief@example.com", Admin: true})
	ab := srv.Client()
	authtest.SignInForm(t, ab, admin.Email, pw)
	list := ab.Get(t, "/admin/users?q=bücher").Body
	require.Contains(t, list, `<td data-label="Email">`+typed+`</td>`)
	require.NotContains(t, list, "xn--")
	path := fmt.Sprintf("/admin/users/%d/promote", u.ID)
	resp = authtest.Submit(t, ab, path, url.Values{"next": {"/admin/users"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	require.Contains(t, ab.Get(t, resp.Header.Get("Location")).Body, typed+" is now an admin")
	resp = authtest.Submit(t, ab, path, url.Values{"next": {"/admin/users"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	require.Contains(t, ab.Get(t, resp.Header.Get("Location")).Body, typed+" is already an admin")
}
