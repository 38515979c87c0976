package view

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/a-h/templ"
)

// Label turns a stored code such as "payment_failed" or "bank_transfer"
// into words for people ("Payment failed", "Bank transfer").
func Label[S ~string](code S) string {
	s := strings.ReplaceAll(string(code), "_", " ")
	if s == "" {
		return s
	}
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}

// Money formats integer minor units as the shop currency with two decimals.
func Money(cents int64) string {
	sign := ""
	if cents < 0 {
		sign = "-"
		cents = -cents
	}
	const digits = "0123456789"
	tens, ones := cents%100/10, cents%10
	return sign + "$" + groupThousands(cents/100) + "." + digits[tens:tens+1] + digits[ones:ones+1]
}

// Number writes a count with thousands separators ("12,400").
func Number(n int) string { return groupThousands(int64(n)) }

func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Moment is a moment as people read it, naming its zone ("5 Dec 2026,
// 03:53 UTC"): the server cannot know its reader's zone, and a deadline
// read in the wrong one is hours wrong. It is the text of Time, and what a
// message or an email made on the server says of a moment.
func Moment(t time.Time) string { return t.UTC().Format(momentLayout) + " UTC" }

const momentLayout = "2 Jan 2006, 15:04"

// Time shows a moment: in UTC, saying so, for a reader without JavaScript;
// app.js rewrites it in the reader's own zone and way of writing dates,
// still naming the zone, from its datetime.
func Time(t time.Time) templ.Component { return localTime(t, "moment", Moment(t)) }

// Day shows the day of a moment (when an account was made, a listing
// listed): for a reader without JavaScript the UTC day, saying so, since
// at any hour some zone is already on another day (offsets run from -12
// to +14 hours); app.js rewrites it as the day in its reader's own zone,
// which needs no name.
func Day(t time.Time) templ.Component {
	return localTime(t, "day", t.UTC().Format("2 Jan 2006")+" (UTC)")
}

// machineTime is the datetime attribute of Time and Day, from which app.js
// writes the moment in its reader's zone.
func machineTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Itoa is strconv.Itoa for any integer type, for ids in attributes and URLs.
func Itoa[I ~int | ~int64](n I) string { return strconv.FormatInt(int64(n), 10) }

// CartItemsPath is where a book's "Add to cart" form posts: the orders
// module serves it, and the catalog's book page draws the form and shows
// it again when the orders module sends it back refused.
const CartItemsPath = "/cart/items"

// SellerURL is the address of a seller's public page (served by the
// orders module), linked from every module's pages.
func SellerURL[I ~int64](id I) templ.SafeURL {
	return templ.SafeURL(AppendSellerURL(make([]byte, 0, 32), id))
}

// AppendSellerURL appends SellerURL(id) to b, for a page that writes the
// addresses it shows into one buffer.
func AppendSellerURL[I ~int64](b []byte, id I) []byte {
	return strconv.AppendInt(append(b, "/sellers/"...), int64(id), 10)
}
