package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/api"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/apidoc/apitest"
)

type wantList struct {
	Wants    []api.Want `json:"wants"`
	MaxWants int        `json:"max_wants"`
}

type matchPage struct {
	Matches  []api.WantMatch `json:"matches"`
	Page     int             `json:"page"`
	NextPage *int            `json:"next_page"`
	Unseen   int             `json:"unseen"`
}

// TestAPI_WantWordsMaxLength: a want's words have the document's maxLength,
// the service's limit, counted as sent like every other text of a body;
// the search's q has its maxLength too, counted once trimmed.
func TestAPI_WantWordsMaxLength(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	max := int(apitest.At(t, "/components/schemas/WantInput/properties/words/maxLength").(float64))
	require.Equal(t, service.MaxWantWords, max)
	words := "dickens " + strings.Repeat("w", max-len("dickens "))
	res := env.JSON(t, http.MethodPost, "/api/v1/me/wants", `{"words":" `+words+`","max_price_cents":1000,"min_condition":"good"}`, authtest.As(other)...)
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, res.Body)
	require.Equal(t, map[string]string{"words": fmt.Sprintf("must be at most %d characters", max)}, errorOf(t, res).Fields)
	res = env.JSON(t, http.MethodPost, "/api/v1/me/wants", `{"words":"`+words+`","max_price_cents":1000,"min_condition":"good"}`, authtest.As(other)...)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)

	require.Equal(t, float64(service.MaxQueryLen), apitest.At(t, "/paths/~1api~1v1~1books/get/parameters/0/schema/maxLength"))
	res = env.JSON(t, http.MethodGet, "/api/v1/books?q="+strings.Repeat("x", service.MaxQueryLen+1), "")
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, errorOf(t, res).Fields, "q")
}

func TestAPI_Wants(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)

	res := env.JSON(t, http.MethodPost, "/api/v1/me/wants", `{"words":"middlemarch","max_price_cents":1000,"min_condition":"good","email":true}`, authtest.As(other)...)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	w := decode[api.Want](t, res)
	require.Equal(t, "middlemarch", *w.Words)
	require.Nil(t, w.ISBN)
	require.True(t, w.Email)
	require.Equal(t, fmt.Sprintf("/api/v1/me/wants/%d", w.ID), res.Header.Get("Location"))

	res = env.JSON(t, http.MethodPost, "/api/v1/me/wants", `{"words":"It","max_price_cents":1000,"min_condition":"good"}`, authtest.As(other)...)
	require.Equal(t, http.StatusCreated, res.StatusCode, "a title of stop words, as search finds it: %s", res.Body)
	res = env.JSON(t, http.MethodDelete, fmt.Sprintf("/api/v1/me/wants/%d", decode[api.Want](t, res).ID), "", authtest.As(other)...)
	require.Equal(t, http.StatusNoContent, res.StatusCode, res.Body)
	res = env.JSON(t, http.MethodPost, "/api/v1/me/wants", `{"words":"?!","isbn":"","max_price_cents":0,"min_condition":"mint"}`, authtest.As(other)...)
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, res.Body)
	fields := errorOf(t, res).Fields
	require.Contains(t, fields, "words")
	require.Contains(t, fields, "max_price_cents")
	require.Contains(t, fields, "min_condition")
	res = env.JSON(t, http.MethodPost, "/api/v1/me/wants", `{"words":"x"}`)
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)

	res = env.JSON(t, http.MethodPatch, fmt.Sprintf("/api/v1/me/wants/%d", w.ID), `{"max_price_cents":950}`, authtest.As(other)...)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	require.Equal(t, int64(950), decode[api.Want](t, res).MaxPriceCents)
	require.Equal(t, "middlemarch", *decode[api.Want](t, res).Words, "what was not sent stays")
	res = env.JSON(t, http.MethodGet, fmt.Sprintf("/api/v1/me/wants/%d", w.ID), "", authtest.As(seller)...)
	require.Equal(t, http.StatusNotFound, res.StatusCode, "another's want is not found")
	require.Equal(t, "catalog.want_not_found", errorOf(t, res).Code)

	book := createBook(t, env) // Middlemarch, good, 8.99, by seller
	require.Equal(t, 1, catalogtest.MatchWants(t.Context(), t, env.Pool, book.ID))
	res = env.JSON(t, http.MethodGet, "/api/v1/me/want-matches", "", authtest.As(other)...)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	m := decode[matchPage](t, res)
	require.Equal(t, 1, m.Unseen)
	require.Len(t, m.Matches, 1)
	require.Equal(t, book.ID, m.Matches[0].BookID)
	require.Equal(t, w.ID, m.Matches[0].WantID)
	require.Equal(t, catalog.ConditionGood, m.Matches[0].Condition)
	require.Equal(t, int64(899), m.Matches[0].MatchedPriceCents)
	require.Nil(t, m.NextPage)
	res = env.JSON(t, http.MethodPost, "/api/v1/me/want-matches/seen", "", authtest.As(other)...)
	require.Equal(t, http.StatusNoContent, res.StatusCode, res.Body)
	res = env.JSON(t, http.MethodGet, "/api/v1/me/want-matches", "", authtest.As(other)...)
	require.Zero(t, decode[matchPage](t, res).Unseen)

	res = env.JSON(t, http.MethodGet, "/api/v1/me/wants", "", authtest.As(other)...)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	l := decode[wantList](t, res)
	require.Len(t, l.Wants, 1)
	require.Equal(t, 1, l.Wants[0].Matches)
	require.Equal(t, 200, l.MaxWants)

	res = env.JSON(t, http.MethodDelete, fmt.Sprintf("/api/v1/me/wants/%d", w.ID), "", authtest.As(other)...)
	require.Equal(t, http.StatusNoContent, res.StatusCode, res.Body)
	res = env.JSON(t, http.MethodGet, "/api/v1/me/wants", "", authtest.As(other)...)
	require.Empty(t, decode[wantList](t, res).Wants)
}
