package pages

import (
	"net/http"

	"github.com/bookstore/bookstore/modules/auth/internal/httpauth"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

func (h *handler) signUpForm(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "signup", "Sign up", formPage{Next: httpauth.SafeNext(r.URL.Query().Get("next"))})
}

func (h *handler) signUp(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		web.Error(w, r, err)
		return
	}
	in := service.SignUpInput{
		Email:      r.PostForm.Get("email"),
		Name:       r.PostForm.Get("name"),
		Password:   r.PostForm.Get("password"),
		ClientAddr: httpauth.ClientAddr(r),
		Previous:   httpauth.Cookie(r),
	}
	next := httpauth.SafeNext(r.PostForm.Get("next"))
	u, sess, err := h.svc.SignUp(r.Context(), in)
	if fields, ok := invalidFields(err); ok {
		h.render(w, r, web.Status(err), "signup", "Sign up", formPage{
			Form:   map[string]string{"email": in.Email, "name": in.Name},
			Errors: fields, Next: next,
		})
		return
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	httpauth.SetCookie(w, sess)
	view.SetFlash(w, "success", "Welcome, "+u.Name+"! Your account is ready.")
	http.Redirect(w, r, next, http.StatusSeeOther)
}
