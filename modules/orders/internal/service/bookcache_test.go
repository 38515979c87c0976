package service

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog"
)

// TestBookCache_BoundedAndFresh: the cache answers only when every book
// asked for is younger than bookTTL, forgets what it is told to, and never
// holds more than maxCachedBooks, dropping the expired first.
func TestBookCache_BoundedAndFresh(t *testing.T) {
	t.Parallel()
	var c bookCache
	t0 := time.Unix(1_000_000, 0)
	some := func(from, n int) map[catalog.BookID]catalog.Book {
		m := make(map[catalog.BookID]catalog.Book, n)
		for i := from; i < from+n; i++ {
			m[catalog.BookID(i)] = catalog.Book{ID: catalog.BookID(i), Title: "t"}
		}
		return m
	}
	c.put(some(1, 2), t0)
	got, ok := c.get([]catalog.BookID{1, 2}, t0.Add(bookTTL-time.Nanosecond))
	require.True(t, ok)
	require.Equal(t, "t", got[2].Title)
	_, ok = c.get([]catalog.BookID{1, 2}, t0.Add(bookTTL))
	require.False(t, ok, "expired")
	_, ok = c.get([]catalog.BookID{1, 3}, t0)
	require.False(t, ok, "one unknown book")
	c.forget([]Line{{BookID: 1}})
	_, ok = c.get([]catalog.BookID{1}, t0)
	require.False(t, ok, "forgotten")

	c.put(some(1000, 5), t0)
	c.put(some(1_000_000, maxCachedBooks-6), t0.Add(bookTTL))
	require.Equal(t, maxCachedBooks, len(c.byID))
	c.put(some(100_000, 5), t0.Add(bookTTL+time.Second))
	require.Equal(t, maxCachedBooks-1, len(c.byID))
	_, ok = c.get([]catalog.BookID{2}, t0)
	require.False(t, ok, "the expired book went first")
	_, ok = c.get([]catalog.BookID{1_000_000, 100_004}, t0.Add(bookTTL+time.Second))
	require.True(t, ok, "the fresh ones stay while the expired make room")

	c.put(some(200_000, 2), t0.Add(bookTTL+2*time.Second))
	require.Equal(t, 2, len(c.byID), "with nothing expired, a full cache starts again")
}
