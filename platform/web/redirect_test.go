package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

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
