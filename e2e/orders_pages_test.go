package e2e

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The orders module's pages in their empty states, wide and at 360 px:
// every one is checked by axe, and none scrolls sideways.
func pagesOrdersEmpty(t *testing.T, j *Journey) {
	p := newPerson("Olga Orders")

	for _, b := range []*Browser{j.Person("wide"), j.PersonSized("phone", 360, 740)} {
		b.Visit("/cart", "cart-visitor")
		b.WaitText("Your cart")
		b.RequireFits()
		b.Visit("/checkout", "checkout-visitor")
		require.Regexp(t, `^/signin\?next=%2Fcheckout`, b.Path(), "checking out asks a visitor to sign in")

		if b.who == "wide" {
			signUp(b, p)
		} else {
			signIn(b, p)
		}
		for _, page := range []string{"/cart", "/checkout", "/my/orders", "/my/sales", "/notifications"} {
			b.Visit(page, page[1:])
			b.RequireFits()
		}
	}
}
