package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/web"
)

// TestCursor: an internal feed's page is two whole numbers; anything else
// is a 400, and the ranges are left to the service.
func TestCursor(t *testing.T) {
	t.Parallel()
	after, limit, err := web.Cursor(httptest.NewRequest(http.MethodGet, "/internal/v1/feed?after=41&limit=500", nil))
	require.NoError(t, err)
	require.Equal(t, int64(41), after)
	require.Equal(t, 500, limit)
	after, limit, err = web.Cursor(httptest.NewRequest(http.MethodGet, "/internal/v1/feed?after=-1&limit=0", nil))
	require.NoError(t, err, "the service judges the ranges")
	require.Equal(t, []int64{-1, 0}, []int64{after, int64(limit)})
	for _, q := range []string{"", "?after=1", "?limit=1", "?after=x&limit=1", "?after=1&limit=1.5", "?after=99999999999999999999&limit=1"} {
		_, _, err := web.Cursor(httptest.NewRequest(http.MethodGet, "/internal/v1/feed"+q, nil))
		require.Equal(t, apperr.BadRequest, apperr.KindOf(err), q)
	}
}

// TestFormID: a form's id is a positive whole number; anything else names
// no choice (0).
func TestFormID(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]int64{
		"book_id=42": 42, "book_id=+7": 7, "book_id=%2042%20": 42,
		"": 0, "book_id=": 0, "book_id=0": 0, "book_id=-3": 0, "book_id=4.5": 0, "book_id=x": 0, "book_id=99999999999999999999": 0,
	} {
		r := httptest.NewRequest(http.MethodPost, "/cart/items", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		require.Equal(t, want, web.FormID(r, "book_id"), body)
	}
	require.Equal(t, int64(3), web.FormID(httptest.NewRequest(http.MethodGet, "/checkout?provider=3", nil), "provider"), "a query parameter too")
}
