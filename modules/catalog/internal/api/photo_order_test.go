package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/api"
)

// TestAPI_OrderPhotos: PUT /photos/order sets the order of a listing's
// photos as a whole, and the book then shows them so, the new cover first;
// every refusal is a documented 4xx that changes nothing.
func TestAPI_OrderPhotos(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	b := createBook(t, env)
	path := fmt.Sprintf("/api/v1/books/%d", b.ID)
	res := env.Upload(t, path+"/photos", "photo", map[string][]byte{"1.jpg": catalogtest.JPEG(10, 10), "2.jpg": catalogtest.JPEG(20, 10), "3.jpg": catalogtest.JPEG(30, 10)}, authtest.As(seller)...)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	p := decode[struct{ Photos []api.Photo }](t, res).Photos
	require.Len(t, p, 3)
	order := path + "/photos/order"
	ids := func(ps []api.Photo) []int64 {
		out := make([]int64, len(ps))
		for i, ph := range ps {
			out[i] = ph.ID
		}
		return out
	}
	shown := func(t *testing.T) []int64 {
		t.Helper()
		return ids(decode[api.Book](t, env.JSON(t, http.MethodGet, path, "")).Photos)
	}
	body := func(ids ...int64) string {
		data, err := json.Marshal(api.PhotoOrderInput{PhotoIDs: ids})
		require.NoError(t, err)
		return string(data)
	}

	t.Run("Seller", func(t *testing.T) {
		for range 2 {
			res := env.JSON(t, http.MethodPut, order, body(p[2].ID, p[0].ID, p[1].ID), authtest.As(seller)...)
			require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
			got := decode[struct{ Photos []api.Photo }](t, res).Photos
			require.Equal(t, []int64{p[2].ID, p[0].ID, p[1].ID}, ids(got))
			require.Equal(t, p[2], got[0], "each photo keeps its addresses")
		}
		require.Equal(t, []int64{p[2].ID, p[0].ID, p[1].ID}, shown(t))
		list := decode[struct{ Books []api.Book }](t, env.JSON(t, http.MethodGet, "/api/v1/books", ""))
		require.Len(t, list.Books, 1)
		require.Equal(t, p[2].ID, list.Books[0].Photos[0].ID, "search results show the new cover")
	})
	t.Run("BadLists", func(t *testing.T) {
		before := shown(t)
		for name, c := range map[string]struct {
			body, want string
		}{
			"Misses":  {body(p[0].ID, p[1].ID), fmt.Sprintf("leaves out photo %d", p[2].ID)},
			"Repeats": {body(p[0].ID, p[1].ID, p[2].ID, p[0].ID), fmt.Sprintf("names photo %d more than once", p[0].ID)},
			"Adds":    {body(p[0].ID, p[1].ID, p[2].ID, 999), "names photo 999, which is not one of them"},
			"Missing": {`{}`, "required"},
			"Null":    {`{"photo_ids":null}`, "required"},
		} {
			res := env.JSON(t, http.MethodPut, order, c.body, authtest.As(seller)...)
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, name)
			require.Contains(t, errorOf(t, res).Fields["photo_ids"], c.want, name)
		}
		for name, b := range map[string]string{"NotNumbers": `{"photo_ids":["a"]}`, "NotAList": `{"photo_ids":1}`, "Unknown": `{"ids":[1]}`} {
			res := env.JSON(t, http.MethodPut, order, b, authtest.As(seller)...)
			require.GreaterOrEqual(t, res.StatusCode, 400, name)
			require.Less(t, res.StatusCode, 500, name)
		}
		res := env.Send(t, http.MethodPut, order, "text/plain", nil, authtest.As(seller)...)
		require.Equal(t, http.StatusUnsupportedMediaType, res.StatusCode)
		require.Equal(t, before, shown(t), "a refused list changes nothing")
	})
	t.Run("NotTheSeller", func(t *testing.T) {
		before := shown(t)
		res := env.JSON(t, http.MethodPut, order, body(p[1].ID, p[0].ID, p[2].ID), authtest.As(other)...)
		require.Equal(t, http.StatusNotFound, res.StatusCode, "as for a listing that does not exist")
		require.Equal(t, "catalog.not_found", errorOf(t, res).Code)
		res = env.JSON(t, http.MethodPut, order, body(p[1].ID, p[0].ID, p[2].ID))
		require.Equal(t, http.StatusUnauthorized, res.StatusCode)
		require.Equal(t, before, shown(t))
		res = env.JSON(t, http.MethodPut, "/api/v1/books/999999/photos/order", body(), authtest.As(seller)...)
		require.Equal(t, http.StatusNotFound, res.StatusCode)
	})
}
