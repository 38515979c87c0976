package mail

import (
	"strings"

	"golang.org/x/net/idna"
)

// ShownAddress is addr as a person reads it, with a domain stored as IDNA
// A-labels (xn--…) in Unicode, as it was typed: müller@bücher.example, not
// müller@xn--bcher-kva.example. Auth stores, compares and delivers to the
// A-label form (what mail servers take), which the API answers too; pages
// and the text of messages show this one. Links, searches and hidden
// fields keep the stored form, which the shop reads back. A domain that
// IDNA does not decode is shown as stored, rather than half converted.
func ShownAddress(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	domain := addr[at+1:]
	if !strings.Contains(strings.ToLower("."+domain), ".xn--") {
		return addr
	}
	shown, err := idna.Lookup.ToUnicode(domain)
	if err != nil {
		return addr
	}
	return addr[:at+1] + shown
}
