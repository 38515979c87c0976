package mail_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/mail"
)

// TestShownAddress: a domain stored as A-labels is shown in Unicode, as
// typed; any other address is shown as stored, case and all.
func TestShownAddress(t *testing.T) {
	t.Parallel()
	for stored, shown := range map[string]string{
		"müller@xn--bcher-kva.example":    "müller@bücher.example",
		"Anna@mail.xn--bcher-kva.example": "Anna@mail.bücher.example",
		"zoe@XN--BCHER-KVA.example":       "zoe@bücher.example",
		"Ann@Example.COM":                 "Ann@Example.COM",
		"xn--anna@example.com":            "xn--anna@example.com",
		"anna@xn--a.example":              "anna@xn--a.example",
		"anna@bücher.example":             "anna@bücher.example",
		"no-at-sign":                      "no-at-sign",
		"a@b@xn--bcher-kva.example":       "a@b@bücher.example",
	} {
		require.Equal(t, shown, mail.ShownAddress(stored), stored)
	}
}
