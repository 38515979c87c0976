package pages_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
)

// TestPages_MessagesQuoteTitles deletes a listing whose right-to-left
// title holds quotation marks, and requires the book's and the delete
// page's <title> and the message after it, which cannot hold a <bdi>, to
// show the title as typed (no backslash, as %q wrote) and isolated
// (text.Isolate, text.Quote), so that its ")!" stays on its side and the
// words after it keep their order.
func TestPages_MessagesQuoteTitles(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	rtl := `שלום "עליכם" (כרך 2)!`
	b := catalogtest.CreateBook(context.Background(), t, env.Pool, &catalogtest.BookOpts{Title: rtl, SellerID: seller.ID})
	path := fmt.Sprintf("/my/listings/%d/delete", b.ID)

	res := env.Get(t, fmt.Sprintf("/books/%d", b.ID))
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, html.UnescapeString(res.Body), "<title>\u2068"+rtl+"\u2069 · BookStore</title>", "the title alone, isolated from the shop's name")

	res = env.Get(t, path, authtest.As(seller)...)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, html.UnescapeString(res.Body), "<title>Delete “\u2068"+rtl+"\u2069” · BookStore</title>")

	res = env.Post(t, path, nil, authtest.As(seller)...)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	msg := html.UnescapeString(flashOf(t, env.Get(t, "/my/listings", authtest.As(seller)...).Body))
	require.Equal(t, "“\u2068"+rtl+"\u2069” is deleted.", msg)
	require.NotContains(t, msg, `\`)
}
