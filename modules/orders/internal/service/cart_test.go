package service_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders/internal/dbsqlc"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
)

// countBooks counts the catalog's Books calls, each an internal HTTP call
// in a split shop.
type countBooks struct {
	catalog.Service
	n atomic.Int32
}

func (c *countBooks) Books(ctx context.Context, ids []catalog.BookID) (map[catalog.BookID]catalog.Book, error) {
	c.n.Add(1)
	return c.Service.Books(ctx, ids)
}

// TestService_SetUserQuantity: setting a line answers the whole cart as
// Cart reads it afterwards (other lines priced now, the set line at its
// new quantity and price), with one call to the catalog; a refused
// quantity writes nothing.
func TestService_SetUserQuantity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	books := &countBooks{Service: b.cat}
	svc := service.New(b.pool, books, riverClient(t, b.pool), nil)
	me := service.Owner{UserID: b.buyer.ID}
	other := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Emma", PriceCents: 900, Copies: 5})
	require.NoError(t, svc.AddItem(ctx, me, other.ID, 2))
	catalogtest.SetPrice(ctx, t, b.pool, other.ID, 1000)

	books.n.Store(0)
	got, err := svc.SetUserQuantity(ctx, b.buyer.ID, b.book.ID, 2)
	require.NoError(t, err)
	require.Equal(t, int32(1), books.n.Load(), "one catalog call for the check and the cart")
	want, err := svc.Cart(ctx, me)
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.Len(t, got.Lines, 2)
	require.Equal(t, other.ID, got.Lines[0].BookID)
	require.True(t, got.Lines[0].PriceChanged)
	require.Equal(t, b.book.ID, got.Lines[1].BookID)
	require.Equal(t, 2, got.Lines[1].Quantity)
	require.Equal(t, int64(2*1000+2*1500), got.SubtotalCents)

	got, err = svc.SetUserQuantity(ctx, b.buyer.ID, b.book.ID, 3)
	require.NoError(t, err)
	require.Equal(t, 3, got.Lines[1].Quantity)
	require.Len(t, got.Lines, 2)

	books.n.Store(0)
	require.NoError(t, svc.SetQuantity(ctx, me, other.ID, 1))
	require.Equal(t, int32(1), books.n.Load())
	require.NoError(t, svc.SetQuantity(ctx, me, other.ID, 2))

	_, err = svc.SetUserQuantity(ctx, b.buyer.ID, b.book.ID, 4)
	requireCode(t, err, "catalog.out_of_stock")
	_, err = svc.SetUserQuantity(ctx, b.seller.ID, b.book.ID, 1)
	requireCode(t, err, "catalog.own_listing")
	_, err = svc.SetUserQuantity(ctx, b.buyer.ID, 999_999, 1)
	requireCode(t, err, "catalog.not_found")
	_, err = svc.SetUserQuantity(ctx, b.buyer.ID, b.book.ID, 0)
	requireCode(t, err, "invalid")
	c, err := svc.Cart(ctx, me)
	require.NoError(t, err)
	require.Equal(t, 5, c.Count, "refused quantities change nothing")
}

// TestService_FirstPutsShareOneCart: a put into a user's cart that does
// not exist yet, racing with another statement that creates the cart (a
// put from another tab, a sign-in's merge), lands in the cart the other
// created, although its snapshot saw none.
func TestService_FirstPutsShareOneCart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	owner := service.Owner{UserID: b.buyer.ID}
	other := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Emma", PriceCents: 900, Copies: 1})

	tx, err := b.pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	created, err := dbsqlc.New().UserCart(ctx, tx, int64(b.buyer.ID))
	require.NoError(t, err)
	put := make(chan error, 1)
	go func() { put <- b.svc.SetQuantity(ctx, owner, b.book.ID, 1) }()
	require.Eventually(t, func() bool {
		return b.count(t, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == 1
	}, 10*time.Second, time.Millisecond, "the put waits for the cart the transaction created")
	require.NoError(t, dbsqlc.New().PutUserCartItem(ctx, tx, dbsqlc.PutUserCartItemParams{UserID: int64(b.buyer.ID), BookID: int64(other.ID), Quantity: 1, PriceCents: 900}))
	require.NoError(t, tx.Commit(ctx))
	require.NoError(t, <-put)

	cart, err := b.svc.Cart(ctx, owner)
	require.NoError(t, err)
	require.Len(t, cart.Lines, 2, "both lines are in one cart")
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.carts WHERE user_id = $1", b.buyer.ID))
	id, err := dbsqlc.New().UserCart(ctx, b.pool, int64(b.buyer.ID))
	require.NoError(t, err)
	require.Equal(t, created, id)
}

// TestService_CartNamesADeletedBook: a listing its seller deleted stays
// in the carts that held it, named as it was when put (by a user, by a
// visitor, and after the visitor's cart merged at sign-in), so the buyer
// reads which book went.
func TestService_CartNamesADeletedBook(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	me := service.Owner{UserID: b.buyer.ID}
	visitor := service.Owner{VisitorID: "visitor-0123456789"}
	require.NoError(t, b.svc.SetQuantity(ctx, me, b.book.ID, 1))
	require.NoError(t, b.svc.AddItem(ctx, visitor, b.book.ID, 2))
	_, err := b.pool.Exec(ctx, "DELETE FROM catalog.books WHERE id = $1", int64(b.book.ID))
	require.NoError(t, err)

	require.NoError(t, b.svc.MergeVisitorCart(ctx, b.admin.ID, visitor.VisitorID))
	for _, o := range []service.Owner{me, {UserID: b.admin.ID}} {
		c, err := b.svc.Cart(ctx, o)
		require.NoError(t, err)
		require.Len(t, c.Lines, 1)
		l := c.Lines[0]
		require.Equal(t, "this book is no longer listed", l.Problem)
		require.Equal(t, []string{"Dune", "Ann Author", "Seller 2"}, []string{l.Title, l.Author, l.SellerName})
	}
}

// TestService_CartSubtotalAddsUp: a line that cannot be bought counts
// nothing, so the lines' totals add up to the subtotal, and the cart says
// how many copies the subtotal covers.
func TestService_CartSubtotalAddsUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	me := service.Owner{UserID: b.buyer.ID}
	paused := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Emma", PriceCents: 900, Copies: 5})
	require.NoError(t, b.svc.SetQuantity(ctx, me, b.book.ID, 2))
	require.NoError(t, b.svc.SetQuantity(ctx, me, paused.ID, 3))
	catalogtest.SetStatus(ctx, t, b.pool, paused.ID, catalog.StatusPaused)

	c, err := b.svc.Cart(ctx, me)
	require.NoError(t, err)
	require.False(t, c.CanCheckout)
	require.Equal(t, int64(3000), c.Lines[0].LineCents)
	require.Equal(t, "this book is not for sale right now", c.Lines[1].Problem)
	require.Zero(t, c.Lines[1].LineCents, "a line that cannot be bought counts nothing")
	require.Equal(t, int64(900), c.Lines[1].PriceCents, "its price is still shown")
	require.Equal(t, c.Lines[0].LineCents+c.Lines[1].LineCents, c.SubtotalCents)
	require.Equal(t, 5, c.Count)
	require.Equal(t, 2, c.SubtotalCount)
}
