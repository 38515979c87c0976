package pages_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/apidoc/apitest"
)

// TestDocument_StatesTheCartLimits ties the quantity the OpenAPI document
// allows a cart line and a checkout line to the one the service enforces.
func TestDocument_StatesTheCartLimits(t *testing.T) {
	t.Parallel()
	for _, at := range []string{
		"/paths/~1api~1v1~1cart~1items~1{book_id}/put/requestBody/content/application~1json/schema/properties/quantity/maximum",
		"/components/schemas/CheckoutRequest/properties/lines/items/properties/quantity/maximum",
	} {
		require.EqualValues(t, service.MaxQuantity, apitest.At(t, at), at)
	}
}
