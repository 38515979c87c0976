package pages

import (
	"errors"
	"net/http"

	"github.com/bookstore/bookstore/modules/auth/internal/httpauth"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

func (h *handler) signInForm(w http.ResponseWriter, r *http.Request) {
	web.Render(w, r, http.StatusOK, view.Page{Title: "Sign in", Body: signInPage(formPage{Next: web.LocalPath(r.URL.Query().Get("next"), "/")})})
}

func (h *handler) signIn(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		web.Error(w, r, err)
		return
	}
	in := service.SignInInput{
		Email:      r.PostForm.Get("email"),
		Password:   r.PostForm.Get("password"),
		Remember:   r.PostForm.Get("remember") != "",
		ClientAddr: httpauth.ClientAddr(r),
		Previous:   httpauth.Cookie(r),
	}
	next := web.LocalPath(r.PostForm.Get("next"), "/")
	u, sess, err := h.svc.SignIn(r.Context(), in)
	if fields, ok := invalidFields(err); ok {
		web.Render(w, r, web.Status(err), view.Page{Title: "Sign in", Body: signInPage(formPage{
			Email: in.Email, Errors: fields, Next: next, Remember: in.Remember,
		})})
		return
	}
	if errors.Is(err, service.ErrBadCredentials) || errors.Is(err, service.ErrDisabled) || tooMany(w, err) != nil {
		web.Render(w, r, web.Status(err), view.Page{Title: "Sign in", Body: signInPage(formPage{
			Email: in.Email, Message: err.Error(), Next: next, Remember: in.Remember,
		})})
		return
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	httpauth.SetCookie(w, sess)
	web.Redirect(w, r, "success", "Welcome back, "+u.Name+".", next)
}

func (h *handler) signOut(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.SignOut(r.Context(), httpauth.Cookie(r)); err != nil {
		web.Error(w, r, err)
		return
	}
	httpauth.ClearCookie(w)
	web.Redirect(w, r, "success", "You are signed out.", "/")
}
