// Package api serves the accounts JSON API under /api/v1: sign up, sign in
// and out, the current user, and the admin's users endpoints.
package api

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/httpauth"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

// User is the JSON shape of an account.
type User struct {
	ID       int64  `json:"id"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Disabled bool   `json:"disabled"`
	// DisabledReason is why an admin disabled the account, only then.
	DisabledReason string `json:"disabled_reason,omitempty"`
	// EmailVerified is set once the user opened the emailed link.
	EmailVerified bool      `json:"email_verified"`
	CreatedAt     time.Time `json:"created_at"`
}

// FromUser converts a user for the wire.
func FromUser(u auth.User) User {
	return User{ID: int64(u.ID), Email: u.Email, Name: u.Name, Role: string(u.Role), Disabled: u.Disabled, DisabledReason: u.DisabledReason, EmailVerified: u.EmailVerified, CreatedAt: u.CreatedAt}
}

// UserBody wraps one user.
type UserBody struct {
	User User `json:"user"`
}

// SignInResult is the answer to a sign-in: the user, and the bearer token
// unless the client asked for a cookie.
type SignInResult struct {
	User  User   `json:"user"`
	Token string `json:"token,omitempty"`
}

// UsersPage is a page of the admin's user search.
type UsersPage struct {
	Users   []User `json:"users"`
	Page    int    `json:"page"`
	HasNext bool   `json:"has_next"`
}

// PerPage is the length of a page of users.
const PerPage = 50

type handler struct{ svc *service.Service }

// Routes returns the module's API.
func Routes(svc *service.Service) web.Routes {
	h := &handler{svc: svc}
	return func(r chi.Router) {
		r.Post("/api/v1/auth/signup", h.signUp)
		r.Post("/api/v1/auth/signin", h.signIn)
		r.Post("/api/v1/auth/signout", h.signOut)
		r.Get("/api/v1/me", h.me)
		r.Patch("/api/v1/me", h.changeName)
		r.Post("/api/v1/me/password", h.changePassword)
		r.Get("/api/v1/me/email", h.emailChange)
		r.Post("/api/v1/me/email", h.requestEmailChange)
		r.Delete("/api/v1/me/email", h.cancelEmailChange)
		r.Post("/api/v1/me/signout-everywhere", h.signOutEverywhere)
		r.Post("/api/v1/me/verify-email/resend", h.resendVerification)
		r.Get("/api/v1/me/notification-settings", h.notificationSettings)
		r.Put("/api/v1/me/notification-settings", h.setNotificationSettings)
		r.Post("/api/v1/auth/verify-email", h.verifyEmail)
		r.Post("/api/v1/auth/email-change/confirm", h.confirmEmailChange)
		r.Post("/api/v1/auth/password/forgot", h.forgotPassword)
		r.Post("/api/v1/auth/password/reset", h.resetPassword)
		// The middleware already refuses non-admins under /api/v1/admin.
		r.Get("/api/v1/admin/users", h.listUsers)
		r.Post("/api/v1/admin/users/{id}/disable", h.disable)
		r.Post("/api/v1/admin/users/{id}/enable", h.enable)
		r.Post("/api/v1/admin/users/{id}/promote", h.promote)
		r.Post("/api/v1/admin/users/{id}/demote", h.demote)
	}
}

type signUpRequest struct {
	Email    string `json:"email" maxLength:"254"`
	Name     string `json:"name" maxLength:"40"`
	Password string `json:"password"`
}

// signUp creates the account and signs it in with the session cookie.
func (h *handler) signUp(w http.ResponseWriter, r *http.Request) {
	var req signUpRequest
	if err := web.DecodeJSON(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	u, sess, err := h.svc.SignUp(r.Context(), service.SignUpInput{
		Email: req.Email, Name: req.Name, Password: req.Password,
		ClientAddr: httpauth.ClientAddr(r), Previous: httpauth.Cookie(r),
	})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	httpauth.SetCookie(w, sess)
	web.JSON(w, http.StatusCreated, UserBody{User: FromUser(u)})
}

type signInRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Remember bool   `json:"remember"`
	// Cookie asks for a browser session in the cookie (a script on the
	// shop's pages) instead of a bearer token.
	Cookie bool `json:"cookie"`
}

// signIn issues a bearer token, or starts a browser session in the cookie
// when the body asks for one: one credential, never a second one the
// client does not know it holds.
func (h *handler) signIn(w http.ResponseWriter, r *http.Request) {
	var req signInRequest
	if err := web.DecodeJSON(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	in := service.SignInInput{
		Email: req.Email, Password: req.Password, Remember: req.Remember,
		ClientAddr: httpauth.ClientAddr(r), Token: !req.Cookie,
	}
	if req.Cookie {
		in.Previous = httpauth.Cookie(r)
	}
	u, sess, err := h.svc.SignIn(r.Context(), in)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if req.Cookie {
		httpauth.SetCookie(w, sess)
		web.JSON(w, http.StatusOK, SignInResult{User: FromUser(u)})
		return
	}
	web.JSON(w, http.StatusOK, SignInResult{User: FromUser(u), Token: sess.ID})
}

// signOut ends every credential the request carries, the bearer token and
// the cookie's session alike, and clears the cookie. Signing out twice is
// not an error.
func (h *handler) signOut(w http.ResponseWriter, r *http.Request) {
	for _, c := range []string{httpauth.Bearer(r), httpauth.Cookie(r)} {
		if err := h.svc.SignOut(r.Context(), c); err != nil {
			web.Error(w, r, err)
			return
		}
	}
	httpauth.ClearCookie(w)
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) me(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, UserBody{User: FromUser(u)})
}

func (h *handler) listUsers(w http.ResponseWriter, r *http.Request) {
	actor, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	page := view.PageParam(r.URL.Query())
	users, hasNext, err := h.svc.ListUsers(r.Context(), actor, r.URL.Query().Get("q"), page, PerPage)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	out := UsersPage{Users: make([]User, 0, len(users)), Page: page, HasNext: hasNext}
	for _, u := range users {
		out.Users = append(out.Users, FromUser(u))
	}
	web.JSON(w, http.StatusOK, out)
}

// disable is POST /api/v1/admin/users/{id}/disable {"reason": …}: the
// reason is required, and the user reads it when signing in.
func (h *handler) disable(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Reason string `json:"reason" maxLength:"500"`
	}
	if err := web.DecodeJSON(w, r, &body); err != nil {
		web.Error(w, r, err)
		return
	}
	h.userAction(w, r, func(actor auth.User, id auth.UserID) (auth.User, error) {
		return h.svc.Disable(r.Context(), actor, id, body.Reason)
	})
}

// enable is POST /api/v1/admin/users/{id}/enable, without a body.
func (h *handler) enable(w http.ResponseWriter, r *http.Request) {
	h.userAction(w, r, func(actor auth.User, id auth.UserID) (auth.User, error) {
		return h.svc.Enable(r.Context(), actor, id)
	})
}

// promote is POST /api/v1/admin/users/{id}/promote, without a body.
func (h *handler) promote(w http.ResponseWriter, r *http.Request) {
	h.userAction(w, r, func(actor auth.User, id auth.UserID) (auth.User, error) {
		return h.svc.SetRole(r.Context(), actor, id, auth.RoleAdmin)
	})
}

// demote is POST /api/v1/admin/users/{id}/demote, without a body.
func (h *handler) demote(w http.ResponseWriter, r *http.Request) {
	h.userAction(w, r, func(actor auth.User, id auth.UserID) (auth.User, error) {
		return h.svc.SetRole(r.Context(), actor, id, auth.RoleMember)
	})
}

// userAction answers an admin's action on the user of the path with the
// user as it now is.
func (h *handler) userAction(w http.ResponseWriter, r *http.Request, act func(auth.User, auth.UserID) (auth.User, error)) {
	actor, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	id, err := web.PathID(r, "id", auth.ErrNotFound)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	u, err := act(actor, auth.UserID(id))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, UserBody{User: FromUser(u)})
}
