package service

import (
	"errors"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Parse errors; their text is shown beside the form field.
var (
	errISBNShape = errors.New("must be an ISBN-10 or ISBN-13, e.g. 978-0-14-143951-8")
	errISBNCheck = errors.New("the check digit does not match; please check the number")
)

// ParseISBN accepts an ISBN-10 or ISBN-13 with or without hyphens or
// spaces, verifies its check digit and returns it as 13 digits, the one form
// the catalog stores, so both spellings of an edition meet on one page.
// An ISBN copied from a typeset page or a CJK input method reads the same:
// any dash (a non-breaking hyphen, an en dash) or space (a no-break space)
// separates, and full-width digits are digits (their NFKC form).
func ParseISBN(s string) (string, error) {
	var b strings.Builder
	for _, r := range norm.NFKC.String(strings.TrimSpace(s)) {
		switch {
		case unicode.Is(unicode.Pd, r) || unicode.IsSpace(r):
		case r >= '0' && r <= '9', r == 'X' || r == 'x':
			b.WriteRune(unicode.ToUpper(r))
		default:
			return "", errISBNShape
		}
		if b.Len() > 13 {
			return "", errISBNShape
		}
	}
	d := b.String()
	switch len(d) {
	case 10:
		sum := 0
		for i := range 10 {
			c := d[i]
			v := int(c - '0')
			if c == 'X' {
				if i != 9 {
					return "", errISBNShape
				}
				v = 10
			}
			sum += (10 - i) * v
		}
		if sum%11 != 0 {
			return "", errISBNCheck
		}
		body := "978" + d[:9]
		return body + strconv.Itoa(isbn13Check(body)), nil
	case 13:
		if strings.ContainsRune(d, 'X') || !(strings.HasPrefix(d, "978") || strings.HasPrefix(d, "979")) {
			return "", errISBNShape
		}
		if int(d[12]-'0') != isbn13Check(d[:12]) {
			return "", errISBNCheck
		}
		return d, nil
	default:
		return "", errISBNShape
	}
}

func isbn13Check(first12 string) int {
	sum := 0
	for i := range 12 {
		w := 1
		if i%2 == 1 {
			w = 3
		}
		sum += w * int(first12[i]-'0')
	}
	return (10 - sum%10) % 10
}

// FormatISBN hyphenates nothing but splits the prefix for readability:
// 978-0141439518.
func FormatISBN(isbn13 string) string {
	if len(isbn13) != 13 {
		return isbn13
	}
	return isbn13[:3] + "-" + isbn13[3:]
}
