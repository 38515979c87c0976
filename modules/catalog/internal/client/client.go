// Package client is catalog.Service over HTTP, for the processes of a
// split shop that do not run the catalog. The wire format of the internal
// endpoints is defined here; internal/api serves it.
package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/platform/coalesce"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/tracing"
	"github.com/bookstore/bookstore/platform/web"
)

// Paths of the internal endpoints.
const (
	BooksPath = "/internal/v1/catalog/books"
	// ReservationsPath takes a batch of reservations. It is not the path
	// of the single-reservation call that came before it, so an orders
	// process of that version, during a rolling upgrade, gets a 404
	// rather than an answer it cannot read.
	ReservationsPath = "/internal/v1/catalog/reservations"
	ReleasePath      = "/internal/v1/catalog/release"
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

// MaxReservations bounds the reservations of one ReserveRequest.
const MaxReservations = 64

// ReserveRequest holds the reservations of checkouts that arrived
// together.
type ReserveRequest struct {
	Reservations []catalog.Reservation `json:"reservations"`
	// TraceParents are the trace contexts of the reservations' checkouts,
	// in their order ("" where one is not traced; none when no checkout
	// is): the call belongs to the trace of the checkout that led it, and
	// the catalog records each reservation in its own checkout's trace.
	TraceParents []string `json:"trace_parents,omitempty"`
}

// ReserveAnswer holds, per reservation of the request, why it was
// refused, or null where its copies are held. A failure to hold that is
// not a refusal fails the whole call, which the caller tries again (a
// reservation held already is then held again as a replay).
type ReserveAnswer struct {
	Refusals []*web.Refusal `json:"refusals"`
}

// BooksRequest asks for listings by id, for the Books calls that arrived
// together.
type BooksRequest struct {
	IDs []catalog.BookID `json:"ids"`
	// TraceParents are the trace contexts of the calls served (none when
	// no call is traced), for the catalog to record the read in each
	// call's trace, as ReserveRequest's.
	TraceParents []string `json:"trace_parents,omitempty"`
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
	books *coalesce.Batcher[booksCall, map[catalog.BookID]catalog.Book]
	// reservations sends the reservations of the checkouts that arrive
	// while one is under way in the next call.
	reservations *coalesce.Batcher[reservationCall, error]
}

// booksCall is a Books call's ids, with the trace context of its caller.
type booksCall struct {
	ids         []catalog.BookID
	traceParent string
}

// reservationCall is a checkout's reservation, with the checkout's trace
// context.
type reservationCall struct {
	r           catalog.Reservation
	traceParent string
}

var _ catalog.Service = (*Client)(nil)

// MaxBooksCalls bounds the Books calls that one call serves, and so the
// trace contexts of a BooksRequest.
const MaxBooksCalls = 64

// batchTimeout bounds a call of c.books or c.reservations, which no
// request's deadline does (they are detached, so that a client that
// leaves fails no other request).
const batchTimeout = 10 * time.Second

// New returns the client calling through c.
func New(c *rpc.Client) *Client {
	cl := &Client{rpc: c}
	cl.books = coalesce.NewDetached(MaxBooksCalls, batchTimeout, cl.booksTogether)
	cl.reservations = coalesce.NewDetached(MaxReservations, batchTimeout, cl.reserveTogether)
	return cl
}

// Books implements catalog.Service.
func (c *Client) Books(ctx context.Context, ids []catalog.BookID) (map[catalog.BookID]catalog.Book, error) {
	if len(ids) == 0 {
		return map[catalog.BookID]catalog.Book{}, nil
	}
	return c.books.Do(ctx, booksCall{ids: ids, traceParent: tracing.Parent(ctx)})
}

// booksTogether is the batch of c.books: it reads every id of the batch
// once and answers each call with the books of its own ids.
func (c *Client) booksTogether(ctx context.Context, calls []booksCall) ([]map[catalog.BookID]catalog.Book, error) {
	var all []catalog.BookID
	for _, call := range calls {
		all = append(all, call.ids...)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	found := make(map[catalog.BookID]catalog.Book, len(all))
	// Every caller waits for every part of a long batch, so each part is
	// recorded in every caller's trace.
	parents := tracing.Parents(calls, func(call booksCall) string { return call.traceParent })
	for start := 0; start < len(all); start += MaxBooks {
		var a BooksAnswer
		req := BooksRequest{IDs: all[start:min(start+MaxBooks, len(all))], TraceParents: parents}
		if err := c.rpc.Call(ctx, http.MethodPost, BooksPath, req, &a); err != nil {
			return nil, err
		}
		for id, b := range a.Books {
			found[id] = b
		}
	}
	out := make([]map[catalog.BookID]catalog.Book, len(calls))
	for i, call := range calls {
		out[i] = make(map[catalog.BookID]catalog.Book, len(call.ids))
		for _, id := range call.ids {
			if b, ok := found[id]; ok {
				out[i][id] = b
			}
		}
	}
	return out, nil
}

// Reserve implements catalog.Service.
func (c *Client) Reserve(ctx context.Context, r catalog.Reservation) error {
	refusal, err := c.reservations.Do(ctx, reservationCall{r: r, traceParent: tracing.Parent(ctx)})
	if err != nil {
		return err
	}
	return refusal
}

// reserveTogether is the batch of c.reservations: it answers, per
// reservation, its refusal, or nil where its copies are held.
func (c *Client) reserveTogether(ctx context.Context, calls []reservationCall) ([]error, error) {
	rs := make([]catalog.Reservation, len(calls))
	for i, call := range calls {
		rs[i] = call.r
	}
	req := ReserveRequest{Reservations: rs, TraceParents: tracing.Parents(calls, func(call reservationCall) string { return call.traceParent })}
	var a ReserveAnswer
	if err := c.rpc.Call(ctx, http.MethodPost, ReservationsPath, req, &a); err != nil {
		return nil, err
	}
	if len(a.Refusals) != len(rs) {
		return nil, fmt.Errorf("%s %s: %d answers for %d reservations", c.rpc.Module(), ReservationsPath, len(a.Refusals), len(rs))
	}
	out := make([]error, len(rs))
	for i, r := range a.Refusals {
		if r != nil {
			out[i] = fmt.Errorf("%s %s: order %d: %w", c.rpc.Module(), ReservationsPath, rs[i].OrderID, r.Err())
		}
	}
	return out, nil
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
