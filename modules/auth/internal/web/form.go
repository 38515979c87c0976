package web

import (
	"errors"
	"net/http"

	"github.com/bookstore/bookstore/platform/apperr"
)

// readForm parses a posted form; a body over the limit is a 413.
func readForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return apperr.ErrTooLarge
		}
		return apperr.ErrBadRequest.WithMessage("the form could not be read")
	}
	return nil
}

// invalidFields returns the per-field messages of a validation error.
func invalidFields(err error) (map[string]string, bool) {
	e := apperr.As(err)
	if e == nil || e.Kind != apperr.Invalid {
		return nil, false
	}
	return e.Fields, true
}
