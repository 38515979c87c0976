package pages_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/platform/view"
)

// A listing's photos are seen by whoever may see the listing: hiding it,
// a draft, or a disabled seller takes them offline for everyone but its
// seller and the admins, at their addresses and through the cover.
func TestPages_PhotosFollowTheListing(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := context.Background()
	withPhoto := func(t *testing.T, form url.Values) (catalog.BookID, []string) {
		t.Helper()
		id := create(t, env, form)
		res := env.Upload(t, fmt.Sprintf("/my/listings/%d/photos", id), "photo", map[string][]byte{"cover.png": catalogtest.PNG(60, 90)}, authtest.As(seller)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		l, err := env.Svc.Listing(ctx, id)
		require.NoError(t, err)
		require.Len(t, l.Photos, 1)
		return id, []string{l.Photos[0].URL("large"), l.Photos[0].URL("thumb")}
	}
	cover := func(id catalog.BookID) string { return fmt.Sprintf("/books/%d/cover", id) }
	// shown checks what u (nil: a visitor) gets of the listing's photos.
	shown := func(t *testing.T, id catalog.BookID, urls []string, u *auth.User, want bool) {
		t.Helper()
		for _, p := range urls {
			res := env.Get(t, p, authtest.As(u)...)
			if !want {
				require.Equal(t, http.StatusFound, res.StatusCode, p)
				require.Equal(t, view.AssetURL("no-photo.svg"), res.Header.Get("Location"), "a page shown before shows the placeholder, not the photo nor a broken image")
				require.Equal(t, "no-store", res.Header.Get("Cache-Control"), p)
				continue
			}
			require.Equal(t, http.StatusOK, res.StatusCode, p)
			require.Equal(t, "image/jpeg", res.Header.Get("Content-Type"), p)
		}
		res := env.Get(t, cover(id), authtest.As(u)...)
		require.Equal(t, http.StatusFound, res.StatusCode)
		if want {
			require.Equal(t, urls[1], res.Header.Get("Location"), "the thumbnail")
		} else {
			require.Equal(t, view.AssetURL("no-photo.svg"), res.Header.Get("Location"), "as for a listing that does not exist")
		}
	}

	id, urls := withPhoto(t, validForm())
	for _, u := range []*auth.User{nil, other, seller, admin} {
		shown(t, id, urls, u, true)
	}
	t.Run("CacheControl", func(t *testing.T) {
		cc := env.Get(t, urls[0]).Header.Get("Cache-Control")
		require.Contains(t, cc, "public")
		require.Contains(t, cc, "s-maxage=300", "a shared cache drops it minutes after the listing is hidden")
		require.NotContains(t, cc, "31536000")
		require.Contains(t, env.Get(t, cover(id)).Header.Get("Cache-Control"), "public")
	})
	t.Run("Hidden", func(t *testing.T) {
		res := env.Post(t, fmt.Sprintf("/admin/listings/%d/hide", id), url.Values{"reason": {"Abusive photo"}}, authtest.As(admin)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Equal(t, http.StatusNotFound, env.Get(t, fmt.Sprintf("/books/%d", id)).StatusCode)
		shown(t, id, urls, nil, false)
		shown(t, id, urls, other, false)
		shown(t, id, urls, seller, true)
		shown(t, id, urls, admin, true)
		res = env.Get(t, urls[1], authtest.As(seller)...)
		require.Equal(t, "no-store", res.Header.Get("Cache-Control"), "only its seller and admins may see it: no cache keeps it")
		require.Equal(t, "no-store", env.Get(t, cover(id), authtest.As(seller)...).Header.Get("Cache-Control"))
		edit := env.Get(t, fmt.Sprintf("/my/listings/%d/edit", id), authtest.As(seller)...)
		require.Equal(t, http.StatusOK, edit.StatusCode)
		require.Contains(t, edit.Body, urls[1], "the seller's edit page shows the photo")
		list := env.Get(t, "/admin/listings?state=hidden", authtest.As(admin)...)
		require.Contains(t, list.Body, urls[1], "the admin's list shows the photo")

		res = env.Post(t, fmt.Sprintf("/admin/listings/%d/unhide", id), nil, authtest.As(admin)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		shown(t, id, urls, nil, true)
	})
	t.Run("Draft", func(t *testing.T) {
		form := validForm()
		form.Set("draft", "1")
		draft, urls := withPhoto(t, form)
		l, err := env.Svc.Listing(ctx, draft)
		require.NoError(t, err)
		require.Equal(t, catalog.StatusDraft, l.Status)
		shown(t, draft, urls, nil, false)
		shown(t, draft, urls, seller, true)
	})
	t.Run("SellerDisabled", func(t *testing.T) {
		catalogtest.SetSellerDisabled(ctx, t, env.Pool, seller.ID, true)
		shown(t, id, urls, nil, false)
		shown(t, id, urls, admin, true)
		catalogtest.SetSellerDisabled(ctx, t, env.Pool, seller.ID, false)
		shown(t, id, urls, nil, true)
	})
	t.Run("NotAListingsPhoto", func(t *testing.T) {
		for _, p := range []string{"/photos/b999999/0123456789abcdef01234567-320.jpg", "/photos/x1/0123456789abcdef01234567-320.jpg", "/photos/b/0-320.jpg"} {
			require.Equal(t, http.StatusNotFound, env.Get(t, p, authtest.As(admin)...).StatusCode, p)
		}
	})
}
