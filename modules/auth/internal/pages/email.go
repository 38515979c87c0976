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

// An emailed link opens a page with a button rather than acting on GET:
// mail scanners fetch links, and would spend a single-use link before its
// owner clicks it.

func (h *handler) verifyForm(w http.ResponseWriter, r *http.Request) {
	web.Render(w, r, http.StatusOK, view.Page{Title: "Confirm your email address", Body: verifyPage(linkPage{Token: r.URL.Query().Get("token")}), Private: true})
}

func (h *handler) verify(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		web.Error(w, r, err)
		return
	}
	u, err := h.svc.VerifyEmail(r.Context(), r.PostForm.Get("token"))
	if errors.Is(err, service.ErrBadLink) {
		web.Render(w, r, web.Status(err), view.Page{Title: "Confirm your email address", Body: verifyPage(linkPage{Message: err.Error()})})
		return
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.Redirect(w, r, "success", "Thank you: "+mail.ShownAddress(u.Email)+" is confirmed, and you can publish listings.", "/")
}

func (h *handler) resendVerification(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err == nil {
		err = h.svc.ResendVerification(r.Context(), u.ID)
	}
	next := web.Back(r, "/account")
	switch {
	case errors.Is(err, service.ErrAlreadyVerified):
		web.Redirect(w, r, "success", err.Error()+".", next)
	case err != nil:
		web.Error(w, r, err)
	default:
		web.Redirect(w, r, "success", "We sent a new link to "+mail.ShownAddress(u.Email)+"; earlier links no longer work.", next)
	}
}

func (h *handler) forgotForm(w http.ResponseWriter, r *http.Request) {
	web.Render(w, r, http.StatusOK, view.Page{Title: "Forgot your password?", Body: forgotPage(formPage{})})
}

// forgotSent is the one answer to every reset request, whether or not the
// address has an account.
const forgotSent = "If an account uses that address, we have sent it a link to choose a new password. It works once, for an hour."

func (h *handler) forgot(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		web.Error(w, r, err)
		return
	}
	email := r.PostForm.Get("email")
	err := h.svc.RequestPasswordReset(r.Context(), email, httpauth.ClientAddr(r))
	if fields, ok := invalidFields(err); ok {
		web.Render(w, r, web.Status(err), view.Page{Title: "Forgot your password?", Body: forgotPage(formPage{Email: email, Errors: fields})})
		return
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.Redirect(w, r, "success", forgotSent, "/signin")
}

func (h *handler) resetForm(w http.ResponseWriter, r *http.Request) {
	web.Render(w, r, http.StatusOK, view.Page{Title: "Choose a new password", Body: resetPage(linkPage{Token: r.URL.Query().Get("token")}), Private: true})
}

func (h *handler) reset(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		web.Error(w, r, err)
		return
	}
	token := r.PostForm.Get("token")
	sess, err := h.svc.ResetPassword(r.Context(), service.ResetPasswordInput{Token: token, New: r.PostForm.Get("password"), Keep: httpauth.Cookie(r)})
	if errors.Is(err, service.ErrBadLink) {
		web.Render(w, r, web.Status(err), view.Page{Title: "Choose a new password", Body: resetPage(linkPage{Message: err.Error()})})
		return
	}
	if fields, ok := invalidFields(err); ok {
		web.Render(w, r, web.Status(err), view.Page{Title: "Choose a new password", Body: resetPage(linkPage{Token: token, Errors: fields}), Private: true})
		return
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	httpauth.RenewCookie(w, sess)
	web.Redirect(w, r, "success", "Your password is changed, and every other session is signed out.", afterLink(r))
}

// afterLink is where the page of an emailed link goes once the link has
// worked: the account page of a signed-in visitor, else sign-in.
func afterLink(r *http.Request) string {
	if _, signedIn := auth.UserFrom(r.Context()); signedIn {
		return "/account"
	}
	return "/signin"
}
