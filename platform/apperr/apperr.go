// Package apperr defines the kinds of error that cross module and process
// boundaries. A sentinel carries a stable code; Is compares codes, so a remote
// client can rebuild the sentinel from a JSON error and errors.Is still works
// across the wire.
package apperr

import (
	"errors"
	"maps"
	"time"
)

// Kind classifies an error for the HTTP layer, which maps each kind to one
// status in one place.
type Kind int

// Kinds of error, each with one HTTP status.
const (
	Internal             Kind = iota // 500: a bug or an unreachable dependency
	Invalid                          // 422: input that breaks a rule
	NotFound                         // 404
	Conflict                         // 409: the state moved on
	Unauthenticated                  // 401
	Forbidden                        // 403
	TooMany                          // 429
	Unavailable                      // 503: retry later
	BadRequest                       // 400: malformed request
	TooLarge                         // 413
	MethodNotAllowed                 // 405
	UnsupportedMediaType             // 415: a body in a format the route does not read
)

// Error is a classified error with a stable code and a message fit for users.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	// Fields holds one message per invalid form or JSON field.
	Fields map[string]string
	// RetryAfter tells a refused client when to try again (TooMany).
	RetryAfter time.Duration
}

// New returns a sentinel.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

func (e *Error) Error() string { return e.Message }

// Is matches any *Error with the same code, whatever its message or fields.
func (e *Error) Is(target error) bool {
	var t *Error
	if !errors.As(target, &t) {
		return false
	}
	return t.Code == e.Code
}

// WithFields returns a copy of e carrying per-field messages.
func (e *Error) WithFields(fields map[string]string) *Error {
	c := *e
	c.Fields = maps.Clone(fields)
	return &c
}

// WithRetryAfter returns a copy of e telling the client when to retry.
func (e *Error) WithRetryAfter(d time.Duration) *Error {
	c := *e
	c.RetryAfter = d
	return &c
}

// WithMessage returns a copy of e with a more specific message.
func (e *Error) WithMessage(msg string) *Error {
	c := *e
	c.Message = msg
	return &c
}

// As returns the *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// KindOf returns the kind of err, Internal when it carries none.
func KindOf(err error) Kind {
	if e := As(err); e != nil {
		return e.Kind
	}
	return Internal
}

// Generic errors the platform itself raises.
var (
	ErrNotFound     = New(NotFound, "not_found", "page not found")
	ErrBadRequest   = New(BadRequest, "bad_request", "the request could not be read")
	ErrTooLarge     = New(TooLarge, "too_large", "the request is too large")
	ErrMediaType    = New(UnsupportedMediaType, "unsupported_media_type", "the body must be JSON, sent with Content-Type: application/json")
	ErrInvalid      = New(Invalid, "invalid", "some fields need attention")
	ErrForbidden    = New(Forbidden, "forbidden", "you are not allowed to do that")
	ErrUnauthorized = New(Unauthenticated, "unauthenticated", "please sign in")
	ErrTooMany      = New(TooMany, "rate_limited", "too many attempts; please wait and try again")
	ErrUnavailable  = New(Unavailable, "unavailable", "the service is busy; please try again shortly")
	ErrInternal     = New(Internal, "internal", "something went wrong on our side; please try again")
)
