package pages

import (
	"context"
	"strings"
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

// TestAvailability pins each state's words, which the card and the book's
// page write through appendAvailability.
func TestAvailability(t *testing.T) {
	t.Parallel()
	on := service.Listing{Book: catalog.Book{Status: catalog.StatusActive, Available: 12}}
	cases := map[string]func(l *service.Listing){
		"12 available":         func(*service.Listing) {},
		"Not for sale":         func(l *service.Listing) { l.Hidden = true },
		"Paused by the seller": func(l *service.Listing) { l.Status = catalog.StatusPaused },
		"No longer for sale":   func(l *service.Listing) { l.Status = catalog.StatusArchived },
		"Draft":                func(l *service.Listing) { l.Status = catalog.StatusDraft },
		"Sold out":             func(l *service.Listing) { l.Available = 0 },
	}
	for want, change := range cases {
		l := on
		change(&l)
		require.Equal(t, want, availability(l))
	}
}

// TestCard_Strings checks the strings a card slices from its one buffer,
// with a photo and without.
func TestCard_Strings(t *testing.T) {
	t.Parallel()
	l := service.Listing{Book: catalog.Book{ID: 123456, SellerID: 789, Status: catalog.StatusActive, Available: 3},
		Photos: []service.Photo{{Key: "b123456/0123456789abcdef01234567"}}}
	var b strings.Builder
	require.NoError(t, card(l).Render(context.Background(), &b))
	require.Contains(t, b.String(), `src="/photos/b123456/0123456789abcdef01234567-320.jpg"`)
	require.Contains(t, b.String(), `<a href="/books/123456">`)
	require.Contains(t, b.String(), `<a href="/sellers/789">`)
	require.Contains(t, b.String(), `<p class="availability">3 available</p>`)
	l.Photos = nil
	b.Reset()
	require.NoError(t, card(l).Render(context.Background(), &b))
	require.Contains(t, b.String(), `<span class="thumb no-photo" aria-hidden="true">No photo</span>`)
	require.Contains(t, b.String(), `<a href="/books/123456">`)
}
