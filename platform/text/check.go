package text

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Errors of Check and CheckLine, phrased to follow a field's name.
var (
	ErrEncoding  = errors.New("must be valid UTF-8 text")
	ErrControl   = errors.New("must not contain control characters")
	ErrLineBreak = errors.New("must be a single line")
	ErrInvisible = errors.New("must not contain invisible or text-direction characters")
)

// Check accepts text a person could have typed into any field: valid UTF-8
// with no control characters but tabs and line breaks. The router checks
// every query parameter, form field, JSON string and text header with it
// (web.checkText), so no NUL byte or invalid UTF-8 reaches a service or
// Postgres.
func Check(s string) error {
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !isReplacementChar(s[i:]):
			return ErrEncoding
		case r == '\t' || r == '\n' || r == '\r':
		case unicode.IsControl(r):
			return ErrControl
		}
	}
	return nil
}

// CheckLine accepts a name or a title, which other people see on its own:
// CheckShown's text on one line.
func CheckLine(s string) error {
	if err := CheckShown(s); err != nil {
		return err
	}
	if strings.ContainsAny(s, "\t\n\r\u2028\u2029") {
		return ErrLineBreak
	}
	return nil
}

// CheckShown accepts free text that other people read, such as a review
// or its reply: Check's text without the invisible and text-direction
// characters that make "\u202enimdA" display as "Admin". The joiners
// (U+200C, U+200D) stay, as Persian, Indic scripts and emoji need them, and
// so do the direction marks (U+200E, U+200F, U+061C) that mixed Arabic or
// Hebrew and Latin text needs: a mark cannot reverse letters, as an
// override or isolate can.
func CheckShown(s string) error {
	if err := Check(s); err != nil {
		return err
	}
	for _, r := range s {
		switch {
		case r == '\u200c' || r == '\u200d' || r == '\u200e' || r == '\u200f' || r == '\u061c':
		case unicode.Is(unicode.Cf, r), r == '\u115f', r == '\u1160', r == '\u3164', r == '\uffa0':
			// Cf holds the bidi embeddings, overrides and isolates, the
			// zero-width space, the soft hyphen and the byte-order mark;
			// the rest are the Hangul fillers, which draw nothing.
			return ErrInvisible
		}
	}
	return nil
}

// isReplacementChar tells a real U+FFFD, which people may type, from a
// decoding error.
func isReplacementChar(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	return r == utf8.RuneError && n == 3
}

// Clean drops from s what Check refuses (bytes that are not UTF-8, control
// characters but tabs and line breaks), so that a refused field can be
// offered back to the person who sent it, to check and send again.
func Clean(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !isReplacementChar(s[i:]):
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteRune(r)
		case unicode.IsControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Lines is s with each line break as one LF: browsers send a text area's
// line breaks as CRLF (and old Mac text has a lone CR), which a length
// counted in characters would count twice, refusing at the server a text
// that the browser counted within the limit. Every multi-line field is
// read through it before its length is checked, and stored so.
func Lines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}
