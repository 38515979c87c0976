package pages

import (
	"net/http"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/httpauth"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

// accountPage is the account page's data: the name and new address as
// typed, one message per field of its forms, and the change of address
// waiting for its link, if any.
type accountPage struct {
	User     auth.User
	Name     string
	NewEmail string
	Errors   map[string]string
	Pending  *service.EmailChange
}

// renderAccount draws the account page, with the pending change of
// address read afresh.
func (h *handler) renderAccount(w http.ResponseWriter, r *http.Request, status int, p accountPage) {
	pending, ok, err := h.svc.PendingEmailChange(r.Context(), p.User.ID)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if ok {
		p.Pending = &pending
	}
	web.Render(w, r, status, view.Page{Title: "Your account", Body: accountView(p)})
}

func (h *handler) account(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h.renderAccount(w, r, http.StatusOK, accountPage{User: u, Name: u.Name})
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
		h.renderAccount(w, r, web.Status(err), accountPage{User: u, Name: name, Errors: fields})
		return
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.Redirect(w, r, "success", "Your display name is now "+updated.Name+".", "/account")
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
	sess, err := h.svc.ChangePassword(r.Context(), u.ID, service.ChangePasswordInput{
		Current: r.PostForm.Get("current_password"),
		New:     r.PostForm.Get("new_password"),
		Keep:    httpauth.Cookie(r),
	})
	if fields, ok := invalidFields(err); ok {
		h.renderAccount(w, r, web.Status(err), accountPage{User: u, Name: u.Name, Errors: fields})
		return
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	httpauth.RenewCookie(w, sess)
	web.Redirect(w, r, "success", "Your password is changed, and your other sessions are signed out.", "/account")
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
	web.Redirect(w, r, "success", "You are signed out everywhere.", "/signin")
}
