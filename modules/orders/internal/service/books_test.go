package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
)

// TestPlace_FromTheBooksItsCartRead: a checkout right after its cart was
// read asks the catalog nothing more before placing; once the books read
// are bookTTL (10 s) old it asks again.
func TestPlace_FromTheBooksItsCartRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	books := &countBooks{Service: b.cat}
	svc := b.newService(t, books)
	me := service.Owner{UserID: b.buyer.ID}

	require.NoError(t, svc.SetQuantity(ctx, me, b.book.ID, 1))
	cart, err := svc.Cart(ctx, me)
	require.NoError(t, err)
	books.n.Store(0)
	in := checkoutInput("fresh", service.PaymentInput{Method: orders.MethodWallet})
	in.Lines = cart.Seen()
	o, err := svc.Place(ctx, b.buyer, in)
	require.NoError(t, err)
	require.Equal(t, orders.StatusAwaitingPayment, o.Status)
	require.Zero(t, books.n.Load(), "the cart's read priced the checkout")

	require.NoError(t, svc.SetQuantity(ctx, me, b.book.ID, 1))
	cart, err = svc.Cart(ctx, me)
	require.NoError(t, err)
	b.clock.Add(10 * time.Second)
	books.n.Store(0)
	in = checkoutInput("later", service.PaymentInput{Method: orders.MethodWallet})
	in.Lines = cart.Seen()
	_, err = svc.Place(ctx, b.buyer, in)
	require.NoError(t, err)
	require.Equal(t, int32(1), books.n.Load(), "books read 10 s ago are read again")
}

// TestPlace_StaleRememberedBookPlacesAsTheCatalogIsNow: when the seller
// retitles a listing between the cart's read and the checkout, the order
// placed from the remembered title is refused by the catalog and dropped,
// and the checkout goes through from the catalog's books as they are now:
// one order, with the new title, holding its copies once; the buyer sees
// no error.
func TestPlace_StaleRememberedBookPlacesAsTheCatalogIsNow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	me := service.Owner{UserID: b.buyer.ID}
	require.NoError(t, b.svc.SetQuantity(ctx, me, b.book.ID, 2))
	in := b.seen(t, checkoutInput("retitled", service.PaymentInput{Method: orders.MethodWallet}))
	_, err := b.pool.Exec(ctx, `UPDATE catalog.books SET title = 'Dune Messiah' WHERE id = $1`, b.book.ID)
	require.NoError(t, err)

	o, err := b.svc.Place(ctx, b.buyer, in)
	require.NoError(t, err)
	require.Equal(t, "Dune Messiah", o.Lines[0].Title)
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.orders WHERE buyer_id = $1", b.buyer.ID))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.order_lines WHERE order_id = $1 AND title = 'Dune Messiah'", o.ID))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM catalog.holds WHERE state = 'held'"))
	require.Equal(t, 1, b.count(t, "SELECT available FROM catalog.books WHERE id = $1", b.book.ID))
	cart, err := b.svc.Cart(ctx, me)
	require.NoError(t, err)
	require.Empty(t, cart.Lines, "the cart checked out once")
}
