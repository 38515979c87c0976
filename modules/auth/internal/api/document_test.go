package api_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/platform/apidoc/apitest"
)

// TestDocument_StatesTheEmailTopics ties the topics the OpenAPI document
// names to auth.Topics, since any other key is refused as unknown.
func TestDocument_StatesTheEmailTopics(t *testing.T) {
	t.Parallel()
	props := apitest.At(t, "/components/schemas/EmailTopics/properties").(map[string]any)
	want := make([]string, 0, len(auth.Topics))
	for _, topic := range auth.Topics {
		want = append(want, string(topic))
	}
	require.ElementsMatch(t, want, keys(props))
}
