// Package payment is the simulated payment processor: it validates card
// details, turns a card into a token (so only the brand and last four digits
// are ever stored) and decides each charge by the test card the token came
// from, the way real processors' sandboxes do.
package payment

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/bookstore/bookstore/platform/random"
)

// Card is what a buyer types; it never reaches the database.
type Card struct {
	Number   string
	ExpMonth int
	ExpYear  int
	CVC      string
}

// Tokenized is what is kept of a card.
type Tokenized struct {
	Brand string
	Last4 string
	Token string
}

// Scenarios a token carries, chosen by the test card number.
const (
	scenarioApprove      = "approve"
	scenarioDecline      = "decline"
	scenarioInsufficient = "insufficient"
	scenarioFlaky        = "flaky"
)

var testCards = map[string]string{
	"4242424242424242": scenarioApprove,
	"4000000000000002": scenarioDecline,
	"4000000000009995": scenarioInsufficient,
	"4000000000000119": scenarioFlaky,
}

// Validate checks a card and returns one message per bad field, keyed as
// the card's JSON fields ("number", "exp_month", "exp_year", "cvc"), or nil.
func Validate(c Card, now time.Time) map[string]string {
	fields := map[string]string{}
	digits := normalize(c.Number)
	switch {
	case digits == "":
		fields["number"] = "enter the card number"
	case !allDigits(digits) || len(digits) < 12 || len(digits) > 19:
		fields["number"] = "a card number has 12 to 19 digits"
	case !Luhn(digits):
		fields["number"] = "this card number is not valid; check the digits"
	}
	// The month and the year are each checked, so that a buyer who got
	// both wrong is told of both at once. An expired card's message goes
	// to the part that is past: the year, or the month of this year.
	y, m, _ := now.UTC().Date()
	monthOK := c.ExpMonth >= 1 && c.ExpMonth <= 12
	if !monthOK {
		fields["exp_month"] = "enter the expiry month (1 to 12)"
	}
	switch {
	case c.ExpYear < 2000 || c.ExpYear > 2100:
		fields["exp_year"] = "enter the expiry year with four digits"
	case c.ExpYear < y:
		fields["exp_year"] = "this card has expired"
	case monthOK && c.ExpYear == y && c.ExpMonth < int(m):
		fields["exp_month"] = "this card has expired"
	}
	cvcLen := 3
	if brand(digits) == "amex" {
		cvcLen = 4
	}
	if len(c.CVC) != cvcLen || !allDigits(c.CVC) {
		fields["cvc"] = "enter the " + strconv.Itoa(cvcLen) + "-digit security code"
	}
	if len(fields) == 0 {
		return nil
	}
	return fields
}

// Tokenize turns a validated card into what the shop may keep.
func Tokenize(c Card) Tokenized {
	digits := normalize(c.Number)
	scenario, ok := testCards[digits]
	if !ok {
		scenario = scenarioApprove
	}
	return Tokenized{
		Brand: brand(digits),
		Last4: digits[len(digits)-4:],
		Token: "tok_" + scenario + "_" + random.Hex(8),
	}
}

// ErrUnavailable is a transient processor failure: the charge did not
// happen and may be retried.
var ErrUnavailable = errors.New("payment processor unavailable")

// Result is the processor's answer to a charge.
type Result struct {
	Approved bool
	// Reason says why a charge was declined.
	Reason string
}

// Decline reasons.
const (
	ReasonDeclined     = "the card was declined"
	ReasonInsufficient = "insufficient funds"
)

// CountsAttempts reports whether the processor's answer for a card token
// depends on the attempt number (the flaky test card's does), so that a
// caller counts attempts only for such cards.
func CountsAttempts(token string) bool {
	return strings.HasPrefix(token, "tok_"+scenarioFlaky+"_")
}

// Charge asks the processor to charge a card token; attempt counts from 1.
// It returns ErrUnavailable for the flaky test card's first two attempts.
func Charge(token string, attempt int) (Result, error) {
	parts := strings.SplitN(token, "_", 3)
	if len(parts) != 3 || parts[0] != "tok" {
		return Result{Reason: "the card could not be read"}, nil
	}
	switch parts[1] {
	case scenarioDecline:
		return Result{Reason: ReasonDeclined}, nil
	case scenarioInsufficient:
		return Result{Reason: ReasonInsufficient}, nil
	case scenarioFlaky:
		if attempt <= 2 {
			return Result{}, ErrUnavailable
		}
	}
	return Result{Approved: true}, nil
}

// Luhn reports whether digits pass the Luhn checksum.
func Luhn(digits string) bool {
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

func normalize(n string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.TrimSpace(n))
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func brand(digits string) string {
	switch {
	case strings.HasPrefix(digits, "4"):
		return "visa"
	case strings.HasPrefix(digits, "34"), strings.HasPrefix(digits, "37"):
		return "amex"
	case len(digits) >= 2 && digits[0] == '5' && digits[1] >= '1' && digits[1] <= '5':
		return "mastercard"
	case len(digits) >= 4 && digits[:4] >= "2221" && digits[:4] <= "2720":
		return "mastercard"
	default:
		return "card"
	}
}
