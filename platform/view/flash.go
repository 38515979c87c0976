package view

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
)

// Flash is the one message shown after an action.
type Flash struct {
	Kind    string // "success", "error" or "info"
	Message string
}

const flashCookie = "flash"

// SetFlash stores a message for the next page the browser renders. It lives
// in a short cookie, so it survives a redirect to any replica.
func SetFlash(w http.ResponseWriter, kind, message string) {
	b, _ := json.Marshal(Flash{Kind: kind, Message: message})
	http.SetCookie(w, &http.Cookie{
		Name:     flashCookie,
		Value:    base64.RawURLEncoding.EncodeToString(b),
		Path:     "/",
		MaxAge:   60,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}

// TakeFlash reads the pending message and clears it.
func TakeFlash(w http.ResponseWriter, r *http.Request) *Flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil
	}
	var f Flash
	if json.Unmarshal(b, &f) != nil || f.Message == "" {
		return nil
	}
	switch f.Kind {
	case "success", "error", "info":
	default:
		f.Kind = "info"
	}
	return &f
}
