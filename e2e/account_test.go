package e2e

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The account pages of the auth module: sign up from the header, the
// account menu and page, the 403 page of a member at /admin, sign out, and
// sign in with "next" bringing the member back where they were going.
func pagesAccount(t *testing.T, j *Journey) {
	member := j.Person("member")
	p := newPerson("Maria Member")

	member.Visit("/", "home")
	member.ClickAndLoad(`header a[href="/signup"]`, "sign-up")
	fillSignUp(member, p)
	member.Submit(`main [name="password"]`, "signed-up")
	member.WaitText(p.Name)

	member.Click(".account summary")
	member.WaitText("My listings")
	member.Page("account-menu")
	member.ClickAndLoad(`.account a[href="/account"]`, "account")
	member.WaitText(p.Email)

	member.Visit("/admin", "forbidden")
	member.WaitText("Forbidden")

	member.Click(".account summary")
	member.ClickAndLoad(`.account form[action="/signout"] button`, "signed-out")
	member.WaitText("Sign in")
	require.NotContains(t, member.Text(), p.Name)

	member.Visit("/account", "account-asks-sign-in")
	require.Regexp(t, `^/signin\?next=%2Faccount`, member.Path(), "a signed-out visitor is sent to sign in")
	member.Fill(`main [name="email"]`, p.Email)
	member.Fill(`main [name="password"]`, p.Password)
	member.Check(`main input[type="checkbox"]`)
	member.Submit(`main [name="password"]`, "signed-in")
	require.Equal(t, "/account", member.Path(), "signing in leads back to the page asked for")
	member.WaitText(p.Email)

	// The same pages on a phone.
	phone := j.PersonSized("phone", 360, 740)
	for _, page := range []string{"/signup", "/signin"} {
		phone.Visit(page, page[1:]+"-360px")
		phone.RequireFits()
	}
	signIn(phone, p)
	phone.Visit("/account", "account-360px")
	phone.RequireFits()
}
