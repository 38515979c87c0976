// Package pages serves the accounts pages: sign up, sign in and out, the
// account page, and the admin index and users pages.
package pages

import (
	"github.com/go-chi/chi/v5"

	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/web"
)

type handler struct {
	svc *service.Service
}

// Routes returns the module's pages.
func Routes(svc *service.Service) web.Routes {
	h := &handler{svc: svc}
	return func(r chi.Router) {
		r.Get("/signup", h.signUpForm)
		r.Post("/signup", h.signUp)
		r.Get("/signin", h.signInForm)
		r.Post("/signin", h.signIn)
		r.Post("/signout", h.signOut)
		r.Get("/account", h.account)
		r.Post("/account/name", h.changeName)
		r.Post("/account/password", h.changePassword)
		r.Post("/account/email", h.requestEmailChange)
		r.Post("/account/email/cancel", h.cancelEmailChange)
		r.Get("/account/email/confirm", h.confirmEmailChangeForm)
		r.Post("/account/email/confirm", h.confirmEmailChange)
		r.Post("/account/signout-everywhere", h.signOutEverywhere)
		r.Get("/account/notifications", h.notifications)
		r.Post("/account/notifications", h.setNotifications)
		r.Get("/account/verify", h.verifyForm)
		r.Post("/account/verify", h.verify)
		r.Post("/account/verify/resend", h.resendVerification)
		r.Get("/password/forgot", h.forgotForm)
		r.Post("/password/forgot", h.forgot)
		r.Get("/password/reset", h.resetForm)
		r.Post("/password/reset", h.reset)
		// The middleware already refuses non-admins under /admin.
		r.Get("/admin", h.adminIndex)
		r.Get("/admin/users", h.listUsers)
		r.Post("/admin/users/{id}/disable", h.disable)
		r.Post("/admin/users/{id}/enable", h.enable)
		r.Post("/admin/users/{id}/promote", h.promote)
		r.Post("/admin/users/{id}/demote", h.demote)
	}
}

// formPage is the data of the sign-up and sign-in forms: the typed values
// (never a password), one message per field, and a message for the whole
// form.
type formPage struct {
	Email, Name string
	Errors      map[string]string
	Message     string
	Next        string
	Remember    bool
}
