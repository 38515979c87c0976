package view

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"unicode/utf8"
)

// Flash is the one message shown after an action.
type Flash struct {
	Kind    string // "success", "error" or "info"
	Message string
	// Form is the form the action refused, when the handler that refused
	// it cannot draw the page holding it (another module's page, which a
	// split shop serves from another process): that page shows it again
	// with what was typed and the message at its field (RefusedFormOf).
	// Message says it at the top all the same, for a page that no longer
	// shows the form.
	Form *RefusedForm `json:",omitempty"`
}

// RefusedForm is a form sent back through a redirect to the page that
// holds it, with what was typed and a message per refused field.
type RefusedForm struct {
	// Action is where the form posts: the page looks for its own form.
	Action string
	// Values are the fields as typed, those the page shows again (never a
	// secret: the flash is a cookie).
	Values map[string]string
	Errors map[string]string
}

const flashCookie = "flash"

// maxKeptValue bounds a value a refused form keeps, and maxKeptMessage
// its messages (which may quote a title of 300 characters), so the flash
// stays under the browser's cookie limit (4 KB) whatever was typed: a
// browser drops a larger cookie, and the message with it.
const (
	maxKeptValue   = 200
	maxKeptMessage = 1200
)

// SetFlash stores a message for the next page the browser renders. It lives
// in a short cookie, so it survives a redirect to any replica.
func SetFlash(w http.ResponseWriter, kind, message string) {
	setFlash(w, Flash{Kind: kind, Message: message})
}

// SetRefusedFlash stores message as an error for the next page, with the
// form it refused for that page to show again; a value longer than
// maxKeptValue is kept cut.
func SetRefusedFlash(w http.ResponseWriter, message string, form RefusedForm) {
	form.Values = cutAll(form.Values, maxKeptValue)
	form.Errors = cutAll(form.Errors, maxKeptMessage)
	setFlash(w, Flash{Kind: "error", Message: cut(message, maxKeptMessage), Form: &form})
}

// cutAll is m with each value cut to n bytes.
func cutAll(m map[string]string, n int) map[string]string {
	kept := make(map[string]string, len(m))
	for k, v := range m {
		kept[k] = cut(v, n)
	}
	return kept
}

// cut is s shortened to at most n bytes, on a character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func setFlash(w http.ResponseWriter, f Flash) {
	// The page escapes what it shows; escaping "<", ">" and "&" here too
	// would only make each of them six bytes of a cookie that must stay
	// small.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(f)
	http.SetCookie(w, &http.Cookie{
		Name:     flashCookie,
		Value:    base64.RawURLEncoding.EncodeToString(bytes.TrimSpace(b.Bytes())),
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
	return parseFlash(c.Value)
}

// RefusedFormOf is the form posting to action that the pending flash
// sends back, for the page that holds it to show again; ok is false when
// there is none. It leaves the flash in place: the layout takes it and
// shows its message at the top.
func RefusedFormOf(r *http.Request, action string) (f RefusedForm, ok bool) {
	fl := readFlash(r)
	if fl == nil || fl.Form == nil || fl.Form.Action != action {
		return RefusedForm{}, false
	}
	return *fl.Form, true
}

// readFlash is the pending message, nil when there is none or the cookie
// is not one the shop wrote.
func readFlash(r *http.Request) *Flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	return parseFlash(c.Value)
}

// parseFlash is the message a flash cookie's value holds, nil when it is
// not one the shop wrote.
func parseFlash(value string) *Flash {
	b, err := base64.RawURLEncoding.DecodeString(value)
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
