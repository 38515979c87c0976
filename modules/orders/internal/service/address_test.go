package service_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/pgtest"
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
		require.Equal(t, map[string]string{"shipping_address.name": want}, fields, "%q", value)
	}
}

// TestValidateAddress_RegionWhereThePostNeedsIt: an address names its
// region (state, prefecture…) in the countries whose post needs one, and
// may leave it out elsewhere, as a United Kingdom address does.
func TestValidateAddress_RegionWhereThePostNeedsIt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		country string
		needed  bool
	}{{"GB", false}, {"IE", false}, {"DE", false}, {"FR", false}, {"US", true}, {"JP", true}, {"CO", true}} {
		a := service.Address{Name: "Seán O'Connor", Street: "10 Downing St", City: "London", PostalCode: "SW1A 1AA", Country: tc.country}
		fields := map[string]string{}
		service.ValidateAddress(a, fields)
		if tc.needed {
			require.Equal(t, map[string]string{"shipping_address.region": "enter the region"}, fields, tc.country)
		} else {
			require.Empty(t, fields, tc.country)
		}
		require.Equal(t, tc.needed, service.RegionRequired(tc.country), tc.country)
		a.Region = "a\nb"
		fields = map[string]string{}
		service.ValidateAddress(a, fields)
		require.Equal(t, "the region must be a single line", fields["shipping_address.region"], "a region given is checked in %s", tc.country)
	}
}

// TestService_PlaceSavesAChangedAddressOnly: each checkout saves its
// address for the next; one that repeats the saved address writes nothing.
func TestService_PlaceSavesAChangedAddressOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	updates := func() int64 { return pgtest.Stats(t, b.pool, "orders.addresses").Updated }
	wallet := service.PaymentInput{Method: orders.MethodWallet}

	first := b.place(t, "first", 1, wallet)
	saved, ok, err := b.svc.SavedAddress(ctx, b.buyer.ID)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, first.ShippingAddress, saved)

	before := updates()
	b.place(t, "same", 1, wallet)
	require.Equal(t, before, updates(), "the same address is not written again")

	require.NoError(t, b.svc.SetQuantity(ctx, service.Owner{UserID: b.buyer.ID}, b.book.ID, 1))
	in := checkoutInput("moved", wallet)
	in.Address.Street = "Carrera 7 #40-62"
	_, err = b.svc.Place(ctx, b.buyer, b.seen(t, in))
	require.NoError(t, err)
	require.Equal(t, before+1, updates())
	saved, _, err = b.svc.SavedAddress(ctx, b.buyer.ID)
	require.NoError(t, err)
	require.Equal(t, "Carrera 7 #40-62", saved.Street)
}
