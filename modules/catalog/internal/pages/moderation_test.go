package pages_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
)

// Hiding a hidden listing is refused with its reason, which stays the one
// its seller sees.
func TestPages_HideHidden(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	id := create(t, env, validForm())
	path := func(action string) string { return fmt.Sprintf("/admin/listings/%d/%s", id, action) }

	res := env.Post(t, path("hide"), url.Values{"reason": {"Counterfeit copy"}}, authtest.As(admin)...)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	env.Get(t, "/admin/listings", authtest.As(admin)...) // takes the flash
	res = env.Post(t, path("hide"), url.Values{"reason": {"Rude description"}}, authtest.As(admin)...)
	require.Equal(t, http.StatusConflict, res.StatusCode, res.Body)
	require.Contains(t, res.Body, "already hidden: Counterfeit copy; show it again first to hide it for another reason")
	require.NotContains(t, res.Body, "is hidden; its seller sees your reason", "no confirmation of what did not happen")
	mine := env.Get(t, "/my/listings", authtest.As(seller)...)
	require.Contains(t, mine.Body, "Counterfeit copy", "the seller still sees the first reason")
	require.NotContains(t, mine.Body, "Rude description")

	res = env.Post(t, path("unhide"), nil, authtest.As(admin)...)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	require.Contains(t, env.Get(t, "/admin/listings", authtest.As(admin)...).Body, fmt.Sprintf("Listing #%d is back in the shop.", id))
	res = env.Post(t, path("hide"), url.Values{"reason": {"Rude description"}}, authtest.As(admin)...)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, "shown again, it is hidden for another reason")
	require.Contains(t, env.Get(t, "/my/listings", authtest.As(seller)...).Body, "Rude description")
}

// Showing a listing that is not hidden says so, and changes nothing.
func TestPages_UnhideNotHidden(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	id := create(t, env, validForm())
	res := env.Post(t, fmt.Sprintf("/admin/listings/%d/unhide", id), url.Values{"next": {"/admin/listings?state=on_sale"}}, authtest.As(admin)...)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	require.Equal(t, "/admin/listings?state=on_sale", res.Header.Get("Location"))
	list := env.Get(t, "/admin/listings?state=on_sale", authtest.As(admin)...)
	require.Contains(t, list.Body, fmt.Sprintf("Listing #%d was not hidden.", id))
	require.NotContains(t, list.Body, "back in the shop")
}
