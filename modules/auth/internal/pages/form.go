package pages

import (
	"net/http"

	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/web"
)

// invalidFields returns the per-field messages of a validation error.
func invalidFields(err error) (map[string]string, bool) {
	e := apperr.As(err)
	if e == nil || e.Kind != apperr.Invalid {
		return nil, false
	}
	return e.Fields, true
}

// tooMany returns err's apperr when it refuses the attempt as one too many
// (a sign-in or sign-up limit), having told the client when to try again:
// the form then comes back with what was typed and the message, not a bare
// error page that loses it.
func tooMany(w http.ResponseWriter, err error) *apperr.Error {
	e := apperr.As(err)
	if e == nil || e.Kind != apperr.TooMany {
		return nil
	}
	web.SetRetryAfter(w, e)
	return e
}
