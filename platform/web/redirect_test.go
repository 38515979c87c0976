package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

func TestLocalPath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/books/1":                      "/books/1",
		"/my/orders?page=2#top":         "/my/orders?page=2#top",
		"":                              "/",
		"//evil.com":                    "/",
		"///evil.com":                   "/",
		"/\\evil.com":                   "/",
		"\\\\evil.com":                  "/",
		"https://evil.com":              "/",
		"http:/evil.com":                "/",
		"javascript:alert(1)":           "/",
		"evil.com/path":                 "/",
		"/ok\nLocation: //x":            "/",
		"/\tevil":                       "/",
		"/" + strings.Repeat("a", 3000): "/",
	} {
		require.Equal(t, want, web.LocalPath(in, "/"), in)
	}
}

// FuzzLocalPath checks that whatever comes in, what goes out is a path on
// this site that a browser cannot read as another host.
func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/a", "//evil.com", "/\\evil", "https://x", "/%2f%2fx", "/.//x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := web.LocalPath(in, "/")
		require.True(t, strings.HasPrefix(out, "/"))
		require.False(t, strings.HasPrefix(out, "//"))
		require.NotContains(t, out, "\\")
		u, err := url.Parse(out)
		require.NoError(t, err)
		require.Empty(t, u.Host)
		require.Empty(t, u.Scheme)
	})
}

func TestBack(t *testing.T) {
	t.Parallel()
	for ref, want := range map[string]string{
		"http://shop.test/books/3?q=a":     "/books/3?q=a",
		"http://shop.test//evil.example/x": "/cart",
		"http://shop.test/\\evil.example":  "/%5Cevil.example",
		"http://other.test/books/3":        "/cart",
		"":                                 "/cart",
		"not a url at all\x7f":             "/cart",
	} {
		r := httptest.NewRequest(http.MethodPost, "http://shop.test/cart/items", nil)
		r.Header.Set("Referer", ref)
		require.Equal(t, want, web.Back(r, "/cart"), ref)
	}
}

// TestPastTheEnd: an empty page past the first goes to the first page of
// the same list, filters kept, with a message; any other page is left to
// its handler.
func TestPastTheEnd(t *testing.T) {
	t.Parallel()
	for target, want := range map[string]string{
		"/my/listings?page=7":              "/my/listings",
		"/books?q=dune&page=99&sort=new":   "/books?q=dune&sort=new",
		"/sellers/4?page=2&reviews_page=9": "/sellers/4?reviews_page=9",
	} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, target, nil)
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		require.True(t, web.PastTheEnd(w, r, "page", page, 0), target)
		require.Equal(t, http.StatusSeeOther, w.Code)
		require.Equal(t, want, w.Header().Get("Location"))
		require.Contains(t, w.Header().Get("Set-Cookie"), "flash=")
	}
	for _, tc := range []struct{ page, n int }{{1, 0}, {2, 1}, {0, 0}} {
		w := httptest.NewRecorder()
		require.False(t, web.PastTheEnd(w, httptest.NewRequest(http.MethodGet, "/my/orders", nil), "page", tc.page, tc.n), "%+v", tc)
		require.Empty(t, w.Header().Get("Location"))
	}
}

// A refused form goes with the browser to a page of this site only, in
// the flash that page reads it from.
func TestRedirectRefused(t *testing.T) {
	t.Parallel()
	form := view.RefusedForm{Action: "/cart/items", Values: map[string]string{"quantity": "two"}, Errors: map[string]string{"quantity": "enter a whole number"}}
	for to, want := range map[string]string{"/books/7": "/books/7", "//evil.com": "/"} {
		rec := httptest.NewRecorder()
		web.RedirectRefused(rec, httptest.NewRequest(http.MethodPost, "/cart/items", nil), "Quantity: enter a whole number", form, to)
		require.Equal(t, http.StatusSeeOther, rec.Code)
		require.Equal(t, want, rec.Header().Get("Location"))
		next := httptest.NewRequest(http.MethodGet, want, nil)
		for _, c := range rec.Result().Cookies() {
			next.AddCookie(c)
		}
		got, ok := view.RefusedFormOf(next, "/cart/items")
		require.True(t, ok)
		require.Equal(t, form, got)
	}
}
