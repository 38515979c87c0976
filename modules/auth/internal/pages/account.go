package pages

import (
	"net/http"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/httpauth"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

// accountPage is the account page's data.
type accountPage struct {
	formPage
	User auth.User
}

func (h *handler) account(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "account", "Your account", accountPage{User: u, formPage: formPage{Form: map[string]string{"name": u.Name}}})
}

func (h *handler) changeName(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err == nil {
		err = web.ParseForm(r)
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	name := r.PostForm.Get("name")
	updated, err := h.svc.ChangeName(r.Context(), u.ID, name)
	if fields, ok := invalidFields(err); ok {
		h.render(w, r, web.Status(err), "account", "Your account", accountPage{User: u, formPage: formPage{Form: map[string]string{"name": name}, Errors: fields}})
		return
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	view.SetFlash(w, "success", "Your display name is now "+updated.Name+".")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (h *handler) changePassword(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err == nil {
		err = web.ParseForm(r)
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	err = h.svc.ChangePassword(r.Context(), u.ID, service.ChangePasswordInput{
		Current: r.PostForm.Get("current_password"),
		New:     r.PostForm.Get("new_password"),
		Keep:    httpauth.Cookie(r),
	})
	if fields, ok := invalidFields(err); ok {
		h.render(w, r, web.Status(err), "account", "Your account", accountPage{User: u, formPage: formPage{Form: map[string]string{"name": u.Name}, Errors: fields}})
		return
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	view.SetFlash(w, "success", "Your password is changed, and your other sessions are signed out.")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (h *handler) signOutEverywhere(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := h.svc.SignOutEverywhere(r.Context(), u.ID); err != nil {
		web.Error(w, r, err)
		return
	}
	httpauth.ClearCookie(w)
	view.SetFlash(w, "success", "You are signed out everywhere.")
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}
