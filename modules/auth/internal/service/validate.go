package service

import (
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/bookstore/bookstore/platform/text"
)

// Field limits, in characters.
const (
	MaxEmail       = 254
	MinName        = 2
	MaxName        = 40
	MinPassword    = 10
	MaxPassword    = 128
	maxSearchQuery = 100
)

// normalizeEmail trims the address; case is kept as typed, and uniqueness
// ignores it (the index is on lower(email)).
func normalizeEmail(s string) string { return strings.TrimSpace(s) }

func checkEmail(email string) string {
	switch {
	case email == "":
		return "enter your email address"
	case utf8.RuneCountInString(email) > MaxEmail:
		return "an email address has at most 254 characters"
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return "enter an email address like name@example.com"
	}
	at := strings.LastIndexByte(email, '@')
	if domain := email[at+1:]; !strings.Contains(domain, ".") || strings.HasSuffix(domain, ".") {
		return "enter an email address like name@example.com"
	}
	return ""
}

// normalizeName trims spaces; checkName judges the rest.
func normalizeName(s string) string { return strings.TrimSpace(s) }

func checkName(name string) string {
	n := utf8.RuneCountInString(name)
	switch {
	case n == 0:
		return "enter a display name"
	case n < MinName || n > MaxName:
		return "a display name has 2 to 40 characters"
	case text.CheckLine(name) != nil:
		return "a display name " + text.CheckLine(name).Error()
	}
	return ""
}

func checkPassword(pw, email string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case n == 0:
		return "choose a password"
	case n < MinPassword || n > MaxPassword:
		return "a password has 10 to 128 characters"
	case email != "" && strings.EqualFold(strings.TrimSpace(pw), email):
		return "your password cannot be your email address"
	}
	return ""
}

// fields collects one message per field.
type fields map[string]string

func (f fields) check(name, msg string) {
	if msg != "" {
		if _, ok := f[name]; !ok {
			f[name] = msg
		}
	}
}

func (f fields) err() error {
	if len(f) == 0 {
		return nil
	}
	return ErrInvalid.WithFields(f)
}
