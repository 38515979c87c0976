// Package client is catalog.Service over HTTP, for the processes of a
// split shop that do not run the catalog. The wire format of the internal
// endpoints is defined here; internal/api serves it.
package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
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
type Client struct{ rpc *rpc.Client }

var _ catalog.Service = (*Client)(nil)

// New returns the client calling through c.
func New(c *rpc.Client) *Client { return &Client{rpc: c} }

// Books implements catalog.Service.
func (c *Client) Books(ctx context.Context, ids []catalog.BookID) (map[catalog.BookID]catalog.Book, error) {
	out := make(map[catalog.BookID]catalog.Book, len(ids))
	for start := 0; start < len(ids); start += MaxBooks {
		var a BooksAnswer
		if err := c.rpc.Call(ctx, http.MethodPost, BooksPath, BooksRequest{IDs: ids[start:min(start+MaxBooks, len(ids))]}, &a); err != nil {
			return nil, err
		}
		for id, b := range a.Books {
			out[id] = b
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
