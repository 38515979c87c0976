package pages

import (
	"net/url"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/platform/view/viewtest"
)

// TestPages_IsolateTextDirection renders the account and the admin's list
// of users with a right-to-left name and reason, and requires each to be
// isolated (dir="auto" or <bdi>), as the header's name is.
func TestPages_IsolateTextDirection(t *testing.T) {
	t.Parallel()
	rtl := "שלום עליכם (כרך 2)!"
	user := auth.User{ID: 7, Email: "a@example.com", Name: rtl, Role: auth.RoleMember, Disabled: true, DisabledReason: rtl, CreatedAt: time.Now()}
	u, _ := url.Parse("/admin/users")
	pages := map[string]templ.Component{
		"account":     accountView(accountPage{User: user, Errors: map[string]string{}}),
		"admin_users": adminUsersView(usersPage{Users: []auth.User{user}, Self: 1, Path: u.RequestURI()}),
		"no_users":    adminUsersView(usersPage{Query: rtl}),
	}
	for name, page := range pages {
		viewtest.RequireIsolated(t, name, page, rtl)
	}
}
