package pages_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/apidoc/apitest"
	"github.com/bookstore/bookstore/platform/config"
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

// TestDocument_StatesTheActivityFilter ties the actions and the text length
// the OpenAPI document offers the activity log's filter to the ones the
// log knows.
func TestDocument_StatesTheActivityFilter(t *testing.T) {
	t.Parallel()
	params := apitest.At(t, "/paths/~1api~1v1~1admin~1activity/get/parameters").([]any)
	want := []any{""}
	for _, a := range activity.Actions {
		want = append(want, string(a))
	}
	require.Equal(t, want, params[0].(map[string]any)["schema"].(map[string]any)["enum"])
	require.EqualValues(t, activity.MaxText, params[1].(map[string]any)["schema"].(map[string]any)["maxLength"])
	var modules []any
	for _, m := range config.AllModules {
		modules = append(modules, string(m))
	}
	require.Equal(t, modules, apitest.At(t, "/components/schemas/ActivityEntry/properties/module/enum"))
}
