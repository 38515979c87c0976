package pages

import (
	"net/url"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/view/viewtest"
)

// TestPages_RenderEveryPage renders each page with sample data, signed in
// and out, and checks that user text comes out escaped.
func TestPages_RenderEveryPage(t *testing.T) {
	t.Parallel()
	evil := "<script>alert(1)</script>"
	user := auth.User{ID: 7, Email: "a@example.com", Name: evil, Role: auth.RoleAdmin, CreatedAt: time.Now()}
	u, _ := url.Parse("/admin/users?q=x&page=2")
	pages := map[string]templ.Component{
		"signup":      signUpPage(formPage{Email: evil, Name: evil, Errors: map[string]string{"email": "bad email", "name": "bad name", "password": "bad password"}, Next: "/books"}),
		"signin":      signInPage(formPage{Email: evil, Message: "the email or password is not right", Next: "/", Remember: true}),
		"account":     accountView(accountPage{User: user, Name: evil, Errors: map[string]string{"name": "bad name", "current_password": "wrong"}}),
		"admin":       adminIndexView(),
		"emails":      notificationsView(newNotificationsPage(user)),
		"emails_none": notificationsView(newNotificationsPage(auth.User{Email: evil, EmailVerified: true, EmailTopics: auth.Topics})),
		"admin_users": adminUsersView(usersPage{Query: evil, Users: []auth.User{user, {ID: 8, Email: "b@example.com", Name: "B", Role: auth.RoleMember, Disabled: true}}, Pager: view.NewPager(u, 2, true), Self: 7, Path: u.RequestURI()}),
		"no_users":    adminUsersView(usersPage{Query: evil}),
		"forgot":      forgotPage(formPage{Email: evil, Errors: map[string]string{"email": "bad email"}}),
		"reset":       resetPage(linkPage{Token: evil, Errors: map[string]string{"password": "too short"}}),
		"reset_dead":  resetPage(linkPage{Message: "this link has expired"}),
		"verify":      verifyPage(linkPage{Token: evil}),
		"verify_dead": verifyPage(linkPage{Message: "this link has expired"}),
		"account_email": accountView(accountPage{User: user, Name: "A", NewEmail: evil, Errors: map[string]string{"email": "bad email", "password": "wrong"},
			Pending: &service.EmailChange{Email: evil + "@example.com", ExpiresAt: time.Now()}}),
		"email_confirm":      emailChangeConfirmPage(linkPage{Token: evil}),
		"email_confirm_dead": emailChangeConfirmPage(linkPage{Message: "this link has expired"}),
	}
	viewtest.RenderEach(t, pages, evil)
}
