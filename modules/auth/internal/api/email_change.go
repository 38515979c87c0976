package api

import (
	"net/http"
	"time"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/httpauth"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/web"
)

// EmailChange is a change of address waiting for its emailed link.
type EmailChange struct {
	Email     string    `json:"email"`
	ExpiresAt time.Time `json:"expires_at"`
}

// EmailState is the user's address and the change pending for it, if any.
type EmailState struct {
	Email   string       `json:"email"`
	Pending *EmailChange `json:"pending"`
}

func emailState(u auth.User, pending service.EmailChange, ok bool) EmailState {
	s := EmailState{Email: u.Email}
	if ok {
		s.Pending = &EmailChange{Email: pending.Email, ExpiresAt: pending.ExpiresAt}
	}
	return s
}

// emailChange is GET /api/v1/me/email.
func (h *handler) emailChange(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	pending, ok, err := h.svc.PendingEmailChange(r.Context(), u.ID)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, emailState(u, pending, ok))
}

type changeEmailRequest struct {
	Email    string `json:"email" maxLength:"254"`
	Password string `json:"password"`
}

// requestEmailChange is POST /api/v1/me/email: the account page's form.
// The address changes when the link mailed to the new one is opened.
func (h *handler) requestEmailChange(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var req changeEmailRequest
	if err := web.DecodeJSON(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	pending, err := h.svc.RequestEmailChange(r.Context(), u.ID, service.ChangeEmailInput{Email: req.Email, Password: req.Password})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusAccepted, emailState(u, pending, true))
}

// cancelEmailChange is DELETE /api/v1/me/email.
func (h *handler) cancelEmailChange(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err == nil {
		err = h.svc.CancelEmailChange(r.Context(), u.ID)
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// confirmEmailChange spends a change-of-address link's token, as the page
// the link opens does.
func (h *handler) confirmEmailChange(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if err := web.DecodeJSON(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	u, sess, err := h.svc.ConfirmEmailChange(r.Context(), service.ConfirmEmailChangeInput{Token: req.Token, Keep: credential(r)})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	httpauth.RenewCookie(w, sess)
	web.JSON(w, http.StatusOK, UserBody{User: FromUser(u)})
}
