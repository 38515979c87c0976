package service

import (
	"net/mail"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"

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

// normalizeEmail gives the one form in which an address is stored,
// compared and looked up, so that one mailbox has one account however it
// is typed: trimmed, in Unicode NFC (a keyboard may send "ë" as e and a
// combining diaeresis), and with a Unicode domain as its IDNA A-label,
// which is what browsers send from type=email fields and what mail is
// delivered to. Case is kept as typed (an A-label comes out lower-case),
// and uniqueness ignores it (the index is on lower(email)). A domain IDNA
// refuses keeps its Unicode, which checkEmail refuses for a new address,
// so it only fails to find one.
func normalizeEmail(s string) string {
	s = norm.NFC.String(strings.TrimSpace(s))
	if !unicodeDomain(s) {
		return s
	}
	at := strings.LastIndexByte(s, '@')
	domain, err := idna.Lookup.ToASCII(s[at+1:])
	if err != nil {
		return s
	}
	return s[:at+1] + domain
}

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
	if domain := email[at+1:]; !strings.Contains(domain, ".") || strings.HasSuffix(domain, ".") || unicodeDomain(email) {
		return "enter an email address like name@example.com"
	}
	return ""
}

// unicodeDomain reports whether the domain of an address, the part after
// its last @, is not ASCII: once normalized, one that IDNA refused.
func unicodeDomain(email string) bool {
	domain := email[strings.LastIndexByte(email, '@')+1:]
	return strings.IndexFunc(domain, func(r rune) bool { return r >= utf8.RuneSelf }) >= 0
}

// addressQuery is a search query as a stored address spells it, when
// that differs from what the fold makes of it: "bücher.example", or
// "anna@bücher.example", is stored with its A-label domain. It is ""
// for any other query.
func addressQuery(q string) string {
	a := normalizeEmail(q)
	if unicodeDomain(a) || strings.EqualFold(a, norm.NFC.String(q)) {
		return ""
	}
	return a
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
