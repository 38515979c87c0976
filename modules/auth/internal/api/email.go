package api

import (
	"net/http"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/httpauth"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/web"
)

type tokenRequest struct {
	Token string `json:"token"`
}

// verifyEmail spends a verification link's token.
func (h *handler) verifyEmail(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if err := web.DecodeJSON(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	u, err := h.svc.VerifyEmail(r.Context(), req.Token)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, UserBody{User: FromUser(u)})
}

func (h *handler) resendVerification(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err == nil {
		err = h.svc.ResendVerification(r.Context(), u.ID)
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

type forgotRequest struct {
	Email string `json:"email"`
}

// forgotPassword answers 202 whether or not the email has an account.
func (h *handler) forgotPassword(w http.ResponseWriter, r *http.Request) {
	var req forgotRequest
	if err := web.DecodeJSON(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	if err := h.svc.RequestPasswordReset(r.Context(), req.Email, httpauth.ClientAddr(r)); err != nil {
		web.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

type resetRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

func (h *handler) resetPassword(w http.ResponseWriter, r *http.Request) {
	var req resetRequest
	if err := web.DecodeJSON(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	sess, err := h.svc.ResetPassword(r.Context(), service.ResetPasswordInput{Token: req.Token, New: req.Password, Keep: credential(r)})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	httpauth.RenewCookie(w, sess)
	w.WriteHeader(http.StatusNoContent)
}
