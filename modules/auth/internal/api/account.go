package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/httpauth"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/web"
)

type changeNameRequest struct {
	Name string `json:"name" maxLength:"40"`
}

// changeName is PATCH /api/v1/me: the account page's name form.
func (h *handler) changeName(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var req changeNameRequest
	if err := web.DecodeJSON(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	u, err = h.svc.ChangeName(r.Context(), u.ID, req.Name)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, UserBody{User: FromUser(u)})
}

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changePassword keeps the bearer token of this request, or a browser's
// session under a new id, and ends every other session and token of the
// user.
func (h *handler) changePassword(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var req changePasswordRequest
	if err := web.DecodeJSON(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	sess, err := h.svc.ChangePassword(r.Context(), u.ID, service.ChangePasswordInput{
		Current: req.CurrentPassword, New: req.NewPassword, Keep: credential(r),
	})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	httpauth.RenewCookie(w, sess)
	w.WriteHeader(http.StatusNoContent)
}

// signOutEverywhere ends every session and token of the user, this one too.
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
	w.WriteHeader(http.StatusNoContent)
}

// credential is what the middleware authenticated the request by.
func credential(r *http.Request) string {
	c, _ := httpauth.Credential(r)
	return c
}

// NotificationSettings is the JSON shape of a user's email choices: every
// topic with whether it is chosen, and whether the address is confirmed,
// without which none is sent.
type NotificationSettings struct {
	Emails        map[auth.Topic]bool `json:"emails"`
	EmailVerified bool                `json:"email_verified"`
}

func settingsOf(u auth.User) NotificationSettings {
	s := NotificationSettings{Emails: make(map[auth.Topic]bool, len(auth.Topics)), EmailVerified: u.EmailVerified}
	for _, t := range auth.Topics {
		s.Emails[t] = u.Chooses(t)
	}
	return s
}

// notificationSettings is GET /api/v1/me/notification-settings.
func (h *handler) notificationSettings(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, settingsOf(u))
}

type setNotificationsRequest struct {
	Emails topicEdits `json:"emails"`
}

// topicEdits is the emails object of a settings change. Its keys are the
// topics, as a struct's would be fields: an unknown one is refused as an
// unknown field (400), and a value that is not a boolean is named by its
// own path (emails.order_placed), as the decoder names a struct's.
type topicEdits map[auth.Topic]bool

func (e *topicEdits) UnmarshalJSON(b []byte) error {
	var raw map[auth.Topic]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		*e = nil
		return nil
	}
	out := make(topicEdits, len(raw))
	for t, v := range raw {
		if !slices.Contains(auth.Topics, t) {
			return web.UnknownField("emails." + string(t))
		}
		var on bool
		if err := json.Unmarshal(v, &on); err != nil {
			var typ *json.UnmarshalTypeError
			if errors.As(err, &typ) {
				typ.Field = string(t) // the decoder puts "emails." before it
			}
			return err
		}
		out[t] = on
	}
	*e = out
	return nil
}

// setNotificationSettings is PUT /api/v1/me/notification-settings: the
// topics it names change, the others stay.
func (h *handler) setNotificationSettings(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var req setNotificationsRequest
	if err := web.DecodeJSON(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	if req.Emails == nil {
		web.Error(w, r, apperr.ErrInvalid.WithFields(map[string]string{"emails": "name the topics to change, each true or false"}))
		return
	}
	u, err = h.svc.SetEmailTopics(r.Context(), u.ID, req.Emails)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, settingsOf(u))
}
