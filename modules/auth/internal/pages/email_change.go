package pages

import (
	"errors"
	"net/http"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/httpauth"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

func (h *handler) requestEmailChange(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err == nil {
		err = web.ParseForm(r)
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	email := r.PostForm.Get("email")
	pending, err := h.svc.RequestEmailChange(r.Context(), u.ID, service.ChangeEmailInput{Email: email, Password: r.PostForm.Get("password")})
	if fields, ok := invalidFields(err); ok {
		h.renderAccount(w, r, web.Status(err), accountPage{User: u, Name: u.Name, NewEmail: email, Errors: fields})
		return
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.Redirect(w, r, "success", "We sent a link to "+mail.ShownAddress(pending.Email)+"; your address stays "+
		mail.ShownAddress(u.Email)+" until you open it.", "/account")
}

func (h *handler) cancelEmailChange(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err == nil {
		err = h.svc.CancelEmailChange(r.Context(), u.ID)
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.Redirect(w, r, "success", "No change of address is pending; your address stays "+mail.ShownAddress(u.Email)+".", "/account")
}

// The link opens a page with a button, as the verification link does.
func (h *handler) confirmEmailChangeForm(w http.ResponseWriter, r *http.Request) {
	web.Render(w, r, http.StatusOK, view.Page{Title: "Confirm your new email address",
		Body: emailChangeConfirmPage(linkPage{Token: r.URL.Query().Get("token")}), Private: true})
}

func (h *handler) confirmEmailChange(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		web.Error(w, r, err)
		return
	}
	u, sess, err := h.svc.ConfirmEmailChange(r.Context(), service.ConfirmEmailChangeInput{Token: r.PostForm.Get("token"), Keep: httpauth.Cookie(r)})
	if errors.Is(err, service.ErrBadLink) || errors.Is(err, service.ErrEmailTaken) {
		web.Render(w, r, web.Status(err), view.Page{Title: "Confirm your new email address", Body: emailChangeConfirmPage(linkPage{Message: err.Error()})})
		return
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	httpauth.RenewCookie(w, sess)
	web.Redirect(w, r, "success", "Your email address is now "+mail.ShownAddress(u.Email)+", and your other devices are signed out.", afterLink(r))
}
