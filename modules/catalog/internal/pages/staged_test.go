package pages_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

var stagedInput = regexp.MustCompile(`name="staged" value="([0-9a-f]+)"`)

// stagedTokens is the tokens of the photos a new-listing page keeps, in order.
func stagedTokens(body string) []string {
	var out []string
	for _, m := range stagedInput.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// listedOnceTold is the answer res to a new-listing form whose fields
// (form's) are right but a photo of which cannot be added: the form comes
// back saying so, and why (want), with the photos kept, and nothing is
// listed until it is sent again as shown.
func listedOnceTold(t *testing.T, env *catalogtest.Server, res webtest.Response, as []string, form url.Values, want string) catalog.BookID {
	t.Helper()
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, res.Body)
	require.Contains(t, res.Body, "The book is not listed yet: a photo you chose cannot be added (see Photos below).")
	require.Contains(t, res.Body, want)
	again := with(form, url.Values{"staged": stagedTokens(res.Body)})
	delete(again, "drop_staged")
	return listed(t, env.Post(t, "/my/listings", again, as...))
}

// with is form with the fields of more set too.
func with(form url.Values, more url.Values) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// Bad input loses nothing: the photos sent with a new-listing form that
// comes back are kept, shown to their owner only, and added when the form
// is sent again, once; a token that is not the seller's attaches nothing.
func TestPages_NewListingKeepsPhotos(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := context.Background()
	badPrice := with(validForm(), url.Values{"price": {"abc"}})
	send := func(t *testing.T, form url.Values, files ...any) (int, string) {
		t.Helper()
		ct, body := catalogtest.MultipartPhotos(t, form, files...)
		res := env.Send(t, http.MethodPost, "/my/listings", ct, body, authtest.As(seller)...)
		return res.StatusCode, res.Body
	}
	stage := func(t *testing.T, files ...any) []string {
		t.Helper()
		status, body := send(t, badPrice, files...)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		return stagedTokens(body)
	}
	widths := func(t *testing.T, id catalog.BookID) []int {
		t.Helper()
		l, err := env.Svc.Listing(ctx, id)
		require.NoError(t, err)
		out := []int{}
		for _, p := range l.Photos {
			out = append(out, p.Width)
		}
		return out
	}

	t.Run("FormComesBackWithThem", func(t *testing.T) {
		ct, body := catalogtest.MultipartPhotos(t, badPrice, "a.png", catalogtest.PNG(30, 40), "fake.jpg", []byte("my notes"), "b.jpg", catalogtest.JPEG(31, 40))
		res := env.Send(t, http.MethodPost, "/my/listings", ct, body, authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Contains(t, res.Body, `value="abc"`)
		tokens := stagedTokens(res.Body)
		require.Len(t, tokens, 2, "the two photos, not the file that is none")
		require.Contains(t, res.Body, `<p dir="auto">a.png</p>`)
		require.Contains(t, res.Body, `<p dir="auto">b.jpg</p>`)
		require.Contains(t, res.Body, "“\u2068fake.jpg\u2069” was not kept: the file is not a JPEG, PNG or WebP image.")
		require.Contains(t, res.Body, fmt.Sprintf(`name="drop_staged" value="%s"`, tokens[0]))
		require.Contains(t, res.Body, `data-max-files="4"`, "room for the photos not kept yet")

		thumb := "/my/photos/staged/" + tokens[0]
		require.Contains(t, res.Body, `src="`+thumb+`"`)
		img := env.Get(t, thumb, authtest.As(seller)...)
		require.Equal(t, http.StatusOK, img.StatusCode)
		require.Equal(t, "image/jpeg", img.Header.Get("Content-Type"))
		require.Equal(t, http.StatusNotFound, env.Get(t, thumb, authtest.As(other)...).StatusCode, "only to its owner")
		require.NotEqual(t, http.StatusOK, env.Get(t, thumb).StatusCode)

		// Sent again, bad once more, with another photo: all are kept.
		status, page := send(t, with(badPrice, url.Values{"staged": tokens}), "c.jpg", catalogtest.JPEG(32, 40))
		require.Equal(t, http.StatusUnprocessableEntity, status)
		again := stagedTokens(page)
		require.Len(t, again, 3)
		require.Equal(t, tokens, again[:2])

		// Published: the kept photos first, in order, then the new one.
		ct, body = catalogtest.MultipartPhotos(t, with(validForm(), url.Values{"staged": again}), "d.jpg", catalogtest.JPEG(33, 40))
		id := listed(t, env.Send(t, http.MethodPost, "/my/listings", ct, body, authtest.As(seller)...))
		require.Equal(t, []int{30, 31, 32, 33}, widths(t, id))
		require.Contains(t, env.Get(t, fmt.Sprintf("/my/listings/%d/edit", id), authtest.As(seller)...).Body, "Your book is listed. 4 photos added.")
		require.Equal(t, http.StatusNotFound, env.Get(t, thumb, authtest.As(seller)...).StatusCode, "no longer staged")

		// A used token adds nothing to another listing.
		second := listedOnceTold(t, env, env.Post(t, "/my/listings", with(validForm(), url.Values{"staged": again}), authtest.As(seller)...),
			authtest.As(seller), validForm(), "3 photos you chose earlier are no longer kept: choose them again.")
		require.Empty(t, widths(t, second))
	})
	t.Run("Dropping", func(t *testing.T) {
		tokens := stage(t, "a.jpg", catalogtest.JPEG(30, 40), "b.jpg", catalogtest.JPEG(31, 40))
		require.Len(t, tokens, 2)
		status, page := send(t, with(badPrice, url.Values{"staged": tokens, "drop_staged": tokens[:1]}))
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Equal(t, tokens[1:], stagedTokens(page))
		require.NotContains(t, page, "<p>a.jpg</p>")

		// Ticked on the form that is published, it is not added either.
		// The first, dropped before, is no longer kept.
		id := listedOnceTold(t, env, env.Post(t, "/my/listings", with(validForm(), url.Values{"staged": tokens, "drop_staged": tokens[1:]}), authtest.As(seller)...),
			authtest.As(seller), validForm(), "1 photo you chose earlier is no longer kept: choose it again.")
		require.Empty(t, widths(t, id))
	})
	t.Run("AnothersOrAForgedTokenIsIgnored", func(t *testing.T) {
		tokens := stage(t, "mine.jpg", catalogtest.JPEG(34, 40))
		require.Len(t, tokens, 1)
		forged := "0123456789abcdef0123456789abcdef"

		ct, body := catalogtest.MultipartPhotos(t, with(badPrice, url.Values{"staged": {tokens[0], forged}}))
		res := env.Send(t, http.MethodPost, "/my/listings", ct, body, authtest.As(other)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Empty(t, stagedTokens(res.Body), "another's photo is not shown")
		require.NotContains(t, res.Body, "mine.jpg")

		ct, body = catalogtest.MultipartPhotos(t, with(validForm(), url.Values{"staged": {tokens[0], forged}, "drop_staged": tokens}))
		theirs := listedOnceTold(t, env, env.Send(t, http.MethodPost, "/my/listings", ct, body, authtest.As(other)...),
			authtest.As(other), validForm(), "1 photo you chose earlier is no longer kept: choose it again.")
		require.Empty(t, widths(t, theirs), "never someone else's photo")

		mine := listed(t, env.Post(t, "/my/listings", with(validForm(), url.Values{"staged": tokens}), authtest.As(seller)...))
		require.Equal(t, []int{34}, widths(t, mine), "still the seller's to use")
	})
	t.Run("FillFromISBNKeepsThem", func(t *testing.T) {
		ct, body := catalogtest.MultipartPhotos(t, url.Values{"isbn": {"978-0-14-143951-8"}, "copies": {"1"}}, "cover.jpg", catalogtest.JPEG(35, 40))
		res := env.Send(t, http.MethodPost, "/my/listings/new", ct, body, authtest.As(seller)...)
		tokens := stagedTokens(res.Body)
		require.Len(t, tokens, 1, res.Body)
		require.Contains(t, res.Body, `<p dir="auto">cover.jpg</p>`)
		require.NotContains(t, res.Body, "Choose your photos again")

		id := listed(t, env.Post(t, "/my/listings", with(validForm(), url.Values{"staged": tokens}), authtest.As(seller)...))
		require.Equal(t, []int{35}, widths(t, id))
	})
}

// A good photo sent after a bad one is added: each refused one is named
// with its reason, on the new-listing form and the edit page's upload.
func TestPages_PhotosAfterARefusedOne(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := context.Background()
	files := []any{"a.png", catalogtest.PNG(30, 40), "fake.jpg", []byte("my notes"), "b.jpg", catalogtest.JPEG(31, 40)}
	const outcome = "2 of 3 photos added; “\u2068fake.jpg\u2069” was not: the file is not a JPEG, PNG or WebP image."

	// Listed without it, the book would go on sale looking complete: the
	// form comes back, the others kept, and lists it sent again as shown.
	ct, body := catalogtest.MultipartPhotos(t, validForm(), files...)
	id := listedOnceTold(t, env, env.Send(t, http.MethodPost, "/my/listings", ct, body, authtest.As(seller)...), authtest.As(seller), validForm(),
		"“\u2068fake.jpg\u2069” was not kept: the file is not a JPEG, PNG or WebP image.")
	l, err := env.Svc.Listing(ctx, id)
	require.NoError(t, err)
	require.Len(t, l.Photos, 2)
	require.Equal(t, 31, l.Photos[1].Width, "b.jpg")
	require.Contains(t, env.Get(t, fmt.Sprintf("/my/listings/%d/edit", id), authtest.As(seller)...).Body, "Your book is listed. 2 photos added.")

	ct, body = catalogtest.MultipartPhotos(t, nil, files...)
	res := env.Send(t, http.MethodPost, fmt.Sprintf("/my/listings/%d/photos", id), ct, body, authtest.As(seller)...)
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, res.Body, outcome)
	l, err = env.Svc.Listing(ctx, id)
	require.NoError(t, err)
	require.Len(t, l.Photos, 4)
}

// Kept photos lost meanwhile (another tab listed them, the sweep or the
// per-seller cap removed them) are never lost in silence: the form that
// comes back, and the listing made, say how many to choose again.
func TestPages_NewListingTellsOfPhotosNoLongerKept(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := context.Background()
	noTitle := with(validForm(), url.Values{"title": {""}})
	stage := func(t *testing.T, n int) []string {
		t.Helper()
		files := make([]any, 0, 2*n)
		for i := range n {
			files = append(files, fmt.Sprintf("p%d.jpg", i), catalogtest.JPEG(30+i, 40))
		}
		ct, body := catalogtest.MultipartPhotos(t, noTitle, files...)
		res := env.Send(t, http.MethodPost, "/my/listings", ct, body, authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		tokens := stagedTokens(res.Body)
		require.Len(t, tokens, n)
		return tokens
	}
	flash := func(t *testing.T, id catalog.BookID) string {
		t.Helper()
		return env.Get(t, fmt.Sprintf("/my/listings/%d/edit", id), authtest.As(seller)...).Body
	}

	t.Run("ListedFromAnotherTab", func(t *testing.T) {
		tokens := stage(t, 4)
		listed(t, env.Post(t, "/my/listings", with(validForm(), url.Values{"staged": tokens}), authtest.As(seller)...))

		// The other tab's form comes back: the photos cannot be shown.
		res := env.Post(t, "/my/listings", with(noTitle, url.Values{"staged": tokens}), authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Empty(t, stagedTokens(res.Body))
		require.Contains(t, res.Body, "4 photos you chose earlier are no longer kept: choose them again.")

		id := listedOnceTold(t, env, env.Post(t, "/my/listings", with(validForm(), url.Values{"staged": tokens}), authtest.As(seller)...),
			authtest.As(seller), validForm(), "4 photos you chose earlier are no longer kept: choose them again.")
		require.Contains(t, flash(t, id), "Your book is listed. Add photos below so shoppers can see the book.")
	})
	t.Run("PastTheCap", func(t *testing.T) {
		formA := stage(t, 4)
		for range 4 {
			stage(t, service.MaxPhotos)
		}
		listedOnceTold(t, env, env.Post(t, "/my/listings", with(validForm(), url.Values{"staged": formA}), authtest.As(seller)...),
			authtest.As(seller), validForm(), "4 photos you chose earlier are no longer kept: choose them again.")
	})
	t.Run("SomeSwept", func(t *testing.T) {
		tokens := stage(t, 3)
		_, err := env.Pool.Exec(ctx, `DELETE FROM catalog.staged_photos WHERE token = $1`, tokens[1])
		require.NoError(t, err)

		res := env.Post(t, "/my/listings", with(noTitle, url.Values{"staged": tokens, "drop_staged": tokens[2:]}), authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Equal(t, tokens[:1], stagedTokens(res.Body))
		require.Contains(t, res.Body, "1 photo you chose earlier is no longer kept: choose it again.", "the removed one; not the one dropped")

		_, err = env.Pool.Exec(ctx, `DELETE FROM catalog.staged_photos WHERE token = $1`, tokens[0])
		require.NoError(t, err)
		ct, body := catalogtest.MultipartPhotos(t, with(validForm(), url.Values{"staged": tokens[:2]}), "new.jpg", catalogtest.JPEG(50, 40))
		id := listedOnceTold(t, env, env.Send(t, http.MethodPost, "/my/listings", ct, body, authtest.As(seller)...),
			authtest.As(seller), validForm(), "2 photos you chose earlier are no longer kept: choose them again.")
		require.Contains(t, flash(t, id), "Your book is listed. 1 photo added.")
	})
}

// Phones name every photo image.jpg: the kept photos are numbered for a
// screen reader as on the edit page, and a refused one is named with its
// place among the files sent when its name is not its own.
func TestPages_PhotosOfOneNameAreNumbered(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	files := []any{"image.jpg", catalogtest.JPEG(30, 40), "image.jpg", []byte("my notes"), "image.jpg", catalogtest.JPEG(31, 40)}

	ct, body := catalogtest.MultipartPhotos(t, with(validForm(), url.Values{"title": {""}}), files...)
	res := env.Send(t, http.MethodPost, "/my/listings", ct, body, authtest.As(seller)...)
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, res.Body, "alt=\"Photo 1 (“\u2068image.jpg\u2069”)\"")
	require.Contains(t, res.Body, "alt=\"Photo 2 (“\u2068image.jpg\u2069”)\"")
	require.Contains(t, res.Body, ">Remove photo 1 (“\u2068image.jpg\u2069”)</label>")
	require.Contains(t, res.Body, ">Remove photo 2 (“\u2068image.jpg\u2069”)</label>")
	require.Contains(t, res.Body, "“\u2068image.jpg\u2069” (file 2) was not kept: the file is not a JPEG, PNG or WebP image.")

	ct, body = catalogtest.MultipartPhotos(t, validForm(), files...)
	listedOnceTold(t, env, env.Send(t, http.MethodPost, "/my/listings", ct, body, authtest.As(seller)...), authtest.As(seller), validForm(),
		"“\u2068image.jpg\u2069” (file 2) was not kept: the file is not a JPEG, PNG or WebP image.")
}
