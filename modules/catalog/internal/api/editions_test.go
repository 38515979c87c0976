package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/api"
)

func TestAPI_EditionPrefillAndPrices(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := t.Context()
	const isbn = "9780441013593"

	res := env.JSON(t, http.MethodGet, "/api/v1/editions/0441013597", "")
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	require.JSONEq(t, `{"isbn":"9780441013593","edition":null,"books":[]}`, res.Body, "an edition nobody listed")

	catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{ISBN: isbn, Title: "Dune", Author: "Frank Herbert", Year: 1990, PriceCents: 800})
	sold := catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{ISBN: isbn, Title: "Dune", Author: "Frank Herbert", PriceCents: 1100, Copies: 2})
	catalogtest.Hold(ctx, t, env.Svc, env.Pool, 1, sold.ID, 2)
	catalogtest.Sell(ctx, t, env.Svc, 1)
	catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{ISBN: isbn, Title: "Dune", Author: "Frank Herbert", PriceCents: 2500, Condition: catalog.ConditionFine})

	ed := decode[api.Edition](t, env.JSON(t, http.MethodGet, "/api/v1/editions/978-0441013593", ""))
	require.NotNil(t, ed.Edition)
	require.Equal(t, "Dune", ed.Edition.Title)
	require.Equal(t, "Frank Herbert", ed.Edition.Author)
	require.Equal(t, "en", ed.Edition.Language)
	require.Equal(t, 1990, *ed.Edition.Year)
	require.Equal(t, 3, ed.Edition.Listings)
	require.Len(t, ed.Books, 2, "the sold-out copy is not on sale")

	res = env.JSON(t, http.MethodGet, "/api/v1/editions/"+isbn+"/prices?condition=good", "")
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	require.JSONEq(t, `{"isbn":"9780441013593","condition":"good","currency":"USD",
		"on_sale":{"listings":1,"copies":1,"min_cents":800,"max_cents":800},
		"recent_sales":{"days":180,"copies":2,"median_cents":1100}}`, res.Body)

	res = env.JSON(t, http.MethodGet, "/api/v1/editions/"+isbn+"/prices?condition=poor", "")
	require.JSONEq(t, `{"isbn":"9780441013593","condition":"poor","currency":"USD",
		"on_sale":{"listings":0,"copies":0,"min_cents":null,"max_cents":null},
		"recent_sales":{"days":180,"copies":0,"median_cents":null}}`, res.Body, "nothing to guide by")

	g := decode[api.PriceGuide](t, env.JSON(t, http.MethodGet, "/api/v1/editions/"+isbn+"/prices", ""))
	require.Equal(t, 2, g.OnSale.Listings, "no condition: every grade")
	require.Equal(t, int64(2500), *g.OnSale.MaxCents)

	res = env.JSON(t, http.MethodGet, "/api/v1/editions/"+isbn+"/prices?condition=mint", "")
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, errorOf(t, res).Fields, "condition")
	res = env.JSON(t, http.MethodGet, "/api/v1/editions/9780441013594/prices?condition=good", "")
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, errorOf(t, res).Fields["isbn"], "check digit")
}
