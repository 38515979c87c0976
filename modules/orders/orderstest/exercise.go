// Package orderstest is the contract suite of orders.Service, which every
// implementation passes: the local service and the remote client that the
// other modules' processes fill their pages' header with.
package orderstest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/riverfx"
)

// NewService returns the local service over pool, with the real catalog
// over the same database.
func NewService(t testing.TB, pool *pgxpool.Pool) *service.Service {
	t.Helper()
	ins, err := riverfx.NewInserter(pool, nil)
	require.NoError(t, err)
	return service.New(pool, catalogtest.NewService(pool), ins, nil)
}

// NewServiceFunc builds the implementation under test over a fresh,
// migrated database, whose carts and notifications the suite fills through
// the local service.
type NewServiceFunc func(t *testing.T, pool *pgxpool.Pool) orders.Service

// Exercise runs the contract of orders.Service. The calling package needs
// pgtest.Main as its TestMain.
func Exercise(t *testing.T, newService NewServiceFunc) {
	t.Helper()
	ctx := context.Background()
	const visitor = "0123456789abcdef0123456789abcdef"
	type bundle struct {
		svc   orders.Service
		local *service.Service
		pool  *pgxpool.Pool
	}
	setup := func(t *testing.T) *bundle {
		pool := pgtest.New(t)
		return &bundle{svc: newService(t, pool), local: NewService(t, pool), pool: pool}
	}

	t.Run("Nobody", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c, err := b.svc.HeaderCounts(ctx, 0, "")
		require.NoError(t, err)
		require.Zero(t, c)
	})

	t.Run("CartsToMerge", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		one := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{Copies: 5})
		two := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{Copies: 5})
		const user = auth.UserID(41)
		require.NoError(t, b.local.SetQuantity(ctx, service.Owner{VisitorID: visitor}, one.ID, 2))
		c, err := b.svc.HeaderCounts(ctx, 0, visitor)
		require.NoError(t, err)
		require.Equal(t, orders.HeaderCounts{Cart: 2}, c, "a visitor's cart")

		require.NoError(t, b.local.SetQuantity(ctx, service.Owner{UserID: user}, one.ID, 1))
		require.NoError(t, b.local.SetQuantity(ctx, service.Owner{VisitorID: visitor}, two.ID, 1))
		c, err = b.svc.HeaderCounts(ctx, user, visitor)
		require.NoError(t, err)
		require.Equal(t, orders.HeaderCounts{Cart: 3}, c, "the carts as they will be once merged: the larger quantity of a book in both")
		c, err = b.svc.HeaderCounts(ctx, user, "")
		require.NoError(t, err)
		require.Equal(t, orders.HeaderCounts{Cart: 1}, c)
	})

	t.Run("Unread", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		seller := auth.User{ID: 51, Name: "Seller"}
		buyer := auth.User{ID: 52, Name: "Buyer"}
		book := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: seller.ID, Copies: 2})
		require.NoError(t, b.local.SetQuantity(ctx, service.Owner{UserID: buyer.ID}, book.ID, 1))
		cart, err := b.local.Cart(ctx, service.Owner{UserID: buyer.ID})
		require.NoError(t, err)
		_, err = b.local.Place(ctx, buyer, service.PlaceInput{Key: "contract", Lines: cart.Seen(), ProviderID: 4, DeliveryCents: new(int64(650)),
			Address: service.Address{Name: "Ana", Street: "Calle 1", City: "Bogotá", Region: "DC", PostalCode: "110111", Country: "CO"},
			Payment: service.PaymentInput{Method: orders.MethodWallet}})
		require.NoError(t, err)

		c, err := b.svc.HeaderCounts(ctx, seller.ID, "")
		require.NoError(t, err)
		require.Equal(t, orders.HeaderCounts{Unread: 1}, c, "the seller hears of the order")
		c, err = b.svc.HeaderCounts(ctx, buyer.ID, "")
		require.NoError(t, err)
		require.Equal(t, orders.HeaderCounts{Unread: 1}, c, "the cart went into the order, which the buyer hears of too")
		shown, err := b.local.Notifications(ctx, seller, service.Page{})
		require.NoError(t, err)
		require.Len(t, shown, 1)
		_, err = b.local.MarkRead(ctx, seller, shown[0].ID)
		require.NoError(t, err)
		c, err = b.svc.HeaderCounts(ctx, seller.ID, "")
		require.NoError(t, err)
		require.Zero(t, c.Unread)
	})
}
