package pages_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
)

// sellLink is the "Sell one like this" address on a book's page, or "".
func sellLink(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`<a href="([^"]*)">Sell one like this</a>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func TestPages_SellOneLikeThis(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := t.Context()
	const dune = "9780441013593"
	catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{SellerID: other.ID, ISBN: dune, Title: "Dune", Author: "Frank Herbert", Year: 1990, PriceCents: 800})
	sold := catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{SellerID: other.ID, ISBN: dune, Title: "Dune", Author: "Frank Herbert", Year: 1990, PriceCents: 1100})
	catalogtest.Hold(ctx, t, env.Svc, env.Pool, 1, sold.ID, 1)
	catalogtest.Sell(ctx, t, env.Svc, 1)
	typed := func(isbn string) url.Values {
		return url.Values{"isbn": {isbn}, "title": {""}, "author": {"Herbert, Frank"}, "condition": {"good"},
			"price": {"9.75"}, "copies": {"1"}, "language": {"de"}, "year": {""}, "description": {"My copy."}}
	}

	t.Run("FillWithoutJavaScript", func(t *testing.T) {
		res := env.Post(t, "/my/listings/new", typed("0-441-01359-7"), authtest.As(seller)...)
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		require.Contains(t, res.Body, `value="9780441013593"`, "the ISBN as the shop stores it")
		require.Contains(t, res.Body, `value="Dune"`, "an empty title takes the edition's")
		require.Contains(t, res.Body, `value="1990"`)
		require.Contains(t, res.Body, `value="Herbert, Frank"`, "what the seller typed stays")
		require.NotContains(t, res.Body, `value="Frank Herbert"`)
		require.Contains(t, res.Body, `value="9.75"`)
		require.Contains(t, res.Body, "My copy.")
		require.Regexp(t, `<option value="en" selected`, res.Body, "the language follows the edition")
		require.Contains(t, res.Body, "Filled in from the shop&#39;s listings of this edition")
		require.Contains(t, res.Body, "Prices of Good copies of this edition")
		require.Contains(t, res.Body, "On sale now: 1 listing, at $8.00.")
		require.Contains(t, res.Body, "Sold in the last 180 days: 1 copy, at $11.00.")
	})
	t.Run("GuideFollowsTheCondition", func(t *testing.T) {
		form := typed(dune)
		form.Set("condition", "fine")
		res := env.Post(t, "/my/listings/new", form, authtest.As(seller)...)
		require.Contains(t, res.Body, "Prices of Fine copies of this edition")
		require.Contains(t, res.Body, "On sale now: none.")
		require.Contains(t, res.Body, "Sold in the last 180 days: none.")
	})
	t.Run("BadISBNKeepsTheForm", func(t *testing.T) {
		res := env.Post(t, "/my/listings/new", typed("978-0441013594"), authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Contains(t, res.Body, "the check digit does not match")
		require.Contains(t, res.Body, `value="978-0441013594"`, "the ISBN as typed, to correct")
		require.Contains(t, res.Body, `value="Herbert, Frank"`)
		require.Contains(t, res.Body, `value="9.75"`)
		require.NotContains(t, res.Body, "Prices of", "no guide for an ISBN that does not parse")

		res = env.Post(t, "/my/listings/new", typed(" "), authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Contains(t, res.Body, "enter the ISBN first")
	})
	t.Run("UnknownISBN", func(t *testing.T) {
		res := env.Post(t, "/my/listings/new", typed("0-14-143951-3"), authtest.As(seller)...)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, "The shop knows no book with ISBN 978-0141439518 yet")
		require.Contains(t, res.Body, `value="Herbert, Frank"`)
	})
	t.Run("SignedOut", func(t *testing.T) {
		res := env.Post(t, "/my/listings/new", typed(dune))
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.True(t, strings.HasPrefix(res.Header.Get("Location"), "/signin"))
	})
	t.Run("FormMarkup", func(t *testing.T) {
		body := env.Get(t, "/my/listings/new", authtest.As(seller)...).Body
		require.Regexp(t, `<button type="button" class="secondary" hidden data-isbn-scan>`, body,
			"Scan stays hidden until app.js finds BarcodeDetector")
		require.Contains(t, body, `formaction="/my/listings/new"`)
		require.Less(t, strings.Index(body, `tabindex="-1" aria-hidden="true">List the book</button>`), strings.Index(body, "Fill from ISBN"),
			"Enter lists the book: the default button comes first")
		require.Less(t, strings.Index(body, `for="f-isbn"`), strings.Index(body, `for="f-title"`), "the ISBN comes first")
		require.Regexp(t, `class="price-guide" role="status" data-price-guide hidden`, body, "no guide before an ISBN")
	})
	t.Run("LinkFromTheBookPage", func(t *testing.T) {
		require.Empty(t, sellLink(t, env.Get(t, fmt.Sprintf("/books/%d", sold.ID)).Body), "visitors are not offered it")
		link := sellLink(t, env.Get(t, fmt.Sprintf("/books/%d", sold.ID), authtest.As(seller)...).Body)
		require.Equal(t, "/my/listings/new?isbn="+dune, link)
		require.Equal(t, link, sellLink(t, env.Get(t, fmt.Sprintf("/books/%d", sold.ID), authtest.As(other)...).Body), "its seller has one more to sell too")
		res := env.Get(t, link, authtest.As(seller)...)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, `value="Dune"`)
		require.Contains(t, res.Body, `value="Frank Herbert"`)
		require.Contains(t, res.Body, "Prices of Good copies")

		plain := catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{SellerID: other.ID, Title: "Zettel & Notes", Author: "Anon", Language: "fr", Year: 1950, Condition: catalog.ConditionFair})
		link = sellLink(t, env.Get(t, fmt.Sprintf("/books/%d", plain.ID), authtest.As(seller)...).Body)
		res = env.Get(t, link, authtest.As(seller)...)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, `value="Zettel &amp; Notes"`, "without an ISBN, the book's own facts")
		require.Contains(t, res.Body, `value="1950"`)
		require.Regexp(t, `<option value="fr" selected`, res.Body)
		require.Regexp(t, `<option value="good" selected`, res.Body, "the condition is the seller's own")
	})
	t.Run("EditFormShowsTheGuide", func(t *testing.T) {
		form := validForm()
		form.Set("isbn", dune)
		form.Set("condition", "good")
		id := create(t, env, form)
		body := env.Get(t, fmt.Sprintf("/my/listings/%d/edit", id), authtest.As(seller)...).Body
		require.Contains(t, body, "On sale now: 2 listings, from $8.00 to $12.50.")
		require.NotContains(t, body, "Fill from ISBN")
	})
}
