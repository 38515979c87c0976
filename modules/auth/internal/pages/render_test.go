package pages

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/platform/view"
)

// TestTemplates_RenderEveryPage renders each page with sample data, signed
// in and out, and checks that user text comes out escaped.
func TestTemplates_RenderEveryPage(t *testing.T) {
	t.Parallel()
	set, err := Templates()
	require.NoError(t, err)
	evil := "<script>alert(1)</script>"
	user := auth.User{ID: 7, Email: "a@example.com", Name: evil, Role: auth.RoleAdmin, CreatedAt: time.Now()}
	u, _ := url.Parse("/admin/users?q=x&page=2")
	samples := map[string]any{
		"signup":      formPage{Form: map[string]string{"email": evil, "name": evil}, Errors: map[string]string{"email": "bad email", "name": "bad name", "password": "bad password"}, Next: "/books"},
		"signin":      formPage{Form: map[string]string{"email": evil}, Message: "the email or password is not right", Next: "/", Remember: true},
		"account":     accountPage{User: user, formPage: formPage{Form: map[string]string{"name": evil}, Errors: map[string]string{"name": "bad name", "current_password": "wrong"}}},
		"admin":       nil,
		"admin_users": usersPage{Query: evil, Users: []auth.User{user, {ID: 8, Email: "b@example.com", Name: "B", Role: auth.RoleMember, Disabled: true}}, Pager: view.NewPager(u, 2, true), Self: 7},
	}
	names := set.Pages()
	sort.Strings(names)
	require.Len(t, names, len(samples), "every page has sample data here")
	for _, name := range names {
		data, ok := samples[name]
		require.True(t, ok, name)
		for _, nav := range []*view.Nav{{}, {SignedIn: true, UserName: evil, Admin: true, CSRFToken: "tok"}} {
			req := httptest.NewRequest(http.MethodGet, "/x", nil)
			req = req.WithContext(view.WithNav(req.Context(), nav))
			rec := httptest.NewRecorder()
			require.NoError(t, set.Render(rec, req, http.StatusOK, name, view.Page{Title: name, Data: data}), name)
			body := rec.Body.String()
			require.NotContains(t, body, evil, name)
			require.Contains(t, body, "</html>", name)
			if nav.SignedIn && name != "admin" {
				require.Contains(t, body, `name="csrf_token" value="tok"`, name)
			}
		}
	}
}
