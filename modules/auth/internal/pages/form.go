package pages

import (
	"github.com/bookstore/bookstore/platform/apperr"
)

// invalidFields returns the per-field messages of a validation error.
func invalidFields(err error) (map[string]string, bool) {
	e := apperr.As(err)
	if e == nil || e.Kind != apperr.Invalid {
		return nil, false
	}
	return e.Fields, true
}
