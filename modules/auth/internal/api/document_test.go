package api_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
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

// TestDocument_StatesTheNameAndEmailLimits ties the lengths the document
// gives a name and a sign-up email to the ones the service enforces.
func TestDocument_StatesTheNameAndEmailLimits(t *testing.T) {
	t.Parallel()
	require.EqualValues(t, service.MaxName, apitest.At(t, "/components/schemas/DisplayName/maxLength"))
	require.EqualValues(t, service.MaxEmail, apitest.At(t, "/components/schemas/SignUpRequest/properties/email/maxLength"))
	require.Contains(t, apitest.At(t, "/components/schemas/DisplayName/description"), fmt.Sprintf("%d to %d characters", service.MinName, service.MaxName))
}
