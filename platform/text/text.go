// Package text reads and writes what people type and read, the same way in
// every module: amounts of money in integer minor units, country codes and
// counted nouns.
package text

import (
	"errors"
	"strconv"
	"strings"

	"golang.org/x/text/language"
)

// ErrMoney is the message beside a money field that does not parse.
var ErrMoney = errors.New("must be an amount like 12.50")

// maxMoneyCents keeps ParseMoney far from int64 overflow; each field's own
// maximum is checked by its owner.
const maxMoneyCents = 1_000_000_000_00

// ErrMoneyRange is ParseMoney's error for an amount written well but beyond
// maxMoneyCents. As strconv.ParseInt does with ErrRange, ParseMoney returns
// with it an amount of the same sign, here just past maxMoneyCents: past
// every field's own maximum, so a form that hands it on gets the message
// that names the field's bound, the one the API gives, rather than ErrMoney.
var ErrMoneyRange = errors.New("must be at most " + MoneyInput(maxMoneyCents))

// ParseMoney reads an amount in the shop currency as typed by a person
// ("12", "12.5", "12.50", "1,250.00", "$12") into integer minor units. It
// never goes through a float, so 0.1 + 0.2 troubles nobody. Zero and
// negative amounts parse; the rules that forbid them live with each field,
// as do their maximums (see ErrMoneyRange).
func ParseMoney(s string) (int64, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "$")
	neg := false
	if strings.HasPrefix(s, "-") {
		neg = true
		s = strings.TrimSpace(s[1:])
	}
	if s == "" {
		return 0, ErrMoney
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if hasDot && (len(frac) == 0 || len(frac) > 2) {
		return 0, ErrMoney
	}
	if strings.Contains(whole, ",") {
		groups := strings.Split(whole, ",")
		if len(groups[0]) == 0 || len(groups[0]) > 3 {
			return 0, ErrMoney
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, ErrMoney
			}
		}
		whole = strings.Join(groups, "")
	}
	if !allDigits(whole) || !allDigits(frac) {
		return 0, ErrMoney
	}
	sign := int64(1)
	if neg {
		sign = -1
	}
	// Leading zeros add nothing; past 12 digits, the amount cannot be held.
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 12 {
		return sign * (maxMoneyCents + 1), ErrMoneyRange
	}
	if whole == "" {
		whole = "0"
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	cents := w * 100
	if len(frac) == 1 {
		frac += "0"
	}
	if frac != "" {
		f, _ := strconv.ParseInt(frac, 10, 64)
		cents += f
	}
	if cents > maxMoneyCents {
		return sign * (maxMoneyCents + 1), ErrMoneyRange
	}
	return sign * cents, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MoneyInput is ParseMoney's inverse for form values: 1250 → "12.50".
func MoneyInput(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	frac := strconv.FormatInt(cents%100, 10)
	if len(frac) == 1 {
		frac = "0" + frac
	}
	return sign + strconv.FormatInt(cents/100, 10) + "." + frac
}

// IsCountryCode reports whether s is the ISO 3166 alpha-2 code of a
// country, in capitals: not a code for private use (XX, ZZ) nor one that
// names no country (EU).
func IsCountryCode(s string) bool {
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return false
	}
	r, err := language.ParseRegion(s)
	return err == nil && r.IsCountry()
}

// Plural returns one when n is 1, else many: Plural(n, "copy", "copies").
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
