package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/apperr"
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

// TestPastTheEnd: an empty page past the first goes to the last page of
// the same list that has items (the first when none has), filters kept,
// with a message, after a few reads; any other page is left to its
// handler.
func TestPastTheEnd(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		target string
		pages  int // how many pages hold items
		want   string
	}{
		{"/my/orders?page=3", 2, "/my/orders?page=2"},
		{"/notifications?page=99", 2, "/notifications?page=2"},
		{"/my/listings?page=7", 1, "/my/listings"},
		{"/my/listings?page=1000", 0, "/my/listings"},
		{"/books?q=dune&page=99&sort=new", 41, "/books?page=41&q=dune&sort=new"},
		{"/sellers/4?page=2&reviews_page=9", 1, "/sellers/4?reviews_page=9"},
	} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, tc.target, nil)
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		reads := 0
		lenOf := func(n int) (int, error) {
			reads++
			require.Less(t, n, page, "a page before the empty one")
			if n <= tc.pages {
				return 20, nil
			}
			return 0, nil
		}
		require.True(t, web.PastTheEnd(w, r, "page", page, 0, lenOf), tc.target)
		require.Equal(t, http.StatusSeeOther, w.Code)
		require.Equal(t, tc.want, w.Header().Get("Location"), tc.target)
		require.Contains(t, w.Header().Get("Set-Cookie"), "flash=")
		require.LessOrEqual(t, reads, 10, "%s: bisection, not a walk", tc.target)
	}
	for _, tc := range []struct{ page, n int }{{1, 0}, {2, 1}, {0, 0}} {
		w := httptest.NewRecorder()
		lenOf := func(int) (int, error) { panic("no page is read") }
		require.False(t, web.PastTheEnd(w, httptest.NewRequest(http.MethodGet, "/my/orders", nil), "page", tc.page, tc.n, lenOf), "%+v", tc)
		require.Empty(t, w.Header().Get("Location"))
	}

	// A page that cannot be read is an error, not a guess.
	w := httptest.NewRecorder()
	lenOf := func(int) (int, error) { return 0, apperr.ErrUnavailable }
	require.True(t, web.PastTheEnd(w, httptest.NewRequest(http.MethodGet, "/my/orders?page=5", nil), "page", 5, 0, lenOf))
	require.Equal(t, http.StatusServiceUnavailable, w.Code)
	require.Empty(t, w.Header().Get("Location"))
}

// TestCountedPages: a list that counts its items is counted once, however
// many pages PastTheEnd asks about, and finds the same last page.
func TestCountedPages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		items int
		want  string
	}{{101, "/my/listings?page=6"}, {100, "/my/listings?page=5"}, {0, "/my/listings"}} {
		counts := 0
		lenOf := web.CountedPages(20, func() (int, error) { counts++; return tc.items, nil })
		w := httptest.NewRecorder()
		require.True(t, web.PastTheEnd(w, httptest.NewRequest(http.MethodGet, "/my/listings?page=500", nil), "page", 500, 0, lenOf))
		require.Equal(t, tc.want, w.Header().Get("Location"), "%d items", tc.items)
		require.Equal(t, 1, counts)
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
