package httpauth_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/internal/httpauth"
)

func TestSafeNext(t *testing.T) {
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
		require.Equal(t, want, httpauth.SafeNext(in), in)
	}
}

// FuzzSafeNext checks that whatever comes in, what goes out is a path on
// this site that a browser cannot read as another host.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/a", "//evil.com", "/\\evil", "https://x", "/%2f%2fx", "/.//x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := httpauth.SafeNext(in)
		require.True(t, strings.HasPrefix(out, "/"))
		require.False(t, strings.HasPrefix(out, "//"))
		require.NotContains(t, out, "\\")
		u, err := url.Parse(out)
		require.NoError(t, err)
		require.Empty(t, u.Host)
		require.Empty(t, u.Scheme)
	})
}
