package service

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
)

// Parse errors; their text is shown beside the form field.
var (
	errISBNShape = errors.New("must be an ISBN-10 or ISBN-13, e.g. 978-0-14-143951-8")
	errISBNCheck = errors.New("the check digit does not match; please check the number")
	errPrice     = errors.New("must be an amount like 12.50")
)

// ParseISBN accepts an ISBN-10 or ISBN-13 with or without hyphens or
// spaces, verifies its check digit and returns it as 13 digits, the one form
// the catalog stores, so both spellings of an edition meet on one page.
func ParseISBN(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == '-' || r == ' ':
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

// maxParsedCents keeps ParsePrice far from int64 overflow; the configured
// maximum price is checked separately.
const maxParsedCents = 1_000_000_000_00

// ParsePrice reads an amount in the shop currency as typed by a person
// ("12", "12.5", "12.50", "1,250.00", "$12") into integer minor units. It
// never goes through a float, so 0.1 + 0.2 troubles nobody. Zero and
// negative amounts parse; the rules that forbid them live with the listing.
func ParsePrice(s string) (int64, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "$")
	neg := false
	if strings.HasPrefix(s, "-") {
		neg = true
		s = strings.TrimSpace(s[1:])
	}
	if s == "" {
		return 0, errPrice
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if hasDot && (len(frac) == 0 || len(frac) > 2) {
		return 0, errPrice
	}
	if strings.Contains(whole, ",") {
		groups := strings.Split(whole, ",")
		if len(groups[0]) == 0 || len(groups[0]) > 3 {
			return 0, errPrice
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, errPrice
			}
		}
		whole = strings.Join(groups, "")
	}
	if whole == "" {
		whole = "0"
	}
	if !allDigits(whole) || !allDigits(frac) || len(whole) > 12 {
		return 0, errPrice
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, errPrice
	}
	cents := w * 100
	if len(frac) == 1 {
		frac += "0"
	}
	if frac != "" {
		f, _ := strconv.ParseInt(frac, 10, 64)
		cents += f
	}
	if cents > maxParsedCents {
		return 0, errPrice
	}
	if neg {
		cents = -cents
	}
	return cents, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatPrice is the inverse of ParsePrice for form values: 1250 → "12.50".
func FormatPrice(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return sign + strconv.FormatInt(cents/100, 10) + "." + leftPad2(cents%100)
}

func leftPad2(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}
