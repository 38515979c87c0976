package api_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/apidoc/apitest"
)

// TestDocument_StatesTheListingLimits ties the limits the OpenAPI document
// states for listings and imports to the constants the service enforces.
func TestDocument_StatesTheListingLimits(t *testing.T) {
	t.Parallel()
	const book = "/components/schemas/BookInput/properties/"
	for field, max := range map[string]int{
		"title": service.MaxTitle, "author": service.MaxAuthor,
		"condition_note": service.MaxNote, "description": service.MaxDescription,
	} {
		require.EqualValues(t, max, apitest.At(t, book+field+"/maxLength"), field)
	}
	require.EqualValues(t, service.MaxCopies, apitest.At(t, book+"copies/maximum"))
	require.EqualValues(t, service.MinYear, apitest.At(t, book+"year/anyOf/1/minimum"))
	require.EqualValues(t, service.MaxPhotos, apitest.At(t, "/components/schemas/PhotoOrderInput/properties/photo_ids/maxItems"))
	codes := []any{}
	for _, l := range service.Languages {
		codes = append(codes, l.Code)
	}
	require.Equal(t, codes, apitest.At(t, book+"language/enum"))

	params := apitest.At(t, "/paths/~1api~1v1~1me~1imports/post/parameters").([]any)
	require.Len(t, params, 1)
	require.Equal(t, "filename", params[0].(map[string]any)["name"])
	require.EqualValues(t, service.MaxImportFilename, apitest.At(t, "/paths/~1api~1v1~1me~1imports/post/parameters/0/schema/maxLength"))
}
