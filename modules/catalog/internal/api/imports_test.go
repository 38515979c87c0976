package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/api"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
)

func TestAPI_Imports(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	book := createBook(t, env)
	l, err := env.Svc.Listing(t.Context(), book.ID)
	require.NoError(t, err)

	csv := "title,author,isbn,condition,price\n" +
		fmt.Sprintf("%s,%s,%s,%s,3\n", l.Title, l.Author, l.ISBN, l.Condition) +
		"Emma,,,good,4\n"
	res := env.Send(t, http.MethodPost, "/api/v1/me/imports?filename=stock.csv", "text/csv", strings.NewReader(csv), authtest.As(seller)...)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	p := decode[api.ImportPreview](t, res)
	require.Equal(t, "stock.csv", p.Import.Filename)
	require.Equal(t, service.ImportStaged, p.Import.State)
	require.Len(t, p.Rows, 2)
	require.True(t, p.Rows[0].Valid)
	require.NotNil(t, p.Rows[0].Updates, "the seller's listing of that ISBN and condition")
	require.Equal(t, book.ID, *p.Rows[0].Updates)
	require.False(t, p.Rows[1].Valid)
	require.Contains(t, p.Rows[1].Errors, "author")
	at := res.Header.Get("Location")
	require.Equal(t, fmt.Sprintf("/api/v1/me/imports/%d", p.Import.ID), at)

	require.Equal(t, http.StatusNotFound, env.JSON(t, http.MethodGet, at, "", authtest.As(other)...).StatusCode)
	res = env.JSON(t, http.MethodPost, at+"/confirm", "", authtest.As(seller)...)
	require.Equal(t, http.StatusAccepted, res.StatusCode, res.Body)
	require.Equal(t, service.ImportQueued, decode[api.Import](t, res).State)
	res = env.JSON(t, http.MethodPost, at+"/confirm", "", authtest.As(seller)...)
	require.Equal(t, http.StatusConflict, res.StatusCode)
	require.Equal(t, "catalog.import_state", errorOf(t, res).Code)

	require.NoError(t, env.Svc.RunImport(t.Context(), p.Import.ID))
	res = env.JSON(t, http.MethodGet, at, "", authtest.As(seller)...)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	im := decode[api.Import](t, res)
	require.Equal(t, service.ImportDone, im.State)
	require.Equal(t, 1, im.Updated)
	require.Zero(t, im.Created)
	require.Equal(t, []service.ImportRefusal{{Line: 3, Reason: "author: enter the author, or several separated by commas"}}, im.Refused)

	res = env.Send(t, http.MethodPost, "/api/v1/me/imports", "text/csv", strings.NewReader("title,colour\n"), authtest.As(seller)...)
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, errorOf(t, res).Fields, "file")
	res = env.Send(t, http.MethodPost, "/api/v1/me/imports", "text/csv", strings.NewReader(strings.Repeat("x", service.MaxImportBytes+1)), authtest.As(seller)...)
	require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
}
