// Package web serves the accounts pages: sign up, sign in and out, the
// account page, and the admin index and users pages.
package pages

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

// Templates parses the module's pages; tests render each one.
func Templates() (*view.Set, error) {
	sub, err := fs.Sub(templatesFS, "templates")
	if err != nil {
		return nil, err
	}
	return view.Parse(sub)
}

type handler struct {
	svc  *service.Service
	view *view.Set
}

// Routes returns the module's pages.
func Routes(svc *service.Service) (web.Routes, error) {
	set, err := Templates()
	if err != nil {
		return nil, err
	}
	h := &handler{svc: svc, view: set}
	return func(r chi.Router) {
		r.Get("/signup", h.signUpForm)
		r.Post("/signup", h.signUp)
		r.Get("/signin", h.signInForm)
		r.Post("/signin", h.signIn)
		r.Post("/signout", h.signOut)
		r.Get("/account", h.account)
		r.Post("/account/name", h.changeName)
		r.Post("/account/password", h.changePassword)
		r.Post("/account/signout-everywhere", h.signOutEverywhere)
		// The middleware already refuses non-admins under /admin.
		r.Get("/admin", h.adminIndex)
		r.Get("/admin/users", h.listUsers)
		r.Post("/admin/users/{id}/disable", h.setDisabled(true))
		r.Post("/admin/users/{id}/enable", h.setDisabled(false))
	}, nil
}

func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, page, title string, data any) {
	if err := h.view.Render(w, r, status, page, view.Page{Title: title, Data: data}); err != nil {
		web.Error(w, r, err)
	}
}

// formPage is the data of a form page: the typed values (never a
// password), one message per field, and a message for the whole form.
type formPage struct {
	Form     map[string]string
	Errors   map[string]string
	Message  string
	Next     string
	Remember bool
}
