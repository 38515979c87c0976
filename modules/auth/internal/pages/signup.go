package pages

import (
	"net/http"

	"github.com/bookstore/bookstore/modules/auth/internal/httpauth"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

func (h *handler) signUpForm(w http.ResponseWriter, r *http.Request) {
	web.Render(w, r, http.StatusOK, view.Page{Title: "Sign up", Body: signUpPage(formPage{Next: web.LocalPath(r.URL.Query().Get("next"), "/")})})
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
	next := web.LocalPath(r.PostForm.Get("next"), "/")
	u, sess, err := h.svc.SignUp(r.Context(), in)
	if fields, ok := invalidFields(err); ok {
		web.Render(w, r, web.Status(err), view.Page{Title: "Sign up", Body: signUpPage(formPage{
			Email: in.Email, Name: in.Name, Errors: fields, Next: next,
		})})
		return
	}
	if e := tooMany(w, err); e != nil {
		web.Render(w, r, web.Status(err), view.Page{Title: "Sign up", Body: signUpPage(formPage{
			Email: in.Email, Name: in.Name, Message: e.Message, Next: next,
		})})
		return
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	httpauth.SetCookie(w, sess)
	web.Redirect(w, r, "success", "Welcome, "+u.Name+"! Your account is ready.", next)
}
