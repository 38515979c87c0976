// Package client is catalog.Service over HTTP, for the processes of a
// split shop that do not run the catalog. The wire format of the internal
// endpoints is defined here; internal/api serves it.
package client

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/platform/coalesce"
	"github.com/bookstore/bookstore/platform/rpc"
)

// Paths of the internal endpoints.
const (
	BooksPath   = "/internal/v1/catalog/books"
	ReservePath = "/internal/v1/catalog/reserve"
	ReleasePath = "/internal/v1/catalog/release"
	// ConfirmPath takes a batch of orders. It is not the path of the
	// single-order call that came before it, so an orders process of that
	// version, during a rolling upgrade, gets a 404 and retries its job
	// rather than a success that confirmed nothing.
	ConfirmPath     = "/internal/v1/catalog/confirmations"
	HeldOrdersPath  = "/internal/v1/catalog/held-orders"
	WantAlertsPath  = "/internal/v1/catalog/want-alerts"
	SellerStatsPath = "/internal/v1/catalog/seller-stats"
	// SellerPath is followed by the seller's id.
	SellerPath = "/internal/v1/catalog/sellers/"
)

// MaxBooks bounds the ids of one Books call.
const MaxBooks = 1000

// BooksRequest asks for listings by id.
type BooksRequest struct {
	IDs []catalog.BookID `json:"ids"`
}

// BooksAnswer holds the listings found.
type BooksAnswer struct {
	Books map[catalog.BookID]catalog.Book `json:"books"`
}

// OrderRequest names an order to release.
type OrderRequest struct {
	OrderID int64 `json:"order_id"`
}

// ConfirmRequest names the orders to confirm.
type ConfirmRequest struct {
	OrderIDs []int64 `json:"order_ids"`
}

// ConfirmAnswer names the orders of the request that hold nothing.
type ConfirmAnswer struct {
	NotHeld []int64 `json:"not_held"`
}

// HeldOrdersAnswer lists orders that hold copies.
type HeldOrdersAnswer struct {
	Orders []int64 `json:"orders"`
}

// WantAlertsAnswer counts a user's unseen want matches.
type WantAlertsAnswer struct {
	Alerts int `json:"alerts"`
}

// Client implements catalog.Service over the internal endpoints.
type Client struct {
	rpc *rpc.Client
	// books asks for the books of the Books calls that arrive while one is
	// under way in the next call: every change to a cart reads its books,
	// a call of each checkout in a split shop.
	books *coalesce.Batcher[[]catalog.BookID, map[catalog.BookID]catalog.Book]
}

var _ catalog.Service = (*Client)(nil)

// maxBooksCalls bounds the Books calls that one call serves.
const maxBooksCalls = 64

// booksTimeout bounds a call of c.books, which no request's deadline does
// (it is detached, so that a client that leaves fails no other request).
const booksTimeout = 10 * time.Second

// New returns the client calling through c.
func New(c *rpc.Client) *Client {
	cl := &Client{rpc: c}
	cl.books = coalesce.NewDetached(maxBooksCalls, booksTimeout, cl.booksTogether)
	return cl
}

// Books implements catalog.Service.
func (c *Client) Books(ctx context.Context, ids []catalog.BookID) (map[catalog.BookID]catalog.Book, error) {
	if len(ids) == 0 {
		return map[catalog.BookID]catalog.Book{}, nil
	}
	return c.books.Do(ctx, ids)
}

// booksTogether is the batch of c.books: it reads every id of the batch
// once and answers each call with the books of its own ids.
func (c *Client) booksTogether(ctx context.Context, calls [][]catalog.BookID) ([]map[catalog.BookID]catalog.Book, error) {
	var all []catalog.BookID
	for _, ids := range calls {
		all = append(all, ids...)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	found := make(map[catalog.BookID]catalog.Book, len(all))
	for start := 0; start < len(all); start += MaxBooks {
		var a BooksAnswer
		if err := c.rpc.Call(ctx, http.MethodPost, BooksPath, BooksRequest{IDs: all[start:min(start+MaxBooks, len(all))]}, &a); err != nil {
			return nil, err
		}
		for id, b := range a.Books {
			found[id] = b
		}
	}
	out := make([]map[catalog.BookID]catalog.Book, len(calls))
	for i, ids := range calls {
		out[i] = make(map[catalog.BookID]catalog.Book, len(ids))
		for _, id := range ids {
			if b, ok := found[id]; ok {
				out[i][id] = b
			}
		}
	}
	return out, nil
}

// Reserve implements catalog.Service.
func (c *Client) Reserve(ctx context.Context, r catalog.Reservation) error {
	return c.rpc.Call(ctx, http.MethodPost, ReservePath, r, nil)
}

// Release implements catalog.Service.
func (c *Client) Release(ctx context.Context, orderID int64) error {
	return c.rpc.Call(ctx, http.MethodPost, ReleasePath, OrderRequest{OrderID: orderID}, nil)
}

// Confirm implements catalog.Service.
func (c *Client) Confirm(ctx context.Context, orderIDs []int64) ([]int64, error) {
	var a ConfirmAnswer
	if err := c.rpc.Call(ctx, http.MethodPost, ConfirmPath, ConfirmRequest{OrderIDs: orderIDs}, &a); err != nil {
		return nil, err
	}
	return a.NotHeld, nil
}

// HeldOrders implements catalog.Service.
func (c *Client) HeldOrders(ctx context.Context, after int64, limit int) ([]int64, error) {
	q := url.Values{"after": {strconv.FormatInt(after, 10)}, "limit": {strconv.Itoa(limit)}}
	var a HeldOrdersAnswer
	if err := c.rpc.Call(ctx, http.MethodGet, HeldOrdersPath+"?"+q.Encode(), nil, &a); err != nil {
		return nil, err
	}
	return a.Orders, nil
}

// SetSellerStats implements catalog.Service.
func (c *Client) SetSellerStats(ctx context.Context, st catalog.SellerStats) error {
	return c.rpc.Call(ctx, http.MethodPost, SellerStatsPath, st, nil)
}

// SellerOnSale implements catalog.Service.
func (c *Client) SellerOnSale(ctx context.Context, seller auth.UserID, page, perPage int) (catalog.SellerPage, error) {
	q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(perPage)}}
	var a catalog.SellerPage
	err := c.rpc.Call(ctx, http.MethodGet, SellerPath+strconv.FormatInt(int64(seller), 10)+"?"+q.Encode(), nil, &a)
	return a, err
}

// WantAlerts implements catalog.Service.
func (c *Client) WantAlerts(ctx context.Context, user auth.UserID) (int, error) {
	q := url.Values{"user": {strconv.FormatInt(int64(user), 10)}}
	var a WantAlertsAnswer
	if err := c.rpc.Call(ctx, http.MethodGet, WantAlertsPath+"?"+q.Encode(), nil, &a); err != nil {
		return 0, err
	}
	return a.Alerts, nil
}
