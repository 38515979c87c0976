package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/apidoc/apitest"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const pw = authtest.DefaultPassword

type errorBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

func decodeErr(t *testing.T, body string) errorBody {
	t.Helper()
	var e errorBody
	require.NoError(t, json.Unmarshal([]byte(body), &e), body)
	return e
}

func signIn(t *testing.T, b *webtest.Client, email, password string) string {
	t.Helper()
	resp := b.JSON(t, http.MethodPost, "/api/v1/auth/signin", fmt.Sprintf(`{"email":%q,"password":%q}`, email, password))
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	var out struct {
		Token string `json:"token"`
	}
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &out))
	require.Len(t, out.Token, 43)
	return out.Token
}

func TestAPI_SignUp(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, nil)

	t.Run("Created", func(t *testing.T) {
		t.Parallel()
		b := srv.Client()
		resp := b.JSON(t, http.MethodPost, "/api/v1/auth/signup", `{"email":"api@example.com","name":"  API User ","password":"`+pw+`"}`)
		require.Equal(t, http.StatusCreated, resp.StatusCode, resp.Body)
		var body map[string]map[string]any
		require.NoError(t, json.Unmarshal([]byte(resp.Body), &body))
		u := body["user"]
		require.ElementsMatch(t, []string{"id", "email", "name", "role", "disabled", "email_verified", "created_at"}, keys(u))
		require.Equal(t, false, u["email_verified"], "confirmed by the emailed link")
		require.Equal(t, "api@example.com", u["email"])
		require.Equal(t, "API User", u["name"])
		require.Equal(t, "member", u["role"])
		require.Equal(t, false, u["disabled"])
		require.NotContains(t, resp.Body, pw)
		me := b.JSON(t, http.MethodGet, "/api/v1/me", "")
		require.Equal(t, http.StatusOK, me.StatusCode, "signed in by the cookie")
	})

	t.Run("BadInput", func(t *testing.T) {
		t.Parallel()
		srv.CreateUser(t, &authtest.UserOpts{Email: "taken@example.com"})
		long := strings.Repeat("x", 10240)
		cases := map[string]struct {
			body   string
			status int
			code   string
			fields []string
		}{
			"Empty":          {``, 400, "bad_request", nil},
			"NotJSON":        {`email=a`, 400, "bad_request", nil},
			"Array":          {`[]`, 400, "bad_request", nil},
			"EmptyObject":    {`{}`, 422, "auth.invalid", []string{"email", "name", "password"}},
			"MissingName":    {`{"email":"m@example.com","password":"` + pw + `"}`, 422, "auth.invalid", []string{"name"}},
			"ExtraField":     {`{"email":"e@example.com","name":"Extra","password":"` + pw + `","role":"admin"}`, 400, "bad_request", []string{"role"}},
			"WrongType":      {`{"email":"w@example.com","name":42,"password":"` + pw + `"}`, 400, "bad_request", []string{"name"}},
			"NullPassword":   {`{"email":"n@example.com","name":"Null","password":null}`, 422, "auth.invalid", []string{"password"}},
			"TenKB":          {`{"email":"` + long + `","name":"` + long + `","password":"` + long + `"}`, 422, "invalid", []string{"email"}},
			"Duplicate":      {`{"email":"TAKEN@example.com","name":"Dup","password":"` + pw + `"}`, 422, "auth.invalid", []string{"email"}},
			"PasswordIsMail": {`{"email":"same@example.com","name":"Same","password":"same@example.com"}`, 422, "auth.invalid", []string{"password"}},
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				resp := srv.Client().JSON(t, http.MethodPost, "/api/v1/auth/signup", tc.body)
				require.Equal(t, tc.status, resp.StatusCode, resp.Body)
				e := decodeErr(t, resp.Body)
				require.Equal(t, tc.code, e.Error.Code)
				require.NotEmpty(t, e.Error.Message)
				require.ElementsMatch(t, tc.fields, keys(e.Error.Fields))
				require.NotContains(t, resp.Body, pw)
			})
		}
	})

	t.Run("NotSentAsJSON", func(t *testing.T) {
		t.Parallel()
		body := `{"email":"plain@example.com","name":"Plain","password":"` + pw + `"}`
		for _, contentType := range []string{"text/plain", "application/x-www-form-urlencoded", ""} {
			resp := srv.Client().Send(t, http.MethodPost, "/api/v1/auth/signup", contentType, strings.NewReader(body))
			require.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode, contentType)
			require.Equal(t, "unsupported_media_type", decodeErr(t, resp.Body).Error.Code)
		}
		resp := srv.Client().JSON(t, http.MethodPost, "/api/v1/auth/signup", body)
		require.Equal(t, http.StatusCreated, resp.StatusCode, "nothing was created by the refused ones")
	})

	t.Run("StoredAsText", func(t *testing.T) {
		t.Parallel()
		for i, name := range []string{"<script>alert(1)</script>", "שלום \u200fעולם", "x'); DROP TABLE auth.users;--"} {
			b := srv.Client()
			body, _ := json.Marshal(map[string]string{"email": fmt.Sprintf("t%d@example.com", i), "name": name, "password": pw})
			resp := b.JSON(t, http.MethodPost, "/api/v1/auth/signup", string(body))
			require.Equal(t, http.StatusCreated, resp.StatusCode, resp.Body)
			var out struct{ User struct{ Name string } }
			require.NoError(t, json.Unmarshal([]byte(resp.Body), &out))
			require.Equal(t, name, out.User.Name)
			require.NotContains(t, resp.Body, "<script>", "JSON escapes HTML")
		}
	})
}

// TestAPI_OneAccountPerMailbox: an address in another Unicode form, or
// with its domain as the other IDNA label, is taken as itself is, and
// signs in.
func TestAPI_OneAccountPerMailbox(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, nil)
	zoe := "Zoë.Seller+books@Example.ORG"
	for _, pair := range [][2]string{{zoe, norm.NFD.String(zoe)}, {"anna@bücher.example", "anna@xn--bcher-kva.example"}} {
		body := func(email string) string {
			b, _ := json.Marshal(map[string]string{"email": email, "name": "Zoë", "password": pw})
			return string(b)
		}
		resp := srv.Client().JSON(t, http.MethodPost, "/api/v1/auth/signup", body(pair[0]))
		require.Equal(t, http.StatusCreated, resp.StatusCode, resp.Body)
		resp = srv.Client().JSON(t, http.MethodPost, "/api/v1/auth/signup", body(pair[1]))
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "taken, as any taken address: %s", resp.Body)
		require.Contains(t, decodeErr(t, resp.Body).Error.Fields, "email")
		signIn(t, srv.Client(), pair[1], pw)
	}
}

// TestAPI_NameAndEmailMaxLengthCountSpaces: a name's and a sign-up
// email's maxLength count the text as sent, as the document's do: the
// longest one with a space around it is refused, naming the field, though
// trimmed it would fit; the minimum of a name counts it trimmed, as the
// document says in words.
func TestAPI_NameAndEmailMaxLengthCountSpaces(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, nil)
	maxName := int(apitest.At(t, "/components/schemas/DisplayName/maxLength").(float64))
	maxEmail := int(apitest.At(t, "/components/schemas/SignUpRequest/properties/email/maxLength").(float64))
	signUp := func(email, name string) webtest.Response {
		body, err := json.Marshal(map[string]string{"email": email, "name": name, "password": pw})
		require.NoError(t, err)
		return srv.Client().JSON(t, http.MethodPost, "/api/v1/auth/signup", string(body))
	}
	email := func(n int) string { return strings.Repeat("a", n-len("@example.com")) + "@example.com" }

	for field, resp := range map[string]webtest.Response{
		"name":  signUp("long-name@example.com", strings.Repeat("é", maxName)+" "),
		"email": signUp(" "+email(maxEmail), "Long Email"),
	} {
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, resp.Body)
		max := map[string]int{"name": maxName, "email": maxEmail}[field]
		require.Equal(t, map[string]string{field: fmt.Sprintf("must be at most %d characters", max)}, decodeErr(t, resp.Body).Error.Fields)
	}
	resp := signUp(email(maxEmail), " "+strings.Repeat("é", maxName-1))
	require.Equal(t, http.StatusCreated, resp.StatusCode, resp.Body)
	require.Contains(t, resp.Body, `"name":"`+strings.Repeat("é", maxName-1)+`"`, "stored trimmed")

	tok := signIn(t, srv.Client(), email(maxEmail), pw)
	for name, status := range map[string]int{
		strings.Repeat("é", maxName) + `\n`: http.StatusUnprocessableEntity,
		" a ":                               http.StatusUnprocessableEntity,
		strings.Repeat("é", maxName):        http.StatusOK,
	} {
		resp := srv.Client().JSON(t, http.MethodPatch, "/api/v1/me", `{"name":"`+name+`"}`, webtest.Bearer(tok)...)
		require.Equal(t, status, resp.StatusCode, resp.Body)
		if status != http.StatusOK {
			require.Contains(t, decodeErr(t, resp.Body).Error.Fields, "name")
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestAPI_SignInAndOut(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, nil)
	u := srv.CreateUser(t, &authtest.UserOpts{Email: "reader@example.com", Name: "Reader"})

	t.Run("TokenOrCookie", func(t *testing.T) {
		t.Parallel()
		sessions := func() (n int) {
			require.NoError(t, srv.Pool.QueryRow(context.Background(), "SELECT count(*) FROM auth.sessions WHERE user_id = $1", u.ID).Scan(&n))
			return n
		}
		sessionCookie := func(resp webtest.Response) *http.Cookie {
			for _, c := range resp.Cookies() {
				if c.Name == auth.SessionCookie {
					return c
				}
			}
			return nil
		}
		var out struct {
			User  map[string]any `json:"user"`
			Token string         `json:"token"`
		}
		b := srv.Client()
		before := sessions()
		resp := b.JSON(t, http.MethodPost, "/api/v1/auth/signin", `{"email":"READER@example.com","password":"`+pw+`"}`)
		require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
		require.NoError(t, json.Unmarshal([]byte(resp.Body), &out))
		require.EqualValues(t, u.ID, out.User["id"])
		require.NotEmpty(t, out.Token)
		require.Nil(t, sessionCookie(resp), "a client that asks for a token gets no cookie")
		require.Equal(t, before+1, sessions(), "and no invisible session besides the token")

		resp = b.JSON(t, http.MethodPost, "/api/v1/auth/signin", `{"email":"reader@example.com","password":"`+pw+`","cookie":true}`)
		require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
		require.NotContains(t, resp.Body, `"token"`)
		cookie := sessionCookie(resp)
		require.NotNil(t, cookie)
		require.True(t, cookie.HttpOnly)
		require.Equal(t, before+2, sessions())

		// A bearer call is not cookie-driven: no CSRF token needed.
		anon := srv.Client()
		me := anon.JSON(t, http.MethodGet, "/api/v1/me", "", webtest.Bearer(out.Token)...)
		require.Equal(t, http.StatusOK, me.StatusCode)
		require.Contains(t, me.Body, `"email":"reader@example.com"`)
		require.Equal(t, http.StatusOK, b.JSON(t, http.MethodGet, "/api/v1/me", "").StatusCode, "the cookie session")

		// The case: sign-out with both ends both and clears the cookie.
		so := b.JSON(t, http.MethodPost, "/api/v1/auth/signout", "", webtest.Bearer(out.Token)...)
		require.Equal(t, http.StatusNoContent, so.StatusCode)
		cleared := sessionCookie(so)
		require.NotNil(t, cleared, "the cookie is cleared")
		require.Negative(t, cleared.MaxAge)
		require.Equal(t, before, sessions())
		require.Equal(t, http.StatusUnauthorized, anon.JSON(t, http.MethodGet, "/api/v1/me", "", webtest.Bearer(out.Token)...).StatusCode, "revoked token")
		require.Equal(t, http.StatusUnauthorized, srv.Client().JSON(t, http.MethodGet, "/api/v1/me", "", "Cookie", auth.SessionCookie+"="+cookie.Value).StatusCode, "ended session, even resent")
		require.Equal(t, http.StatusNoContent, b.JSON(t, http.MethodPost, "/api/v1/auth/signout", "").StatusCode, "twice is fine")
	})

	t.Run("MissingFieldsAreNamed", func(t *testing.T) {
		t.Parallel()
		for body, want := range map[string][]string{
			`{}`:                             {"email", "password"},
			`{"email":"","password":""}`:     {"email", "password"},
			`{"email":"reader@example.com"}`: {"password"},
			`{"password":"x","email":"  ","cookie":true}`: {"email"},
		} {
			resp := srv.Client().JSON(t, http.MethodPost, "/api/v1/auth/signin", body)
			require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, body)
			e := decodeErr(t, resp.Body).Error
			require.Equal(t, "auth.invalid", e.Code, body)
			require.ElementsMatch(t, want, keys(e.Fields), body)
		}
	})

	t.Run("SameErrorUnknownOrWrong", func(t *testing.T) {
		t.Parallel()
		wrong := srv.Client().JSON(t, http.MethodPost, "/api/v1/auth/signin", `{"email":"reader@example.com","password":"wrong password"}`)
		unknown := srv.Client().JSON(t, http.MethodPost, "/api/v1/auth/signin", `{"email":"ghost@example.com","password":"wrong password"}`)
		require.Equal(t, http.StatusUnauthorized, wrong.StatusCode)
		require.Equal(t, wrong.StatusCode, unknown.StatusCode)
		require.JSONEq(t, wrong.Body, unknown.Body)
		require.Equal(t, "auth.bad_credentials", decodeErr(t, wrong.Body).Error.Code)
	})

	t.Run("BadInput", func(t *testing.T) {
		t.Parallel()
		for body, status := range map[string]int{
			``:                                   400,
			`{"email":1,"password":2}`:           400,
			`{"email":"a","password":"b","x":1}`: 400,
			`{"email":"' OR 1=1 --","password":"' OR 1=1 --"}`:                       401,
			`{"email":"` + strings.Repeat("a", 10240) + `","password":"` + pw + `"}`: 401,
		} {
			resp := srv.Client().JSON(t, http.MethodPost, "/api/v1/auth/signin", body)
			require.Equal(t, status, resp.StatusCode, body)
			decodeErr(t, resp.Body)
		}
	})

	t.Run("Me", func(t *testing.T) {
		t.Parallel()
		for _, tok := range []string{"", "garbage", strings.Repeat("a", 43), strings.Repeat("a", 10240)} {
			resp := srv.Client().JSON(t, http.MethodGet, "/api/v1/me", "", webtest.Bearer(tok)...)
			require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			require.NotEmpty(t, resp.Header.Get("WWW-Authenticate"))
			require.Equal(t, "auth.unauthenticated", decodeErr(t, resp.Body).Error.Code)
		}
	})

	t.Run("DisabledTokenIsSignedOut", func(t *testing.T) {
		t.Parallel()
		d := srv.CreateUser(t, nil)
		tok := signIn(t, srv.Client(), d.Email, pw)
		admin := srv.CreateUser(t, &authtest.UserOpts{Admin: true})
		adminTok := signIn(t, srv.Client(), admin.Email, pw)
		resp := srv.Client().JSON(t, http.MethodPost, fmt.Sprintf("/api/v1/admin/users/%d/disable", d.ID), `{"reason":"  "}`, webtest.Bearer(adminTok)...)
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, resp.Body)
		require.Equal(t, "give the reason; the user reads it when signing in", decodeErr(t, resp.Body).Error.Fields["reason"])
		// The document's maxLength counts the reason as sent, spaces and all.
		max := int(apitest.At(t, "/paths/~1api~1v1~1admin~1users~1{id}~1disable/post/requestBody/content/application~1json/schema/properties/reason/maxLength").(float64))
		resp = srv.Client().JSON(t, http.MethodPost, fmt.Sprintf("/api/v1/admin/users/%d/disable", d.ID), fmt.Sprintf(`{"reason":"%s "}`, strings.Repeat("é", max)), webtest.Bearer(adminTok)...)
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, resp.Body)
		require.Equal(t, fmt.Sprintf("must be at most %d characters", max), decodeErr(t, resp.Body).Error.Fields["reason"])
		require.Equal(t, http.StatusOK, srv.Client().JSON(t, http.MethodGet, "/api/v1/me", "", webtest.Bearer(tok)...).StatusCode, "a refused disable changes nothing")
		resp = srv.Client().JSON(t, http.MethodPost, fmt.Sprintf("/api/v1/admin/users/%d/disable", d.ID), `{"reason":"Selling stolen books"}`, webtest.Bearer(adminTok)...)
		require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
		require.Contains(t, resp.Body, `"disabled":true,"disabled_reason":"Selling stolen books"`)
		require.Equal(t, http.StatusUnauthorized, srv.Client().JSON(t, http.MethodGet, "/api/v1/me", "", webtest.Bearer(tok)...).StatusCode)
		resp = srv.Client().JSON(t, http.MethodPost, "/api/v1/auth/signin", fmt.Sprintf(`{"email":%q,"password":%q}`, d.Email, pw))
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
		require.Equal(t, "auth.disabled", decodeErr(t, resp.Body).Error.Code)
		require.Contains(t, decodeErr(t, resp.Body).Error.Message, "disabled: Selling stolen books;", "the user reads why")
	})
}

// TestAPI_CrossOrigin: only what a browser adds by itself (the cookie, or
// Basic credentials it keeps for the site) is held to the shop's origin; a
// request with a bearer token is served by that token or as a visitor,
// never as the cookie's holder.
func TestAPI_CrossOrigin(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, nil)
	u := srv.CreateUser(t, nil)
	tok := signIn(t, srv.Client(), u.Email, pw)
	browser := srv.Client()
	resp := browser.JSON(t, http.MethodPost, "/api/v1/auth/signin", fmt.Sprintf(`{"email":%q,"password":%q,"cookie":true}`, u.Email, pw))
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	foreign := []string{"Origin", "https://elsewhere.example"}
	crossSite := []string{"Sec-Fetch-Site", "cross-site"}
	rename := `{"name":"Renamed"}`

	for _, from := range [][]string{foreign, crossSite} {
		resp = srv.Client().JSON(t, http.MethodPatch, "/api/v1/me", rename, append(webtest.Bearer(tok), from...)...)
		require.Equal(t, http.StatusOK, resp.StatusCode, "bearer from %v: %s", from, resp.Body)

		resp = browser.JSON(t, http.MethodPatch, "/api/v1/me", rename, from...)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, "cookie from %v", from)
		require.Equal(t, "csrf", decodeErr(t, resp.Body).Error.Code)

		for _, header := range []string{"Bearer not-a-token", "Bearer ", "bearer"} {
			resp = browser.JSON(t, http.MethodPatch, "/api/v1/me", rename, append([]string{"Authorization", header}, from...)...)
			require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%q beside the cookie, from %v: %s", header, from, resp.Body)
		}
		resp = browser.JSON(t, http.MethodPatch, "/api/v1/me", rename, append([]string{"Authorization", "Basic dXNlcjpwYXNz"}, from...)...)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, "Basic credentials a browser keeps are checked as the cookie: %s", resp.Body)
		require.Equal(t, "csrf", decodeErr(t, resp.Body).Error.Code)
	}
	resp = browser.JSON(t, http.MethodGet, "/api/v1/me", "", "Authorization", "Basic dXNlcjpwYXNz")
	require.Equal(t, http.StatusOK, resp.StatusCode, "behind a password-protected proxy, the cookie still signs in")
	resp = browser.JSON(t, http.MethodGet, "/api/v1/me", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "the cookie's session lives on")
}

func TestAPI_Admin(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, nil)
	admin := srv.CreateUser(t, &authtest.UserOpts{Email: "boss@example.com", Admin: true})
	member := srv.CreateUser(t, &authtest.UserOpts{Email: "member@example.com", Name: "Member"})
	adminTok := signIn(t, srv.Client(), admin.Email, pw)
	memberTok := signIn(t, srv.Client(), member.Email, pw)
	b := srv.Client()

	for _, c := range []struct{ method, path string }{
		{http.MethodGet, "/api/v1/admin/users"},
		{http.MethodPost, fmt.Sprintf("/api/v1/admin/users/%d/disable", admin.ID)},
		{http.MethodPost, fmt.Sprintf("/api/v1/admin/users/%d/enable", admin.ID)},
	} {
		resp := b.JSON(t, c.method, c.path, "", webtest.Bearer(memberTok)...)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, c.path)
		require.Equal(t, "auth.forbidden", decodeErr(t, resp.Body).Error.Code)
		resp = b.JSON(t, c.method, c.path, "")
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, c.path)
	}

	resp := b.JSON(t, http.MethodGet, "/api/v1/admin/users?q=MEMBER", "", webtest.Bearer(adminTok)...)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var page struct {
		Users []struct {
			Email string `json:"email"`
		} `json:"users"`
		Page    int  `json:"page"`
		HasNext bool `json:"has_next"`
	}
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &page))
	require.Len(t, page.Users, 1)
	require.Equal(t, "member@example.com", page.Users[0].Email)
	require.Equal(t, 1, page.Page)
	require.False(t, page.HasNext)
	resp = b.JSON(t, http.MethodGet, "/api/v1/admin/users?q=nobody&page=x", "", webtest.Bearer(adminTok)...)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Body, `"users":[]`)

	resp = b.JSON(t, http.MethodPost, fmt.Sprintf("/api/v1/admin/users/%d/disable", member.ID), `{"reason":"spam"}`, webtest.Bearer(adminTok)...)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp = b.JSON(t, http.MethodPost, fmt.Sprintf("/api/v1/admin/users/%d/enable", member.ID), "", webtest.Bearer(adminTok)...)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Body, `"disabled":false`)
	for path, status := range map[string]int{
		"/api/v1/admin/users/abc/disable":                       404,
		"/api/v1/admin/users/-1/disable":                        404,
		"/api/v1/admin/users/99999999/disable":                  404,
		fmt.Sprintf("/api/v1/admin/users/%d/disable", admin.ID): 409,
	} {
		resp = b.JSON(t, http.MethodPost, path, `{"reason":"spam"}`, webtest.Bearer(adminTok)...)
		require.Equal(t, status, resp.StatusCode, path)
		decodeErr(t, resp.Body)
	}
}

func TestAPI_AdminRoles(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, nil)
	admin := srv.CreateUser(t, &authtest.UserOpts{Admin: true})
	member := srv.CreateUser(t, nil)
	off := srv.CreateUser(t, &authtest.UserOpts{Disabled: true})
	adminTok := signIn(t, srv.Client(), admin.Email, pw)
	memberTok := signIn(t, srv.Client(), member.Email, pw)
	b := srv.Client()
	post := func(id auth.UserID, action, tok string) webtest.Response {
		return b.JSON(t, http.MethodPost, fmt.Sprintf("/api/v1/admin/users/%d/%s", id, action), "", webtest.Bearer(tok)...)
	}
	refused := func(resp webtest.Response, status int, code, msg string) {
		t.Helper()
		require.Equal(t, status, resp.StatusCode, resp.Body)
		e := decodeErr(t, resp.Body).Error
		require.Equal(t, code, e.Code)
		if msg != "" {
			require.Equal(t, msg, e.Message)
		}
	}

	refused(post(member.ID, "promote", memberTok), http.StatusForbidden, "auth.forbidden", "")
	require.Equal(t, http.StatusUnauthorized, b.JSON(t, http.MethodPost, fmt.Sprintf("/api/v1/admin/users/%d/promote", member.ID), "").StatusCode)

	resp := post(member.ID, "promote", adminTok)
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	require.Contains(t, resp.Body, `"role":"admin"`)
	require.Equal(t, http.StatusUnauthorized, b.JSON(t, http.MethodGet, "/api/v1/me", "", webtest.Bearer(memberTok)...).StatusCode, "its tokens end")
	memberTok = signIn(t, srv.Client(), member.Email, pw)
	require.Equal(t, http.StatusOK, b.JSON(t, http.MethodGet, "/api/v1/admin/users", "", webtest.Bearer(memberTok)...).StatusCode, "the new rights hold at once")
	refused(post(member.ID, "promote", adminTok), http.StatusConflict, "auth.role_conflict", member.Email+" is already an admin")

	refused(post(member.ID, "demote", memberTok), http.StatusConflict, "auth.self", "you cannot take away your own admin rights; another admin can")
	resp = post(member.ID, "demote", adminTok)
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	require.Contains(t, resp.Body, `"role":"member"`)
	require.Equal(t, http.StatusUnauthorized, b.JSON(t, http.MethodGet, "/api/v1/me", "", webtest.Bearer(memberTok)...).StatusCode, "its tokens end")
	memberTok = signIn(t, srv.Client(), member.Email, pw)
	require.Equal(t, http.StatusForbidden, b.JSON(t, http.MethodGet, "/api/v1/admin/users", "", webtest.Bearer(memberTok)...).StatusCode, "the rights are gone at once")
	refused(post(member.ID, "demote", adminTok), http.StatusConflict, "auth.role_conflict", member.Email+" is not an admin")

	refused(post(off.ID, "promote", adminTok), http.StatusConflict, "auth.role_conflict", off.Email+" is disabled; enable the account before making it an admin")
	for _, path := range []string{"/api/v1/admin/users/abc/promote", "/api/v1/admin/users/99999999/promote", "/api/v1/admin/users/99999999/demote"} {
		resp = b.JSON(t, http.MethodPost, path, "", webtest.Bearer(adminTok)...)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, path)
		decodeErr(t, resp.Body)
	}
}

func TestAPI_RateLimit(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, &authtest.ServerOpts{NowFunc: stopped(), Limits: &service.Limits{Window: time.Minute, SignInPerAddress: 100, SignInPerAccountAddress: 2, PasswordChecksPerAccount: 2, SignUpPerAddress: 100, SignUpPerAccount: 100}})
	b := srv.Client()
	for range 2 {
		b.JSON(t, http.MethodPost, "/api/v1/auth/signin", `{"email":"victim@example.com","password":"guess guess"}`)
	}
	resp := b.JSON(t, http.MethodPost, "/api/v1/auth/signin", `{"email":"Victim@example.com","password":"guess guess"}`)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.Equal(t, "60", resp.Header.Get("Retry-After"))
	e := decodeErr(t, resp.Body)
	require.Equal(t, "auth.rate_limited", e.Error.Code)
	require.Equal(t, "too many attempts; please wait 1 minute and try again", e.Error.Message)

	u := srv.CreateUser(t, nil)
	tok := signIn(t, srv.Client(), u.Email, pw)
	for range 2 {
		resp = b.JSON(t, http.MethodPost, "/api/v1/me/password", `{"current_password":"guess guess","new_password":"a fresh long secret"}`, webtest.Bearer(tok)...)
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, resp.Body)
	}
	resp = b.JSON(t, http.MethodPost, "/api/v1/me/password", `{"current_password":"`+pw+`","new_password":"a fresh long secret"}`, webtest.Bearer(tok)...)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "even the right password, once the account's guesses are spent")
	require.Equal(t, "auth.rate_limited", decodeErr(t, resp.Body).Error.Code)
}

func TestAPI_Account(t *testing.T) {
	t.Parallel()
	srv := authtest.NewServer(t, nil)

	t.Run("ChangeName", func(t *testing.T) {
		t.Parallel()
		u := srv.CreateUser(t, nil)
		tok := signIn(t, srv.Client(), u.Email, pw)
		b := srv.Client()
		resp := b.JSON(t, http.MethodPatch, "/api/v1/me", `{"name":"  Renamed <b>x</b> "}`, webtest.Bearer(tok)...)
		require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
		require.Equal(t, "no-store", resp.Header.Get("Cache-Control"), "an answer about the signed-in user is private")
		require.Equal(t, "no-store", b.Get(t, "/api/v1/me", webtest.Bearer(tok)...).Header.Get("Cache-Control"))
		var out struct{ User struct{ Name string } }
		require.NoError(t, json.Unmarshal([]byte(resp.Body), &out))
		require.Equal(t, "Renamed <b>x</b>", out.User.Name)
		for body, status := range map[string]int{
			``:                                  400,
			`{}`:                                422,
			`{"name":1}`:                        400,
			`{"name":"ok name","role":"admin"}`: 400,
			`{"name":"` + strings.Repeat("n", 10240) + `"}`: 422,
		} {
			resp = b.JSON(t, http.MethodPatch, "/api/v1/me", body, webtest.Bearer(tok)...)
			require.Equal(t, status, resp.StatusCode, body)
			decodeErr(t, resp.Body)
		}
		require.Equal(t, http.StatusUnauthorized, b.JSON(t, http.MethodPatch, "/api/v1/me", `{"name":"Anon"}`).StatusCode)
	})

	t.Run("NotificationSettings", func(t *testing.T) {
		t.Parallel()
		u := srv.CreateUser(t, nil)
		tok := signIn(t, srv.Client(), u.Email, pw)
		b := srv.Client()
		resp := b.JSON(t, http.MethodGet, "/api/v1/me/notification-settings", "", webtest.Bearer(tok)...)
		require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
		require.JSONEq(t, `{"email_verified":true,"emails":{"order_placed":true,"order_shipped":true,"order_delivered":false,"order_problem":true,
			"sale_paid":true,"sale_cancelled":true,"sale_delivered":false,"want_match":true}}`, resp.Body)
		resp = b.JSON(t, http.MethodPut, "/api/v1/me/notification-settings", `{"emails":{"want_match":false,"sale_delivered":true}}`, webtest.Bearer(tok)...)
		require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
		require.JSONEq(t, `{"email_verified":true,"emails":{"order_placed":true,"order_shipped":true,"order_delivered":false,"order_problem":true,
			"sale_paid":true,"sale_cancelled":true,"sale_delivered":true,"want_match":false}}`, resp.Body)
		for body, want := range map[string]struct {
			status int
			field  string
		}{
			``:                               {400, ""},
			`{"emails":{"want_match":"no"}}`: {400, "emails.want_match"},
			`{"emails":{"spam":true}}`:       {400, "emails.spam"},
			`{"emails":["want_match"]}`:      {400, "emails"},
			`{"emails":{},"other":1}`:        {400, "other"},
			`{}`:                             {422, "emails"},
			`{"emails":null}`:                {422, "emails"},
			`null`:                           {400, ""},
		} {
			resp = b.JSON(t, http.MethodPut, "/api/v1/me/notification-settings", body, webtest.Bearer(tok)...)
			require.Equal(t, want.status, resp.StatusCode, body)
			e := decodeErr(t, resp.Body).Error
			if want.field != "" {
				require.Equal(t, []string{want.field}, keys(e.Fields), body)
			}
			if want.status == 400 {
				require.Equal(t, "bad_request", e.Code, body)
			}
		}
		resp = b.JSON(t, http.MethodGet, "/api/v1/me/notification-settings", "", webtest.Bearer(tok)...)
		require.Contains(t, resp.Body, `"want_match":false`, "refused edits changed nothing")
		require.Equal(t, http.StatusUnauthorized, b.JSON(t, http.MethodGet, "/api/v1/me/notification-settings", "").StatusCode)
	})

	t.Run("ChangePasswordKeepsThisToken", func(t *testing.T) {
		t.Parallel()
		u := srv.CreateUser(t, nil)
		keep := signIn(t, srv.Client(), u.Email, pw)
		other := signIn(t, srv.Client(), u.Email, pw)
		b := srv.Client()
		resp := b.JSON(t, http.MethodPost, "/api/v1/me/password", `{"current_password":"wrong one","new_password":"short"}`, webtest.Bearer(keep)...)
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		require.ElementsMatch(t, []string{"current_password", "new_password"}, keys(decodeErr(t, resp.Body).Error.Fields))
		resp = b.JSON(t, http.MethodPost, "/api/v1/me/password", `{"current_password":"`+pw+`","new_password":"a fresh long secret"}`, webtest.Bearer(keep)...)
		require.Equal(t, http.StatusNoContent, resp.StatusCode, resp.Body)
		require.Equal(t, http.StatusOK, b.JSON(t, http.MethodGet, "/api/v1/me", "", webtest.Bearer(keep)...).StatusCode)
		require.Equal(t, http.StatusUnauthorized, b.JSON(t, http.MethodGet, "/api/v1/me", "", webtest.Bearer(other)...).StatusCode)
		signIn(t, srv.Client(), u.Email, "a fresh long secret")
	})

	t.Run("SignOutEverywhere", func(t *testing.T) {
		t.Parallel()
		u := srv.CreateUser(t, nil)
		one := signIn(t, srv.Client(), u.Email, pw)
		two := signIn(t, srv.Client(), u.Email, pw)
		b := srv.Client()
		require.Equal(t, http.StatusNoContent, b.JSON(t, http.MethodPost, "/api/v1/me/signout-everywhere", "", webtest.Bearer(one)...).StatusCode)
		for _, tok := range []string{one, two} {
			require.Equal(t, http.StatusUnauthorized, b.JSON(t, http.MethodGet, "/api/v1/me", "", webtest.Bearer(tok)...).StatusCode)
		}
		require.Equal(t, http.StatusUnauthorized, b.JSON(t, http.MethodPost, "/api/v1/me/signout-everywhere", "", webtest.Bearer(one)...).StatusCode)
	})
}

// stopped is a clock that does not move, so Retry-After is exact.
func stopped() func() time.Time {
	now := time.Now()
	return func() time.Time { return now }
}
