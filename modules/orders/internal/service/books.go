package service

import (
	"context"
	"sync"
	"time"

	"github.com/bookstore/bookstore/modules/catalog"
)

// A checkout follows a read of its cart's books within moments (the cart
// page, or the API's answer to the last PUT), so the listings this process
// read for a cart are kept for bookTTL, and a checkout whose lines are all
// among them asks the catalog nothing before placing: one statement fewer
// in the monolith, one call between processes fewer in the split shop (a
// fifth of a checkout's). A stale snapshot can never place a wrong order:
// the catalog's Reserve holds a line only at the price, seller and title the
// order carries, in its one statement. When Reserve refuses an order placed
// from remembered books, the order is dropped as any refused order is and
// the checkout runs again from the catalog's books as they are now, so a
// buyer never sees an error the stale copy made.
const bookTTL = 10 * time.Second

// maxCachedBooks bounds the cache; a full cache first drops what expired,
// then everything.
const maxCachedBooks = 10_000

type cachedBook struct {
	book catalog.Book
	at   time.Time
}

type bookCache struct {
	mu   sync.Mutex
	byID map[catalog.BookID]cachedBook
}

// put remembers books as read at now.
func (c *bookCache) put(books map[catalog.BookID]catalog.Book, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil {
		c.byID = make(map[catalog.BookID]cachedBook, len(books))
	}
	if len(c.byID)+len(books) > maxCachedBooks {
		for id, b := range c.byID {
			if now.Sub(b.at) >= bookTTL {
				delete(c.byID, id)
			}
		}
		if len(c.byID)+len(books) > maxCachedBooks {
			clear(c.byID)
		}
	}
	for id, b := range books {
		c.byID[id] = cachedBook{book: b, at: now}
	}
}

// get returns the books ids, if every one of them was read less than
// bookTTL before now.
func (c *bookCache) get(ids []catalog.BookID, now time.Time) (map[catalog.BookID]catalog.Book, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	books := make(map[catalog.BookID]catalog.Book, len(ids))
	for _, id := range ids {
		b, ok := c.byID[id]
		if !ok || now.Sub(b.at) >= bookTTL {
			return nil, false
		}
		books[id] = b.book
	}
	return books, true
}

// forget drops the books of lines.
func (c *bookCache) forget(lines []Line) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range lines {
		delete(c.byID, l.BookID)
	}
}

// cartBooks reads books of a cart from the catalog, and remembers them for
// the checkout that may follow.
func (s *Service) cartBooks(ctx context.Context, ids []catalog.BookID) (map[catalog.BookID]catalog.Book, error) {
	books, err := s.catalog.Books(ctx, ids)
	if err != nil {
		return nil, err
	}
	s.books.put(books, s.now())
	return books, nil
}
