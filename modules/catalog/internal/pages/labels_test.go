package pages

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
)

func TestLabels(t *testing.T) {
	t.Parallel()
	for _, g := range service.Grades {
		require.NotEqual(t, string(g), g.Label(), "every grade has a name")
	}
	require.Equal(t, "Very Good", catalog.ConditionVeryGood.Label())
	require.Len(t, conditionHints, len(service.Grades), "every grade is explained")
	require.Equal(t, "New", conditionOptions[0].Label, "best first")

	require.Equal(t, "Hidden by an administrator", stateLabel(catalog.StatusActive, "spam", true), "the admin's reason comes first")
	require.Equal(t, "Sold out", stateLabel(catalog.StatusActive, "", true))
	require.Equal(t, "On sale", stateLabel(catalog.StatusActive, "", false))
	require.Equal(t, "Paused", stateLabel(catalog.StatusPaused, "", false))
	require.Equal(t, "Draft", stateLabel(catalog.StatusDraft, "", false))
	require.Equal(t, "Archived", stateLabel(catalog.StatusArchived, "", false))
}
