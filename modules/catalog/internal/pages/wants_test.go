package pages_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
)

func wantForm() url.Values {
	return url.Values{"words": {"Zauberberg"}, "isbn": {""}, "max_price": {"20.00"}, "min_condition": {"good"}, "email": {"1"}}
}

func TestPages_Wants(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := context.Background()

	res := env.Get(t, "/my/wants")
	require.Equal(t, http.StatusSeeOther, res.StatusCode, "signed out goes to sign in")

	res = env.Get(t, "/my/wants", authtest.As(other)...)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, res.Body, "Nothing has matched yet")
	require.Contains(t, res.Body, "You want nothing yet")
	for _, f := range []string{"words", "isbn", "max_price", "min_condition", "email"} {
		require.Contains(t, res.Body, `for="f-`+f+`"`, "label for "+f)
	}

	bad := wantForm()
	bad.Set("max_price", "lots")
	bad.Set("isbn", "978-0-14-143951-9")
	bad.Set("min_condition", "mint")
	res = env.Post(t, "/my/wants", bad, authtest.As(other)...)
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, res.Body, "must be an amount like 12.50")
	require.Contains(t, res.Body, "leave the words empty when you give an ISBN", "every field's message at once, the price's too")
	require.Contains(t, res.Body, "the check digit does not match", "the ISBN's too, beside the words'")
	require.Contains(t, res.Body, "choose one of New, As New")
	require.Contains(t, res.Body, `value="Zauberberg"`, "values are kept")
	for _, price := range []string{"10000.01", "999999999999.99", strings.Repeat("9", 30)} {
		huge := wantForm()
		huge.Set("max_price", price)
		res = env.Post(t, "/my/wants", huge, authtest.As(other)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, price)
		require.Contains(t, res.Body, "must be at most 10000.00", "the bound the API names, however large the amount: %s", price)
	}

	res = env.Post(t, "/my/wants", wantForm(), authtest.As(other)...)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	res = env.Get(t, "/my/wants", authtest.As(other)...)
	require.Contains(t, res.Body, "Saved: you will hear when “\u2068Zauberberg\u2069” is listed at $20.00 or less.")
	require.Contains(t, res.Body, "data-want>")

	id := create(t, env, validForm()) // Der Zauberberg, by the seller, 12.50
	require.Equal(t, 1, catalogtest.MatchWants(ctx, t, env.Pool, id))
	res = env.Get(t, "/books", authtest.As(other)...)
	require.Contains(t, res.Body, `data-want-alerts>1<`, "the account menu counts the new match")
	res = env.Get(t, "/my/wants", authtest.As(other)...)
	require.Contains(t, res.Body, "data-want-match>")
	require.Contains(t, res.Body, "Der Zauberberg")
	require.Contains(t, res.Body, "data-want-alerts hidden></span>", "looking at the matches clears the count")
	res = env.Get(t, "/books", authtest.As(other)...)
	require.Contains(t, res.Body, "data-want-alerts hidden></span>")

	wants, err := env.Svc.Wants(ctx, catalogtest.Other)
	require.NoError(t, err)
	require.Len(t, wants, 1)
	edit := fmt.Sprintf("/my/wants/%d", wants[0].ID)
	res = env.Get(t, edit+"/edit", authtest.As(seller)...)
	require.Equal(t, http.StatusNotFound, res.StatusCode, "another's want is not found")
	res = env.Get(t, edit+"/edit", authtest.As(other)...)
	require.Equal(t, http.StatusOK, res.StatusCode)
	changed := wantForm()
	changed.Set("words", "?!")
	res = env.Post(t, edit, changed, authtest.As(other)...)
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, res.Body, "not only symbols")
	changed.Set("words", "Zauberberg Mann")
	res = env.Post(t, edit, changed, authtest.As(other)...)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	got, err := env.Svc.Want(ctx, catalogtest.Other, wants[0].ID)
	require.NoError(t, err)
	require.Equal(t, "Zauberberg Mann", got.Words)

	res = env.Post(t, edit+"/delete", nil, authtest.As(seller)...)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	res = env.Post(t, edit+"/delete", nil, authtest.As(other)...)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	wants, err = env.Svc.Wants(ctx, catalogtest.Other)
	require.NoError(t, err)
	require.Empty(t, wants)
}
