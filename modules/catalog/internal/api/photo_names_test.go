package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/api"
)

// TestAPI_PhotosOfOneName: phones name every photo image.jpg, so a refused
// file whose name another file sent shares is told by its place among the
// files (number, from 1), in the list of refusals and in the message when
// none was added; a name sent once goes without it.
func TestAPI_PhotosOfOneName(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	path := fmt.Sprintf("/api/v1/books/%d/photos", createBook(t, env).ID)
	ct, body := catalogtest.MultipartPhotos(t, nil, "image.jpg", catalogtest.JPEG(8, 8), "image.jpg", []byte("not an image"), "other.jpg", []byte("not an image either"))
	res := env.Send(t, http.MethodPost, path, ct, body, authtest.As(seller)...)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	require.Equal(t, []api.RefusedPhoto{
		{File: "image.jpg", Number: 2, Message: "the file is not a JPEG, PNG or WebP image"},
		{File: "other.jpg", Message: "the file is not a JPEG, PNG or WebP image"},
	}, decode[api.PhotosAdded](t, res).Refused)
	require.NotContains(t, res.Body, `"number":0`, "a name sent once goes without it")

	ct, body = catalogtest.MultipartPhotos(t, nil, "image.jpg", []byte("no"), "image.jpg", []byte("nor this"))
	res = env.Send(t, http.MethodPost, path, ct, body, authtest.As(seller)...)
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, res.Body)
	require.Equal(t, "none of the 2 photos were added; “\u2068image.jpg\u2069” (file 1): the file is not a JPEG, PNG or WebP image; “\u2068image.jpg\u2069” (file 2): the file is not a JPEG, PNG or WebP image",
		errorOf(t, res).Message)
}
