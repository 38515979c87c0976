package api_test

import (
	"context"
	"testing"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

// FuzzHTTP sends auth's pages and API every request the fuzzer makes of
// these (sign-up, sign-in and account bodies, email links and password
// resets, forms, query strings), as a
// member, an admin (bearer tokens) or a visitor: none may answer 5xx.
// make test runs it with -fuzz for a few seconds; go test runs the seeds
// and the corpus in testdata/fuzz.
func FuzzHTTP(f *testing.F) {
	srv := authtest.NewServer(f, nil)
	ctx := context.Background()
	member := srv.CreateUser(f, nil)
	admin := srv.CreateUser(f, &authtest.UserOpts{Admin: true})
	token := func(email string) []string {
		return webtest.Bearer(authtest.SignIn(ctx, f, srv.Pool, email, authtest.DefaultPassword).ID)
	}
	const form, json = "application/x-www-form-urlencoded", "application/json"
	webtest.Fuzz(f, srv.Client(), [][]string{token(member.Email), token(admin.Email)},
		webtest.Seed{Method: "POST", Target: "/api/v1/auth/signin", ContentType: json, Body: `{"email":"a\u0000@example.com","password":"x","cookie":true}`},
		webtest.Seed{Method: "POST", Target: "/api/v1/auth/signup", ContentType: json, Body: `{"email":"new@example.com","name":"\u202enimdA","password":"0123456789"}`},
		webtest.Seed{Method: "POST", Target: "/api/v1/auth/signout"},
		webtest.Seed{Method: "GET", Target: "/api/v1/me"},
		webtest.Seed{Method: "PATCH", Target: "/api/v1/me", ContentType: json, Body: `{"name":"Ada"}`},
		webtest.Seed{Method: "GET", Target: "/api/v1/admin/users?q=%C0%AF&page=99999999999"},
		webtest.Seed{Method: "POST", Target: "/signin", ContentType: form, Body: "email=a%FF%40example.com&password=x&next=//evil.example"},
		webtest.Seed{Method: "POST", Target: "/signup", ContentType: form, Body: "email=b%40example.com&name=B&password=0123456789"},
		webtest.Seed{Method: "GET", Target: "/admin/users?q=%00"},
		webtest.Seed{Method: "POST", Target: "/api/v1/auth/password/forgot", ContentType: json, Body: `{"email":"a\u0000@example.com"}`},
		webtest.Seed{Method: "POST", Target: "/api/v1/auth/password/reset", ContentType: json, Body: `{"token":"\u0000","password":"0123456789"}`},
		webtest.Seed{Method: "POST", Target: "/api/v1/auth/verify-email", ContentType: json, Body: `{"token":"%FF"}`},
		webtest.Seed{Method: "POST", Target: "/api/v1/me/verify-email/resend"},
		webtest.Seed{Method: "GET", Target: "/password/reset?token=%FF"},
		webtest.Seed{Method: "POST", Target: "/password/forgot", ContentType: form, Body: "email=a%00%40example.com"},
		webtest.Seed{Method: "POST", Target: "/account/verify", ContentType: form, Body: "token=%C0%AF"},
	)
}
