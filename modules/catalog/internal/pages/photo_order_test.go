package pages_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
)

// TestPages_PhotoOrder: beside each photo the edit page offers "Make
// cover", "Move earlier" and "Move later" where they apply, each a plain
// form (no JavaScript) whose button names the photo; each move comes back
// to the edit page saying what it did, and the book's page, its cover and
// the search results follow the new order.
func TestPages_PhotoOrder(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := context.Background()
	id := create(t, env, validForm())
	edit := fmt.Sprintf("/my/listings/%d/edit", id)
	res := env.Upload(t, fmt.Sprintf("/my/listings/%d/photos", id), "photo", map[string][]byte{"1.jpg": catalogtest.JPEG(10, 10), "2.jpg": catalogtest.JPEG(20, 10), "3.jpg": catalogtest.JPEG(30, 10)}, authtest.As(seller)...)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	photos := func(t *testing.T) []service.Photo {
		t.Helper()
		l, err := env.Svc.Listing(ctx, id)
		require.NoError(t, err)
		return l.Photos
	}
	p := photos(t)
	require.Len(t, p, 3)
	action := func(ph service.Photo, what string) string {
		return fmt.Sprintf("/my/listings/%d/photos/%d/%s", id, ph.ID, what)
	}
	// button is the form of one action, as the page must draw it.
	button := func(ph service.Photo, what, label string, n int) *regexp.Regexp {
		return regexp.MustCompile(`<form method="post" class="inline" action="` + regexp.QuoteMeta(action(ph, what)) + `"><input type="hidden" name="csrf_token" value="[^"]+"><button type="submit" class="secondary">` +
			regexp.QuoteMeta(label) + `<span class="visually-hidden"> photo ` + fmt.Sprint(n) + `</span></button></form>`)
	}
	// move sends one button's form as a browser without JavaScript does,
	// and returns the message of the page it is sent back to.
	move := func(t *testing.T, ph service.Photo, what string) string {
		t.Helper()
		page := env.Get(t, edit, authtest.As(seller)...)
		require.Contains(t, page.Body, `action="`+action(ph, what)+`"`, "the page offers it")
		res := env.Post(t, action(ph, what), nil, authtest.As(seller)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Equal(t, edit, res.Header.Get("Location"))
		return flashOf(t, env.Get(t, edit, authtest.As(seller)...).Body)
	}

	t.Run("Buttons", func(t *testing.T) {
		body := env.Get(t, edit, authtest.As(seller)...).Body
		require.NotContains(t, body, action(p[0], "cover"), "the cover is no button")
		require.NotContains(t, body, action(p[0], "earlier"))
		require.Contains(t, body, "<strong>Cover</strong>")
		require.Regexp(t, button(p[0], "later", "Move later", 1), body)
		require.Regexp(t, button(p[1], "cover", "Make cover", 2), body)
		require.Regexp(t, button(p[1], "earlier", "Move earlier", 2), body)
		require.Regexp(t, button(p[1], "later", "Move later", 2), body)
		require.Regexp(t, button(p[2], "cover", "Make cover", 3), body)
		require.Regexp(t, button(p[2], "earlier", "Move earlier", 3), body)
		require.NotContains(t, body, action(p[2], "later"), "the last photo moves no later")
		require.Regexp(t, button(p[2], "delete", "Remove", 3), body)
	})
	t.Run("Moves", func(t *testing.T) {
		require.Equal(t, "Photo 3 is now the cover.", move(t, p[2], "cover"))
		require.Equal(t, []service.Photo{p[2], p[0], p[1]}, photos(t))
		require.Equal(t, "Photo 3 moved earlier.", move(t, p[1], "earlier"))
		require.Equal(t, []service.Photo{p[2], p[1], p[0]}, photos(t))
		require.Equal(t, "Photo 1 moved later.", move(t, p[2], "later"))
		require.Equal(t, []service.Photo{p[1], p[2], p[0]}, photos(t))

		book := env.Get(t, fmt.Sprintf("/books/%d", id)).Body
		require.Contains(t, book, `<img id="gallery-main" src="`+p[1].URL("large")+`"`, "the book's page opens on the new cover")
		cover := env.Get(t, fmt.Sprintf("/books/%d/cover", id))
		require.Equal(t, p[1].URL("thumb"), cover.Header.Get("Location"))
		search := env.Get(t, "/books?q=Zauberberg").Body
		require.Contains(t, search, p[1].URL("thumb"))
		require.NotContains(t, search, p[0].URL("thumb"), "a card shows the cover only")
	})
	t.Run("StalePage", func(t *testing.T) {
		// A button of a page shown before another move.
		res := env.Post(t, action(p[1], "earlier"), nil, authtest.As(seller)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Equal(t, edit, res.Header.Get("Location"))
		require.Equal(t, "The photo was not moved: the photo is first already, so it cannot move earlier.", flashOf(t, env.Get(t, edit, authtest.As(seller)...).Body))
		res = env.Post(t, action(p[0], "later"), nil, authtest.As(seller)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Equal(t, "The photo was not moved: the photo is last already, so it cannot move later.", flashOf(t, env.Get(t, edit, authtest.As(seller)...).Body))
		require.Equal(t, []service.Photo{p[1], p[2], p[0]}, photos(t))
	})
	t.Run("Refused", func(t *testing.T) {
		res := env.Post(t, action(p[0], "cover"), nil, authtest.As(other)...)
		require.Equal(t, http.StatusNotFound, res.StatusCode, "as for a listing that does not exist")
		res = env.Post(t, action(p[0], "cover"), nil, authtest.As(admin)...)
		require.Equal(t, http.StatusNotFound, res.StatusCode, "as Remove")
		res = env.Post(t, fmt.Sprintf("/my/listings/%d/photos/x/later", id), nil, authtest.As(seller)...)
		require.Equal(t, http.StatusNotFound, res.StatusCode)
		res = env.Post(t, action(p[0], "cover"), nil)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, "a visitor is sent to sign in")
		require.Contains(t, res.Header.Get("Location"), "/signin")
		require.Equal(t, []service.Photo{p[1], p[2], p[0]}, photos(t))
	})
	t.Run("RemovedPhoto", func(t *testing.T) {
		// The buttons of a page shown before its photo was removed (in
		// another tab) go back to the edit page saying so.
		res := env.Post(t, action(p[0], "delete"), nil, authtest.As(seller)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Equal(t, "The photo is removed.", flashOf(t, env.Get(t, edit, authtest.As(seller)...).Body))
		for _, what := range []string{"cover", "earlier", "later"} {
			res := env.Post(t, action(p[0], what), nil, authtest.As(seller)...)
			require.Equal(t, http.StatusSeeOther, res.StatusCode, what)
			require.Equal(t, edit, res.Header.Get("Location"), what)
			require.Equal(t, "The photo was not moved: it has been removed since the page was shown.", flashOf(t, env.Get(t, edit, authtest.As(seller)...).Body), what)
		}
		res = env.Post(t, action(p[0], "delete"), nil, authtest.As(seller)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, "removed twice")
		require.Equal(t, edit, res.Header.Get("Location"))
		require.Equal(t, "That photo was already removed.", flashOf(t, env.Get(t, edit, authtest.As(seller)...).Body))
		require.Equal(t, []service.Photo{p[1], p[2]}, photos(t))
	})
}

var flashText = regexp.MustCompile(`<div class="flash flash-[a-z]+" role="(?:status|alert)">([^<]*)</div>`)

// flashOf is the message a page shows after an action, announced to a
// screen reader (role status, or alert for an error).
func flashOf(t *testing.T, page string) string {
	t.Helper()
	m := flashText.FindStringSubmatch(page)
	require.NotNil(t, m, "the page shows a message")
	return m[1]
}
