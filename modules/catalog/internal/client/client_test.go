package client_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/api"
	"github.com/bookstore/bookstore/modules/catalog/internal/client"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/tracing"
	"github.com/bookstore/bookstore/platform/tracing/tracingtest"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// serve serves the catalog on pool at its internal endpoints, with o's
// middleware and tracing, and returns its address.
func serve(t *testing.T, pool *pgxpool.Pool, o webtest.Opts) string {
	o.Routes = []web.Routes{api.InternalRoutes(service.New(pool, &service.Options{Log: slog.Default()}))}
	o.Pool, o.InternalToken = pool, webtest.InternalToken
	return webtest.New(t, o).URL
}

// TestClient_ReadsBooksTogether: the Books calls that arrive while one is
// under way are asked in the next call, each answered with the books of
// its own ids (a missing one left out), and the call that led leaving
// fails no other.
func TestClient_ReadsBooksTogether(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	gate := webtest.NewGate(client.BooksPath)
	c := client.New(rpc.New("catalog", serve(t, pool, webtest.Opts{Middleware: []web.Middleware{gate.Middleware()}}), webtest.InternalToken, nil))
	a := catalogtest.CreateBook(ctx, t, pool, &catalogtest.BookOpts{Title: "Emma"})
	b := catalogtest.CreateBook(ctx, t, pool, &catalogtest.BookOpts{Title: "Persuasion"})
	const missing = catalog.BookID(999_999)

	type answer struct {
		books map[catalog.BookID]catalog.Book
		err   error
	}
	read := func(ctx context.Context, ids ...catalog.BookID) <-chan answer {
		done := make(chan answer, 1)
		go func() {
			books, err := c.Books(ctx, ids)
			done <- answer{books, err}
		}()
		return done
	}
	leaving, leave := context.WithCancel(ctx)
	leader := read(leaving, a.ID)
	<-gate.Held()
	waiting := []<-chan answer{read(ctx, a.ID, b.ID), read(ctx, b.ID, missing), read(ctx, missing)}
	require.Eventually(t, func() bool { return client.BooksWaiting(c) == len(waiting) }, 10*time.Second, time.Millisecond)
	leave()
	gate.Release()

	got := []answer{<-leader}
	for _, w := range waiting {
		got = append(got, <-w)
	}
	require.Equal(t, 2, gate.Calls(), "the three that waited: one call")
	for _, g := range got {
		require.NoError(t, g.err)
	}
	titles := func(books map[catalog.BookID]catalog.Book) map[catalog.BookID]string {
		out := map[catalog.BookID]string{}
		for id, b := range books {
			out[id] = b.Title
		}
		return out
	}
	require.Equal(t, map[catalog.BookID]string{a.ID: "Emma"}, titles(got[0].books))
	require.Equal(t, map[catalog.BookID]string{a.ID: "Emma", b.ID: "Persuasion"}, titles(got[1].books))
	require.Equal(t, map[catalog.BookID]string{b.ID: "Persuasion"}, titles(got[2].books), "its own ids only")
	require.Empty(t, got[3].books)
}

// TestClient_ReservesTogether: the reservations of the checkouts that
// arrive while one is under way are sent in the next call, each answered
// for itself (held, or refused with the catalog's error), those of one
// line before the others, and the checkout that led leaving fails no
// other.
func TestClient_ReservesTogether(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	gate := webtest.NewGate(client.ReservationsPath)
	c := client.New(rpc.New("catalog", serve(t, pool, webtest.Opts{Middleware: []web.Middleware{gate.Middleware()}}), webtest.InternalToken, nil))
	emma := catalogtest.CreateBook(ctx, t, pool, &catalogtest.BookOpts{Title: "Emma", Copies: 3})
	last := catalogtest.CreateBook(ctx, t, pool, &catalogtest.BookOpts{Title: "Persuasion", Copies: 1})
	line := func(b catalog.Book, n int) catalog.Line {
		return catalog.Line{BookID: b.ID, Quantity: n, PriceCents: b.PriceCents, SellerID: b.SellerID, Title: b.Title}
	}
	reserve := func(ctx context.Context, order int64, lines ...catalog.Line) <-chan error {
		done := make(chan error, 1)
		go func() { done <- c.Reserve(ctx, catalog.Reservation{OrderID: order, BuyerID: 7, Lines: lines}) }()
		return done
	}
	leaving, leave := context.WithCancel(ctx)
	leader := reserve(leaving, 1, line(emma, 1))
	<-gate.Held()
	waiting := []<-chan error{reserve(ctx, 2, line(last, 1)), reserve(ctx, 3, line(last, 1)), reserve(ctx, 4, line(emma, 1), line(last, 1)),
		reserve(ctx, 5, line(emma, 1))}
	require.Eventually(t, func() bool { return client.ReservationsWaiting(c) == len(waiting) }, 10*time.Second, time.Millisecond)
	leave()
	gate.Release()

	require.NoError(t, <-leader)
	// Orders 2 and 3 want the last copy; the batch takes them in the order
	// they queued, which their goroutines decide.
	second, third := <-waiting[0], <-waiting[1]
	if second != nil {
		second, third = third, second
	}
	require.NoError(t, second, "one of orders 2 and 3 holds the last copy")
	require.ErrorIs(t, third, catalog.ErrOutOfStock, "the other is refused")
	require.ErrorIs(t, <-waiting[2], catalog.ErrOutOfStock, "several lines, one of them sold out")
	require.NoError(t, <-waiting[3])
	require.Equal(t, 2, gate.Calls(), "the four that waited: one call")
	books, err := c.Books(ctx, []catalog.BookID{emma.ID, last.ID})
	require.NoError(t, err)
	require.Equal(t, 1, books[emma.ID].Available, "orders 1 and 5 hold two of three")
	require.Equal(t, 0, books[last.ID].Available)
}

// TestInternalRoutes_BoundTheReservations: a call to reserve carries from
// 1 to client.MaxReservations reservations and no more trace contexts
// than reservations; others are a 400.
func TestInternalRoutes_BoundTheReservations(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	c := rpc.New("catalog", serve(t, pool, webtest.Opts{}), webtest.InternalToken, nil)
	for _, n := range []int{0, client.MaxReservations + 1} {
		err := c.Call(context.Background(), http.MethodPost, client.ReservationsPath, client.ReserveRequest{Reservations: make([]catalog.Reservation, n)}, nil)
		require.ErrorIs(t, err, apperr.ErrBadRequest, "%d reservations", n)
	}
	err := c.Call(context.Background(), http.MethodPost, client.ReservationsPath,
		client.ReserveRequest{Reservations: make([]catalog.Reservation, 1), TraceParents: make([]string, 2)}, nil)
	require.ErrorIs(t, err, apperr.ErrBadRequest, "more trace contexts than reservations")
}

// TestClient_BatchedCallsJoinTheirTraces: reservations and Books calls
// sent in one call are each recorded in their own caller's trace, under
// the span that made them, whichever caller's trace the call belongs to.
func TestClient_BatchedCallsJoinTheirTraces(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path, span string
		call       func(context.Context, *client.Client, catalog.Book, int64) error
		waiting    func(*client.Client) int
	}{
		{client.ReservationsPath, "catalog.Reserve", func(ctx context.Context, c *client.Client, book catalog.Book, order int64) error {
			return c.Reserve(ctx, catalog.Reservation{OrderID: order, BuyerID: 7,
				Lines: []catalog.Line{{BookID: book.ID, Quantity: 1, PriceCents: book.PriceCents, SellerID: book.SellerID, Title: book.Title}}})
		}, client.ReservationsWaiting},
		{client.BooksPath, "catalog.Books", func(ctx context.Context, c *client.Client, book catalog.Book, _ int64) error {
			_, err := c.Books(ctx, []catalog.BookID{book.ID})
			return err
		}, client.BooksWaiting},
	}
	for _, tt := range tests {
		t.Run(tt.span, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			pool := pgtest.New(t)
			exp := tracetest.NewInMemoryExporter()
			gate := webtest.NewGate(tt.path)
			url := serve(t, pool, webtest.Opts{Middleware: []web.Middleware{gate.Middleware()}, Tracing: tracing.New(sdktrace.WithSyncer(exp))})
			c := client.New(rpc.New("catalog", url, webtest.InternalToken, nil))
			book := catalogtest.CreateBook(ctx, t, pool, &catalogtest.BookOpts{Copies: 5})
			gate.Together(t, 3, func() int { return tt.waiting(c) }, func(n byte) error {
				return tt.call(tracingtest.InTrace(ctx, n), c, book, int64(n))
			})

			for n := byte(1); n <= 3; n++ {
				tracingtest.RequireJoined(t, exp, tt.span, n)
			}
		})
	}
}

// TestInternalRoutes_BoundTheBooks: a call for books carries at most
// client.MaxBooks ids and client.MaxBooksCalls trace contexts; more is a
// 400.
func TestInternalRoutes_BoundTheBooks(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	c := rpc.New("catalog", serve(t, pool, webtest.Opts{}), webtest.InternalToken, nil)
	for _, req := range []client.BooksRequest{
		{IDs: make([]catalog.BookID, client.MaxBooks+1)},
		{IDs: []catalog.BookID{1}, TraceParents: make([]string, client.MaxBooksCalls+1)},
	} {
		err := c.Call(context.Background(), http.MethodPost, client.BooksPath, req, nil)
		require.ErrorIs(t, err, apperr.ErrBadRequest, "%d ids, %d trace contexts", len(req.IDs), len(req.TraceParents))
	}
	var a client.BooksAnswer
	require.NoError(t, c.Call(context.Background(), http.MethodPost, client.BooksPath,
		client.BooksRequest{IDs: []catalog.BookID{1}, TraceParents: make([]string, client.MaxBooksCalls)}, &a))
	require.Empty(t, a.Books)
}
