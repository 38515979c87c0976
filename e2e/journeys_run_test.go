package e2e

import "testing"

// TestJourneys runs every journey against the monolith and against the
// split shop, at once: go test -run 'TestJourneys/split/journey3' picks one.
func TestJourneys(t *testing.T) {
	t.Parallel()
	runJourneys(t, map[string]journeyFunc{
		"journey1-seller-lists":   journey1,
		"journey2-visitor-finds":  journey2,
		"journey3-visitor-buys":   journey3,
		"journey4-seller-sale":    journey4,
		"journey5-declined":       journey5,
		"journey6-bad-sign-up":    journey6SignUp,
		"journey6-bad-listing":    journey6Listing,
		"journey7-admin-disables": journey7,
		"shell-home-search":       shellHomeAndSearch,
		"shell-not-found":         shellNotFound,
		"shell-error":             shellErrorPage,
		"shell-small-screen":      shellSmallScreen,
		"pages-account":           pagesAccount,
		"pages-orders-empty":      pagesOrdersEmpty,
	})
}
