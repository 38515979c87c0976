package service_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/orders/internal/service"
)

// TestValidateAddress_OneLineOfVisibleText: the name and lines of an
// address are shown to the seller on labels, so they refuse line breaks,
// NULs and the bidi overrides that make one name pass for another.
func TestValidateAddress_OneLineOfVisibleText(t *testing.T) {
	t.Parallel()
	valid := service.Address{Name: "Ana Gómez", Street: "Calle 1 #2-3", City: "Bogotá", Region: "Cundinamarca", PostalCode: "110111", Country: "CO"}
	fields := map[string]string{}
	service.ValidateAddress(valid, fields)
	require.Empty(t, fields)
	for value, want := range map[string]string{
		"\u202enimdA":  "the name must not contain invisible or text-direction characters",
		"Ana\u200bG":   "the name must not contain invisible or text-direction characters",
		"Ana\nGómez":   "the name must be a single line",
		"Ana\x00Gómez": "the name must not contain control characters",
		"Ana \xff":     "the name must be valid UTF-8 text",
	} {
		a := valid
		a.Name = value
		fields := map[string]string{}
		service.ValidateAddress(a, fields)
		require.Equal(t, map[string]string{"name": want}, fields, "%q", value)
	}
}
