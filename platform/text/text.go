// Package text reads and writes what people type and read, the same way in
// every module: amounts of money in integer minor units, country codes and
// counted nouns.
package text

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// ErrMoney is the message beside a money field that does not parse.
var ErrMoney = errors.New("must be an amount like 12.50")

// ErrMoneyComma is ErrMoney for an amount read with DecimalComma, whose
// example must be written that way too.
var ErrMoneyComma = errors.New("must be an amount like 12,50")

// maxMoneyCents keeps ParseMoney far from int64 overflow; each field's own
// maximum is checked by its owner.
const maxMoneyCents = 1_000_000_000_00

// ErrMoneyRange is ParseMoney's error for an amount written well but beyond
// maxMoneyCents. As strconv.ParseInt does with ErrRange, ParseMoney returns
// with it an amount of the same sign, here just past maxMoneyCents: past
// every field's own maximum, so a form that hands it on gets the message
// that names the field's bound, the one the API gives, rather than ErrMoney.
var ErrMoneyRange = errors.New("must be at most " + MoneyInput(maxMoneyCents))

// DecimalMark is the convention an amount is written in, named by the mark
// before its cents. The convention fixes which marks may group thousands
// too, so that "1,500" is one thing in a given convention, never a guess.
type DecimalMark rune

const (
	// DecimalPoint is the shop's own convention, in its forms, its API and
	// its export: "1,250.00", commas grouping thousands.
	DecimalPoint DecimalMark = '.'
	// DecimalComma is that of much of Europe, whose spreadsheets write
	// "1.250,00" or "1 250,00" (a space, a no-break space or a narrow
	// one grouping thousands), and so "1,500" for 1.50.
	DecimalComma DecimalMark = ','
)

// groupMarks are the marks that may group the thousands of an amount in
// the convention.
func (m DecimalMark) groupMarks() string {
	if m == DecimalComma {
		return ". \u00a0\u202f"
	}
	return ","
}

// err is the convention's message for an amount that does not parse.
func (m DecimalMark) err() error {
	if m == DecimalComma {
		return ErrMoneyComma
	}
	return ErrMoney
}

// ParseMoney reads an amount in the shop currency as typed by a person in
// the convention of mark ("12", "12.5", "12.50", "1,250.00", "$12" with
// DecimalPoint; "12,50", "1.250,00", "1 250", "1,500" with DecimalComma)
// into integer minor units. An amount not written in that convention (a
// second decimal mark, a fraction of a cent, a group not of three digits,
// a group mark of the other convention) is refused, never read as the
// other convention would. It never goes through a float, so 0.1 + 0.2
// troubles nobody. Zero and negative amounts parse; the rules that forbid
// them live with each field, as do their maximums (see ErrMoneyRange).
func ParseMoney(s string, mark DecimalMark) (int64, error) {
	bad := mark.err()
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "$")
	neg := false
	if strings.HasPrefix(s, "-") {
		neg = true
		s = strings.TrimSpace(s[1:])
	}
	if s == "" {
		return 0, bad
	}
	whole, frac, hasMark := strings.Cut(s, string(mark))
	if mark == DecimalComma && len(frac) > 2 && strings.TrimRight(frac[2:], "0") == "" {
		// Spreadsheets formatted to three decimals write 1,50 as "1,500".
		// A form's "1.500" is refused instead: there it is more likely a
		// European thousand than a dollar and a half.
		frac = frac[:2]
	}
	if hasMark && (len(frac) == 0 || len(frac) > 2) {
		return 0, bad
	}
	whole, ok := ungroup(whole, mark.groupMarks())
	if !ok || !allDigits(whole) || !allDigits(frac) {
		return 0, bad
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

// ungroup takes the thousands marks out of the whole units of an amount:
// the first of marks found groups them all, in groups of three digits after
// a first of one to three. Whole units holding none come back as they are.
func ungroup(whole, marks string) (string, bool) {
	i := strings.IndexAny(whole, marks)
	if i < 0 {
		return whole, true
	}
	r, _ := utf8.DecodeRuneInString(whole[i:])
	groups := strings.Split(whole, string(r))
	if len(groups[0]) == 0 || len(groups[0]) > 3 {
		return "", false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return "", false
		}
	}
	return strings.Join(groups, ""), true
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
