// Package orderstest holds what tests of the orders module share: an
// in-memory catalog that keeps the stock invariant, and helpers to build
// users and books.
package orderstest

import (
	"context"
	"fmt"
	"sync"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
)

// Catalog is an in-memory catalog.Service with the same rules as the real
// one: all-or-nothing reservations per order, idempotent release and
// confirm. Tests use it until they need the real catalog.
type Catalog struct {
	mu    sync.Mutex
	books map[catalog.BookID]*entry
	holds map[int64][]catalog.Line
	sold  map[int64]bool
	next  catalog.BookID
}

type entry struct {
	book   catalog.Book
	listed int
	held   int
	sold   int
}

var _ catalog.Service = (*Catalog)(nil)

// NewCatalog returns an empty catalog.
func NewCatalog() *Catalog {
	return &Catalog{books: map[catalog.BookID]*entry{}, holds: map[int64][]catalog.Line{}, sold: map[int64]bool{}}
}

// Add lists a book with copies for sale and returns it.
func (c *Catalog) Add(seller auth.UserID, title string, priceCents int64, copies int) catalog.Book {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next++
	b := catalog.Book{ID: c.next, SellerID: seller, SellerName: fmt.Sprintf("Seller %d", seller), Title: title, Author: "A. Author",
		Condition: catalog.ConditionGood, PriceCents: priceCents, Currency: "USD", Status: catalog.StatusActive, Available: copies}
	c.books[b.ID] = &entry{book: b, listed: copies}
	return b
}

// SetPrice changes a book's price.
func (c *Catalog) SetPrice(id catalog.BookID, cents int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.books[id].book.PriceCents = cents
}

// SetStatus changes a book's status.
func (c *Catalog) SetStatus(id catalog.BookID, st catalog.Status) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.books[id].book.Status = st
}

// Stock reports a book's listed, available, held and sold copies.
func (c *Catalog) Stock(id catalog.BookID) (listed, available, held, sold int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.books[id]
	return e.listed, e.book.Available, e.held, e.sold
}

// Books implements catalog.Service.
func (c *Catalog) Books(_ context.Context, ids []catalog.BookID) (map[catalog.BookID]catalog.Book, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[catalog.BookID]catalog.Book{}
	for _, id := range ids {
		if e, ok := c.books[id]; ok {
			out[id] = e.book
		}
	}
	return out, nil
}

// Reserve implements catalog.Service.
func (c *Catalog) Reserve(_ context.Context, orderID int64, lines []catalog.Line) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.holds[orderID]; ok || c.sold[orderID] {
		return nil
	}
	for _, l := range lines {
		e, ok := c.books[l.BookID]
		if !ok {
			return catalog.ErrNotFound
		}
		if e.book.Status != catalog.StatusActive || e.book.Hidden {
			return catalog.ErrNotForSale.WithMessage(fmt.Sprintf("%q is not for sale right now", e.book.Title))
		}
		if e.book.Available < l.Quantity {
			return catalog.ErrOutOfStock.WithMessage(fmt.Sprintf("not enough copies of %q are available", e.book.Title))
		}
	}
	for _, l := range lines {
		e := c.books[l.BookID]
		e.book.Available -= l.Quantity
		e.held += l.Quantity
	}
	c.holds[orderID] = lines
	return nil
}

// Release implements catalog.Service.
func (c *Catalog) Release(_ context.Context, orderID int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range c.holds[orderID] {
		e := c.books[l.BookID]
		e.book.Available += l.Quantity
		e.held -= l.Quantity
	}
	delete(c.holds, orderID)
	return nil
}

// Confirm implements catalog.Service.
func (c *Catalog) Confirm(_ context.Context, orderID int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.holds[orderID]; !ok && !c.sold[orderID] {
		return catalog.ErrNotHeld
	}
	for _, l := range c.holds[orderID] {
		e := c.books[l.BookID]
		e.held -= l.Quantity
		e.sold += l.Quantity
	}
	if _, ok := c.holds[orderID]; ok {
		c.sold[orderID] = true
	}
	delete(c.holds, orderID)
	return nil
}

// HeldOrders implements catalog.Service.
func (c *Catalog) HeldOrders(context.Context) ([]int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]int64, 0, len(c.holds))
	for id := range c.holds {
		out = append(out, id)
	}
	return out, nil
}

// ReserveFor holds copies for an order id that no order has, as a crash
// between reserving and recording would leave.
func (c *Catalog) ReserveFor(orderID int64, lines []catalog.Line) error {
	return c.Reserve(context.Background(), orderID, lines)
}
