package service_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/jobs"
	"github.com/bookstore/bookstore/modules/orders/internal/payment"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/riverfx"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/tracing"
	"github.com/bookstore/bookstore/platform/tracing/tracingtest"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type bundle struct {
	pool   *pgxpool.Pool
	cat    catalog.Service
	svc    *service.Service
	clock  *clock
	buyer  auth.User
	seller auth.User
	admin  auth.User
	book   catalog.Book
}

func setup(t *testing.T) *bundle {
	t.Helper()
	pool := pgtest.New(t)
	cat := catalogtest.NewService(pool)
	clk := &clock{}
	clk.Add(time.Duration(time.Now().UnixNano()))
	b := &bundle{
		pool: pool, cat: cat, clock: clk,
		buyer:  auth.User{ID: 1, Name: "Buyer", Role: auth.RoleMember, EmailVerified: true},
		seller: auth.User{ID: 2, Name: "Seller", Role: auth.RoleMember, EmailVerified: true},
		admin:  auth.User{ID: 3, Name: "Admin", Role: auth.RoleAdmin, EmailVerified: true},
	}
	b.svc = b.newService(t, cat)
	b.book = catalogtest.CreateBook(context.Background(), t, pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Dune", PriceCents: 1500, Copies: 3})
	return b
}

// newService is an orders service of the bundle's database and clock that
// asks cat for the catalog.
func (b *bundle) newService(t *testing.T, cat catalog.Service) *service.Service {
	t.Helper()
	return service.New(b.pool, cat, riverClient(t, b.pool), &service.Options{HomeCountry: "CO", ShippingStep: time.Second, BankTransferDelay: time.Minute, StuckAfter: time.Minute, NowFunc: b.clock.Now})
}

// clock is the service's clock, stopped until a test moves it, so a
// shipping step is due exactly when the test says.
type clock struct{ nanos atomic.Int64 }

func (c *clock) Now() time.Time { return time.Unix(0, c.nanos.Load()) }

func (c *clock) Add(d time.Duration) { c.nanos.Add(int64(d)) }

// carry lets a shipping step pass and runs a round of the carrier; it
// returns how many shipments moved.
func (b *bundle) carry(t *testing.T) int {
	t.Helper()
	b.clock.Add(b.svc.Options().ShippingStep)
	n, err := b.svc.Carry(context.Background())
	require.NoError(t, err)
	return n
}

func validCard(number string) service.PaymentInput {
	return service.PaymentInput{Method: orders.MethodCard, Card: payment.Card{Number: number, ExpMonth: 12, ExpYear: time.Now().Year() + 2, CVC: "123"}}
}

func checkoutInput(key string, p service.PaymentInput) service.PlaceInput {
	return service.PlaceInput{
		Key:        key,
		Address:    service.Address{Name: "Ana Gómez", Street: "Calle 1 #2-3", City: "Bogotá", Region: "Cundinamarca", PostalCode: "110111", Country: "CO"},
		ProviderID: 4, // Servientrega, national, 650
		// The cost shown, as a page shows it; seen shows the cost now.
		DeliveryCents: new(int64(650)),
		Payment:       p,
	}
}

// place fills the buyer's cart with qty copies of the book and checks out.
func (b *bundle) place(t *testing.T, key string, qty int, p service.PaymentInput) service.Order {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, b.svc.SetQuantity(ctx, service.Owner{UserID: b.buyer.ID}, b.book.ID, qty))
	o, err := b.svc.Place(ctx, b.buyer, b.seen(t, checkoutInput(key, p)))
	require.NoError(t, err)
	return o
}

// seen fills in the lines the buyer was shown: the cart as it is now.
func (b *bundle) seen(t *testing.T, in service.PlaceInput) service.PlaceInput {
	t.Helper()
	c, err := b.svc.Cart(context.Background(), service.Owner{UserID: b.buyer.ID})
	require.NoError(t, err)
	in.Lines = c.Seen()
	// An address in no country (a test of its refusal) has no provider's
	// cost to show.
	ps, _ := b.svc.ProvidersFor(context.Background(), in.Address.Country)
	for _, p := range ps {
		if p.ID == in.ProviderID {
			in.DeliveryCents = new(p.CostCents)
		}
	}
	return in
}

func (b *bundle) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, b.pool.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

// errOf is the error of a call whose other result the test does not read.
func errOf(_ string, err error) error { return err }

func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	e := apperr.As(err)
	require.NotNil(t, e, "error %v is not classified", err)
	require.Equal(t, code, e.Code, e.Message)
}

func TestService_Cart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("AddSetRemove", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		me := service.Owner{UserID: b.buyer.ID}
		require.NoError(t, b.svc.AddItem(ctx, me, b.book.ID, 1))
		require.NoError(t, b.svc.AddItem(ctx, me, b.book.ID, 1))
		c, err := b.svc.Cart(ctx, me)
		require.NoError(t, err)
		require.Len(t, c.Lines, 1)
		require.Equal(t, 2, c.Count)
		require.Equal(t, int64(3000), c.SubtotalCents)
		require.True(t, c.CanCheckout)
		err = b.svc.AddItem(ctx, me, b.book.ID, 2)
		requireCode(t, err, "catalog.out_of_stock")
		require.Equal(t, "only 3 copies of “\u2068Dune\u2069” are available, and your cart already has 2", apperr.As(err).Message)
		require.NoError(t, b.svc.SetQuantity(ctx, me, b.book.ID, 3))
		n, err := b.svc.CartCount(ctx, me)
		require.NoError(t, err)
		require.Equal(t, 3, n)
		require.NoError(t, b.svc.RemoveItem(ctx, me, b.book.ID))
		requireCode(t, b.svc.RemoveItem(ctx, me, b.book.ID), "orders.not_in_cart")
	})

	t.Run("Rejections", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		me := service.Owner{UserID: b.buyer.ID}
		for _, q := range []int{0, -1, 100} {
			requireCode(t, b.svc.AddItem(ctx, me, b.book.ID, q), "invalid")
		}
		requireCode(t, b.svc.AddItem(ctx, me, 999, 1), "catalog.not_found")
		requireCode(t, b.svc.AddItem(ctx, service.Owner{UserID: b.seller.ID}, b.book.ID, 1), "catalog.own_listing")
		paused := catalogtest.CreateBook(context.Background(), t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Paused", PriceCents: 100, Copies: 1})
		catalogtest.SetStatus(context.Background(), t, b.pool, paused.ID, catalog.StatusPaused)
		requireCode(t, b.svc.AddItem(ctx, me, paused.ID, 1), "catalog.not_for_sale")
		// A draft or a hidden listing is not found, as on its page: its
		// title is not told.
		draft := catalogtest.CreateBook(context.Background(), t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Secret draft", Status: catalog.StatusDraft})
		hidden := catalogtest.CreateBook(context.Background(), t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Hidden"})
		_, err := b.pool.Exec(ctx, "UPDATE catalog.books SET hidden_reason = 'spam' WHERE id = $1", hidden.ID)
		require.NoError(t, err)
		for _, id := range []catalog.BookID{draft.ID, hidden.ID} {
			err := b.svc.AddItem(ctx, me, id, 1)
			requireCode(t, err, "catalog.not_found")
			require.NotContains(t, err.Error(), "Secret")
		}
		requireCode(t, b.svc.AddItem(ctx, service.Owner{}, b.book.ID, 1), "unauthenticated")
	})

	// Buyable says why a listing cannot go in a cart at all, whatever the
	// quantity: what a form refused for its quantity asks before sending
	// the buyer to correct it.
	t.Run("Buyable", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		me := service.Owner{UserID: b.buyer.ID}
		require.NoError(t, b.svc.Buyable(ctx, me, b.book.ID))
		require.NoError(t, b.svc.Buyable(ctx, service.Owner{VisitorID: "v"}, b.book.ID), "a visitor may buy")
		require.NoError(t, b.svc.SetQuantity(ctx, me, b.book.ID, 3))
		require.NoError(t, b.svc.Buyable(ctx, me, b.book.ID), "copies in a cart are not held")

		requireCode(t, b.svc.Buyable(ctx, service.Owner{UserID: b.seller.ID}, b.book.ID), "catalog.own_listing")
		for _, id := range []catalog.BookID{0, -1, 999} {
			requireCode(t, b.svc.Buyable(ctx, me, id), "catalog.not_found")
		}
		paused := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Paused", PriceCents: 100, Copies: 1})
		catalogtest.SetStatus(ctx, t, b.pool, paused.ID, catalog.StatusPaused)
		requireCode(t, b.svc.Buyable(ctx, me, paused.ID), "catalog.not_for_sale")
		hidden := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Secret"})
		_, err := b.pool.Exec(ctx, "UPDATE catalog.books SET hidden_reason = 'spam' WHERE id = $1", hidden.ID)
		require.NoError(t, err)
		err = b.svc.Buyable(ctx, me, hidden.ID)
		requireCode(t, err, "catalog.not_found")
		require.NotContains(t, err.Error(), "Secret", "a hidden listing's title is not told")
		last := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Emma", PriceCents: 900, Copies: 1})
		catalogtest.Hold(ctx, t, b.cat, b.pool, 1, last.ID, 1)
		err = b.svc.Buyable(ctx, me, last.ID)
		requireCode(t, err, "catalog.out_of_stock")
		require.Equal(t, "“\u2068Emma\u2069” is sold out", apperr.As(err).Message)

		// A title is shown as typed, with no backslash before its
		// quotation marks, and isolated: a right-to-left title does not
		// reorder the words after it.
		rtl := `שלום "עליכם" (כרך 2)`
		gone := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: rtl, PriceCents: 900, Copies: 1})
		catalogtest.Hold(ctx, t, b.cat, b.pool, 2, gone.ID, 1)
		err = b.svc.Buyable(ctx, me, gone.ID)
		require.Equal(t, "“\u2068"+rtl+"\u2069” is sold out", apperr.As(err).Message)
		require.NotContains(t, apperr.As(err).Message, `\`)
	})

	t.Run("FlagsPriceChangeAndSoldOut", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		me := service.Owner{UserID: b.buyer.ID}
		require.NoError(t, b.svc.AddItem(ctx, me, b.book.ID, 2))
		catalogtest.SetPrice(context.Background(), t, b.pool, b.book.ID, 1800)
		c, err := b.svc.Cart(ctx, me)
		require.NoError(t, err)
		require.True(t, c.Lines[0].PriceChanged)
		require.Equal(t, int64(1500), c.Lines[0].AddedPriceCents)
		require.Equal(t, int64(3600), c.SubtotalCents)
		require.True(t, c.CanCheckout)
		catalogtest.Hold(context.Background(), t, b.cat, b.pool, 9999, b.book.ID, 3)
		c, err = b.svc.Cart(ctx, me)
		require.NoError(t, err)
		require.Equal(t, "sold out", c.Lines[0].Problem)
		require.False(t, c.CanCheckout)
		_, err = b.svc.Place(ctx, b.buyer, b.seen(t, checkoutInput("k", validCard("4242424242424242"))))
		requireCode(t, err, "catalog.out_of_stock")
	})

	t.Run("MergeVisitorCart", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		visitor := service.Owner{VisitorID: "visitor-0123456789abcdef"}
		other := catalogtest.CreateBook(context.Background(), t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Emma", PriceCents: 900, Copies: 5})
		require.NoError(t, b.svc.AddItem(ctx, visitor, b.book.ID, 2))
		require.NoError(t, b.svc.AddItem(ctx, visitor, other.ID, 1))
		require.NoError(t, b.svc.AddItem(ctx, service.Owner{UserID: b.buyer.ID}, b.book.ID, 1))
		require.NoError(t, b.svc.MergeVisitorCart(ctx, b.buyer.ID, visitor.VisitorID))
		require.NoError(t, b.svc.MergeVisitorCart(ctx, b.buyer.ID, visitor.VisitorID))
		c, err := b.svc.Cart(ctx, service.Owner{UserID: b.buyer.ID})
		require.NoError(t, err)
		require.Equal(t, 3, c.Count) // max(2,1) + 1
		vc, err := b.svc.Cart(ctx, visitor)
		require.NoError(t, err)
		require.Empty(t, vc.Lines)
	})
}

func TestService_Place(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("CardApprovedThroughDelivery", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.place(t, "k1", 2, validCard("4242 4242 4242 4242"))
		require.Equal(t, orders.StatusAwaitingPayment, o.Status)
		require.Equal(t, int64(3000), o.SubtotalCents)
		require.Equal(t, int64(650), o.DeliveryCents)
		require.Equal(t, int64(3650), o.TotalCents)
		require.Equal(t, "visa", o.Payment.Brand)
		require.Equal(t, "4242", o.Payment.Last4)
		rivertest.RequireInserted(ctx, t, riverpgxv5.New(b.pool), jobs.ChargeArgs{OrderID: o.ID, Method: orders.MethodCard}, &rivertest.RequireInsertedOpts{Schema: "river"})
		c := catalogtest.StockOf(context.Background(), t, b.pool, b.book.ID)
		avail, held := c.Available, c.Held
		require.Equal(t, 1, avail)
		require.Equal(t, 2, held)
		n, err := b.svc.CartCount(ctx, service.Owner{UserID: b.buyer.ID})
		require.NoError(t, err)
		require.Zero(t, n)
		require.Zero(t, b.count(t, "SELECT count(*) FROM orders.payments WHERE token LIKE '%4242424242424242%'"))

		require.NoError(t, b.svc.Charge(ctx, o.ID, o.Payment.Method))
		require.NoError(t, b.svc.Charge(ctx, o.ID, o.Payment.Method)) // a retried job
		require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.charges WHERE order_id=$1", o.ID))
		require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.notifications WHERE order_id=$1 AND step='paid' AND user_id=$2", o.ID, b.buyer.ID))
		for range 4 {
			require.Equal(t, 1, b.carry(t))
			n, err := b.svc.Carry(ctx)
			require.NoError(t, err)
			require.Zero(t, n, "a repeated round moves nothing more")
			require.NoError(t, b.svc.ConfirmStock(ctx, []int64{o.ID}))
		}
		require.Zero(t, b.carry(t), "a delivered shipment has no next step")
		got, err := b.svc.Get(ctx, b.buyer, o.ID)
		require.NoError(t, err)
		require.Equal(t, orders.StatusDelivered, got.Status)
		require.Equal(t, "succeeded", got.Payment.Status)
		require.NotNil(t, got.Shipment)
		require.Len(t, got.Shipment.Events, 5)
		require.NotEmpty(t, got.Shipment.TrackingNumber)
		st := catalogtest.StockOf(context.Background(), t, b.pool, b.book.ID)
		avail, held, sold := st.Available, st.Held, st.Sold
		require.Equal(t, []int{1, 0, 2}, []int{avail, held, sold})
		for _, step := range []string{"placed", "paid", "shipped", "delivered"} {
			require.Equal(t, 2, b.count(t, "SELECT count(*) FROM orders.notifications WHERE order_id=$1 AND step=$2", o.ID, step), step)
		}
		requireCode(t, errOf(b.svc.Cancel(ctx, b.buyer, o.ID, "")), "orders.cannot_cancel")
	})

	for _, tc := range []struct {
		name, number, reason string
	}{
		{"Declined", "4000000000000002", payment.ReasonDeclined},
		{"InsufficientFunds", "4000 0000 0000 9995", payment.ReasonInsufficient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			o := b.place(t, "k", 1, validCard(tc.number))
			require.NoError(t, b.svc.Charge(ctx, o.ID, o.Payment.Method))
			got, err := b.svc.Get(ctx, b.buyer, o.ID)
			require.NoError(t, err)
			require.Equal(t, orders.StatusPaymentFailed, got.Status)
			require.Equal(t, tc.reason, got.Payment.FailureReason)
			require.NotNil(t, got.Payment.RetryUntil, "the buyer may pay another way")
			require.Zero(t, b.count(t, "SELECT count(*) FROM orders.charges"))
			require.Equal(t, 1, catalogtest.StockOf(ctx, t, b.pool, b.book.ID).Held, "the copies stay held for another payment")
			rivertest.RequireInserted(ctx, t, riverpgxv5.New(b.pool), jobs.ReleaseArgs{OrderID: o.ID}, &rivertest.RequireInsertedOpts{Schema: "river"})
			require.Equal(t, 1, b.count(t, "SELECT count(*) FROM river.river_job WHERE kind = 'orders.release_stock' AND scheduled_at > now() + interval '10 minutes'"), "released when the window ends")

			// The window's end: the order is closed, the books go back on
			// sale and into the cart.
			require.NoError(t, b.svc.ReleaseStock(ctx, o.ID, 0))
			require.NoError(t, b.svc.ReleaseStock(ctx, o.ID, 0))
			got, err = b.svc.Get(ctx, b.buyer, o.ID)
			require.NoError(t, err)
			require.Equal(t, orders.StatusCancelled, got.Status)
			require.Nil(t, got.Payment.RetryUntil)
			c := catalogtest.StockOf(context.Background(), t, b.pool, b.book.ID)
			avail, held := c.Available, c.Held
			require.Equal(t, []int{3, 0}, []int{avail, held})
			cart, err := b.svc.Cart(ctx, service.Owner{UserID: b.buyer.ID})
			require.NoError(t, err)
			require.Len(t, cart.Lines, 1, "the cart is not lost")
			requireCode(t, b.svc.RetryPayment(ctx, b.buyer, o.ID, service.RetryInput{Payment: validCard("4242424242424242")}), "orders.cannot_pay")
		})
	}

	t.Run("ProcessorUnavailableTwiceThenApproved", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.place(t, "k", 1, validCard("4000000000000119"))
		require.ErrorIs(t, b.svc.Charge(ctx, o.ID, o.Payment.Method), payment.ErrUnavailable)
		require.ErrorIs(t, b.svc.Charge(ctx, o.ID, o.Payment.Method), payment.ErrUnavailable)
		require.NoError(t, b.svc.Charge(ctx, o.ID, o.Payment.Method))
		got, err := b.svc.Get(ctx, b.buyer, o.ID)
		require.NoError(t, err)
		require.Equal(t, orders.StatusPaid, got.Status)
	})

	t.Run("WalletAndBankTransfer", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.place(t, "w", 1, service.PaymentInput{Method: orders.MethodWallet})
		require.NoError(t, b.svc.Charge(ctx, o.ID, o.Payment.Method))
		got, err := b.svc.Get(ctx, b.buyer, o.ID)
		require.NoError(t, err)
		require.Equal(t, orders.StatusPaid, got.Status)

		o = b.place(t, "b", 1, service.PaymentInput{Method: orders.MethodBankTransfer})
		var at time.Time
		require.NoError(t, b.pool.QueryRow(ctx, "SELECT scheduled_at FROM river.river_job WHERE kind = 'orders.charge_payment' AND (args->>'order_id')::bigint = $1", o.ID).Scan(&at))
		require.WithinDuration(t, time.Now().Add(time.Minute), at, 10*time.Second)
	})

	t.Run("Idempotent", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		require.NoError(t, b.svc.SetQuantity(ctx, service.Owner{UserID: b.buyer.ID}, b.book.ID, 1))
		in := b.seen(t, checkoutInput("same", validCard("4242424242424242")))
		o, err := b.svc.Place(ctx, b.buyer, in)
		require.NoError(t, err)
		again, err := b.svc.Place(ctx, b.buyer, in)
		require.NoError(t, err)
		require.Equal(t, o.ID, again.ID)
		require.Equal(t, o.TotalCents, again.TotalCents)
		require.Equal(t, o.Lines, again.Lines)
		require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.orders"))
		other := in
		other.Address.City = "Medellín"
		_, err = b.svc.Place(ctx, b.buyer, other)
		requireCode(t, err, "orders.idempotency_key_reused")
		require.Equal(t, apperr.Invalid, apperr.KindOf(err))
	})

	t.Run("KeyLengthInCharacters", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		require.NoError(t, b.svc.SetQuantity(ctx, service.Owner{UserID: b.buyer.ID}, b.book.ID, 1))
		long := b.seen(t, checkoutInput(strings.Repeat("é", service.MaxKeyLen+1), validCard("4242424242424242")))
		_, err := b.svc.Place(ctx, b.buyer, long)
		requireCode(t, err, "invalid")
		require.Contains(t, apperr.As(err).Fields, "idempotency_key")

		// 200 characters of two bytes each: within the limit.
		o, err := b.svc.Place(ctx, b.buyer, b.seen(t, checkoutInput(strings.Repeat("é", service.MaxKeyLen), validCard("4242424242424242"))))
		require.NoError(t, err)
		require.Equal(t, orders.StatusAwaitingPayment, o.Status)
	})

	t.Run("Rejections", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.svc.Place(ctx, b.buyer, b.seen(t, checkoutInput("empty", validCard("4242424242424242"))))
		requireCode(t, err, "orders.empty_cart")
		require.NoError(t, b.svc.SetQuantity(ctx, service.Owner{UserID: b.buyer.ID}, b.book.ID, 1))

		bad := checkoutInput("", validCard("4242424242424243"))
		_, err = b.svc.Place(ctx, b.buyer, b.seen(t, bad))
		requireCode(t, err, "invalid")

		bad = checkoutInput("k", service.PaymentInput{Method: orders.MethodCard, Card: payment.Card{Number: "4242424242424243", ExpMonth: 1, ExpYear: 2020, CVC: "12"}})
		bad.Address = service.Address{Country: "USA"}
		_, err = b.svc.Place(ctx, b.buyer, b.seen(t, bad))
		fields := apperr.As(err).Fields
		// No region is asked of an address whose country is not known.
		for _, f := range []string{"shipping_address.name", "shipping_address.street", "shipping_address.city",
			"shipping_address.postal_code", "shipping_address.country", "payment.card.number", "payment.card.exp_year", "payment.card.cvc"} {
			require.Contains(t, fields, f)
		}

		us := checkoutInput("k", validCard("4242424242424242"))
		us.Address.Country = "US" // Servientrega is national only
		_, err = b.svc.Place(ctx, b.buyer, b.seen(t, us))
		require.Contains(t, apperr.As(err).Fields, "delivery_provider_id")
		us.ProviderID = 1 // DHL
		o, err := b.svc.Place(ctx, b.buyer, b.seen(t, us))
		require.NoError(t, err)
		require.Equal(t, int64(1500+2500), o.TotalCents)
	})

	t.Run("NotEnoughCopiesAtReserve", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		require.NoError(t, b.svc.SetQuantity(ctx, service.Owner{UserID: b.buyer.ID}, b.book.ID, 3))
		catalogtest.Hold(context.Background(), t, b.cat, b.pool, 777, b.book.ID, 1)
		_, err := b.svc.Place(ctx, b.buyer, b.seen(t, checkoutInput("k", validCard("4242424242424242"))))
		requireCode(t, err, "catalog.out_of_stock")
		require.Zero(t, b.count(t, "SELECT count(*) FROM orders.orders"))
		require.Zero(t, b.count(t, "SELECT count(*) FROM orders.charges"))
	})
}

// TestService_PlaceSubmitsTogether: checkouts whose copies were held while
// another's move to awaiting payment was under way move together, in one
// transaction with their charge jobs, inserted in one statement; each job
// keeps its own options (a bank transfer's delay) and continues its own
// checkout's trace, not the one of the checkout that led the batch.
func TestService_PlaceSubmitsTogether(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	svc, n := b.counted(t, tracing.New(sdktrace.WithSyncer(tracetest.NewInMemoryExporter())))
	// A first order, so that River has read the server's version, which
	// it does once, before the statements are counted.
	warm := auth.User{ID: 13, Name: "Dana", Role: auth.RoleMember, EmailVerified: true}
	book := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Emma", PriceCents: 900, Copies: 1})
	require.NoError(t, svc.SetQuantity(ctx, service.Owner{UserID: warm.ID}, book.ID, 1))
	c, err := svc.Cart(ctx, service.Owner{UserID: warm.ID})
	require.NoError(t, err)
	in := checkoutInput("warm", service.PaymentInput{Method: orders.MethodWallet})
	in.Lines = c.Seen()
	_, err = svc.Place(ctx, warm, in)
	require.NoError(t, err)

	buyers := []auth.User{b.buyer, {ID: 11, Name: "Bea", Role: auth.RoleMember, EmailVerified: true}, {ID: 12, Name: "Cruz", Role: auth.RoleMember, EmailVerified: true}}
	methods := []string{orders.MethodWallet, orders.MethodWallet, orders.MethodBankTransfer}
	inputs := make([]service.PlaceInput, len(buyers))
	traces := make([]context.Context, len(buyers))
	for i, u := range buyers {
		require.NoError(t, svc.SetQuantity(ctx, service.Owner{UserID: u.ID}, b.book.ID, 1))
		c, err := svc.Cart(ctx, service.Owner{UserID: u.ID})
		require.NoError(t, err)
		inputs[i] = checkoutInput(fmt.Sprint("k", i), service.PaymentInput{Method: methods[i]})
		inputs[i].Lines = c.Seen()
		traces[i] = tracingtest.InTrace(ctx, byte(i+1))
	}
	// The first checkout's move writes the step's notifications, so it
	// waits for this lock while the others hold their copies.
	lock, err := b.pool.Begin(ctx)
	require.NoError(t, err)
	_, err = lock.Exec(ctx, "LOCK TABLE orders.notifications IN SHARE MODE")
	require.NoError(t, err)
	type placed struct {
		buyer int
		order service.Order
		err   error
	}
	done := make(chan placed, len(buyers))
	// The first buyer leaves (its request's context ends) while the batch
	// it leads waits: the others' checkouts, and its own, still complete.
	leaving, leave := context.WithCancel(traces[0])
	place := func(i int) {
		go func() {
			ctx := traces[i]
			if i == 0 {
				ctx = leaving
			}
			o, err := svc.Place(ctx, buyers[i], inputs[i])
			done <- placed{i, o, err}
		}()
	}
	place(0)
	require.Eventually(t, func() bool {
		return b.count(t, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == 1
	}, 10*time.Second, time.Millisecond)
	place(1)
	place(2)
	require.Eventually(t, func() bool { return service.SubmissionsWaiting(svc) == 2 }, 10*time.Second, time.Millisecond)
	before := n.Count()
	leave()
	require.NoError(t, lock.Rollback(ctx))
	orderOf := make([]int64, len(buyers))
	for range buyers {
		p := <-done
		require.NoError(t, p.err)
		orderOf[p.buyer] = p.order.ID
	}

	require.Equal(t, 4, b.count(t, "SELECT count(*) FROM orders.orders WHERE status = 'awaiting_payment'"))
	require.Equal(t, 4, b.count(t, "SELECT count(*) FROM river.river_job WHERE kind = 'orders.charge_payment'"))
	require.Equal(t, 8, b.count(t, "SELECT count(*) FROM orders.notifications WHERE step = 'placed'"))
	// The first: its charge job and commit. The two that waited: begin,
	// one move, one insert of their two jobs, commit, where one each
	// would take four.
	require.Equal(t, int64(2+4), n.Count()-before)
	for i, order := range orderOf {
		var traceParent string
		var delay float64
		require.NoError(t, b.pool.QueryRow(ctx, `SELECT metadata->>'traceparent', extract(epoch FROM scheduled_at - created_at)::float8 FROM river.river_job
			WHERE kind = 'orders.charge_payment' AND (args->>'order_id')::bigint = $1`, order).Scan(&traceParent, &delay))
		require.Equal(t, trace.SpanContextFromContext(traces[i]).TraceID().String(), strings.Split(traceParent, "-")[1], "buyer %d's job continues its checkout's trace", i)
		if methods[i] == orders.MethodBankTransfer {
			require.Greater(t, delay, 30.0, "seconds: the bank confirms a transfer after its delay")
		} else {
			require.Less(t, delay, 30.0)
		}
	}
}

// TestService_PlaceAtPricesSeen: an order is placed only at the prices the
// buyer was shown; a change is refused with what changed, nothing is held
// or charged, and the cart is left as it was.
func TestService_PlaceAtPricesSeen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("PriceRaisedAfterTheBuyerLooked", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		require.NoError(t, b.svc.SetQuantity(ctx, service.Owner{UserID: b.buyer.ID}, b.book.ID, 1))
		in := b.seen(t, checkoutInput("k", service.PaymentInput{Method: orders.MethodWallet}))
		catalogtest.SetPrice(ctx, t, b.pool, b.book.ID, 990_000)
		_, err := b.svc.Place(ctx, b.buyer, in)
		requireCode(t, err, "orders.cart_changed")
		require.Equal(t, apperr.Conflict, apperr.KindOf(err))
		require.Contains(t, apperr.As(err).Message, "the price of “\u2068Dune\u2069” changed from $15.00 to $9,900.00")
		require.Zero(t, b.count(t, "SELECT count(*) FROM orders.orders"))
		require.Equal(t, catalogtest.Counts{Listed: 3, Available: 3}, catalogtest.StockOf(ctx, t, b.pool, b.book.ID))
		n, err := b.svc.CartCount(ctx, service.Owner{UserID: b.buyer.ID})
		require.NoError(t, err)
		require.Equal(t, 1, n)

		// Shown the new price, the buyer may accept it.
		o, err := b.svc.Place(ctx, b.buyer, b.seen(t, checkoutInput("k2", service.PaymentInput{Method: orders.MethodWallet})))
		require.NoError(t, err)
		require.Equal(t, int64(990_000), o.SubtotalCents)
	})

	// A catalog whose price moves after the orders module read it: the
	// reservation refuses, and the order is dropped. A checkout priced
	// from books it read itself says so; one priced from the books the
	// cart read a moment ago looks again and says what changed.
	for _, c := range []struct {
		name, code, message string
		sinceCart           time.Duration
	}{
		{"PriceChangedBetweenCheckAndReserve", "catalog.listing_changed", "$15.00", time.Minute},
		{"PriceChangedAfterTheCartsRead", "orders.cart_changed", "from $15.00 to $9,900.00", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			moving := &catalogtest.BeforeReserve{Service: b.cat, Func: func(ctx context.Context) { catalogtest.SetPrice(ctx, t, b.pool, b.book.ID, 990_000) }}
			svc := b.newService(t, moving)
			require.NoError(t, svc.SetQuantity(ctx, service.Owner{UserID: b.buyer.ID}, b.book.ID, 2))
			cart, err := svc.Cart(ctx, service.Owner{UserID: b.buyer.ID})
			require.NoError(t, err)
			b.clock.Add(c.sinceCart)
			in := checkoutInput("k", service.PaymentInput{Method: orders.MethodWallet})
			in.Lines = cart.Seen()
			_, err = svc.Place(ctx, b.buyer, in)
			requireCode(t, err, c.code)
			require.Contains(t, apperr.As(err).Message, c.message)
			require.Zero(t, b.count(t, "SELECT count(*) FROM orders.orders"))
			require.Zero(t, b.count(t, "SELECT count(*) FROM orders.payments"))
			require.Equal(t, catalogtest.Counts{Listed: 3, Available: 3}, catalogtest.StockOf(ctx, t, b.pool, b.book.ID))
			back, err := svc.Cart(ctx, service.Owner{UserID: b.buyer.ID})
			require.NoError(t, err)
			require.Len(t, back.Lines, 1, "the lines are back in the cart")
			require.Equal(t, 2, back.Lines[0].Quantity)
		})
	}

	t.Run("QuantityOrLinesChanged", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		other := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Emma", PriceCents: 900, Copies: 5})
		require.NoError(t, b.svc.SetQuantity(ctx, service.Owner{UserID: b.buyer.ID}, b.book.ID, 1))
		in := b.seen(t, checkoutInput("k", service.PaymentInput{Method: orders.MethodWallet}))
		// A book added in another tab: the lines shown are all still
		// there as shown, but the cart is not what the buyer saw.
		require.NoError(t, b.svc.SetQuantity(ctx, service.Owner{UserID: b.buyer.ID}, other.ID, 1))
		_, err := b.svc.Place(ctx, b.buyer, in)
		requireCode(t, err, "orders.cart_changed")
		require.Contains(t, apperr.As(err).Message, "“\u2068Emma\u2069” was added")
		n, err := b.svc.CartCount(ctx, service.Owner{UserID: b.buyer.ID})
		require.NoError(t, err)
		require.Equal(t, 2, n, "the cart is left as it was")

		require.NoError(t, b.svc.SetQuantity(ctx, service.Owner{UserID: b.buyer.ID}, b.book.ID, 2))
		_, err = b.svc.Place(ctx, b.buyer, in)
		requireCode(t, err, "orders.cart_changed")
		require.Contains(t, apperr.As(err).Message, "the quantity of “\u2068Dune\u2069” changed from 1 to 2")
		require.Contains(t, apperr.As(err).Message, "“\u2068Emma\u2069” was added")

		in.Lines = nil
		_, err = b.svc.Place(ctx, b.buyer, in)
		require.Contains(t, apperr.As(err).Fields, "lines")
		in.Lines = []service.SeenLine{{BookID: b.book.ID, Quantity: 1, PriceCents: -5}}
		_, err = b.svc.Place(ctx, b.buyer, in)
		require.Contains(t, apperr.As(err).Fields, "lines")
		require.Zero(t, b.count(t, "SELECT count(*) FROM orders.orders"))
	})
}

// TestService_PlaceWithProviderEditedElsewhere: a provider deactivated,
// moved to another coverage or repriced by another process (so this
// service's cache of providers did not see it) is refused or charged as
// it is now, and a refused checkout loses nothing.
func TestService_PlaceWithProviderEditedElsewhere(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	b.place(t, "first", 1, service.PaymentInput{Method: orders.MethodWallet})
	edit := func(sql string) {
		t.Helper()
		_, err := b.pool.Exec(ctx, sql)
		require.NoError(t, err)
	}

	edit("UPDATE orders.delivery_providers SET cost_cents = 990, name = 'Servientrega Plus' WHERE id = 4")
	o := b.place(t, "second", 1, service.PaymentInput{Method: orders.MethodWallet})
	require.Equal(t, int64(990), o.DeliveryCents)
	require.Equal(t, int64(1500+990), o.TotalCents)
	require.Equal(t, "Servientrega Plus", o.DeliveryProvider)
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.payments WHERE order_id = $1 AND amount_cents = 2490", o.ID))

	require.NoError(t, b.svc.SetQuantity(ctx, service.Owner{UserID: b.buyer.ID}, b.book.ID, 1))
	in := b.seen(t, checkoutInput("third", service.PaymentInput{Method: orders.MethodWallet}))
	edit("UPDATE orders.delivery_providers SET active = false WHERE id = 4")
	_, err := b.svc.Place(ctx, b.buyer, in)
	requireCode(t, err, "invalid")
	require.Equal(t, "choose one of the delivery providers offered", apperr.As(err).Fields["delivery_provider_id"])

	edit("UPDATE orders.delivery_providers SET active = true, coverage = 'international' WHERE id = 4")
	_, err = b.svc.Place(ctx, b.buyer, in)
	requireCode(t, err, "invalid")
	require.Contains(t, apperr.As(err).Fields["delivery_provider_id"], "does not deliver to CO")

	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM orders.orders"))
	require.Equal(t, 2, catalogtest.StockOf(ctx, t, b.pool, b.book.ID).Held, "a refused checkout holds nothing")
	n, err := b.svc.CartCount(ctx, service.Owner{UserID: b.buyer.ID})
	require.NoError(t, err)
	require.Equal(t, 1, n, "the cart is left as it was")
}

// TestService_PlaceAtDeliveryCostSeen: a checkout that says which delivery
// cost the buyer was shown is refused, as a changed price is, when an admin
// repriced the provider since: nothing is held or charged, the cart is
// kept, and the message names the cost now.
func TestService_PlaceAtDeliveryCostSeen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	require.NoError(t, b.svc.SetQuantity(ctx, service.Owner{UserID: b.buyer.ID}, b.book.ID, 1))
	in := b.seen(t, checkoutInput("k", service.PaymentInput{Method: orders.MethodWallet}))
	shown := int64(650)
	in.DeliveryCents = &shown
	p := service.Provider{ID: 4, Name: "Servientrega", Coverage: "national", CostCents: 999, Days: 4, Active: true}
	require.NoError(t, b.svc.UpdateProvider(ctx, b.admin, p))

	_, err := b.svc.Place(ctx, b.buyer, in)
	requireCode(t, err, "orders.cart_changed")
	require.Equal(t, apperr.Conflict, apperr.KindOf(err))
	require.Contains(t, apperr.As(err).Message, "Delivery by Servientrega costs $9.99, not the $6.50 in the total you were shown")
	require.Contains(t, apperr.As(err).Message, "Nothing was charged")
	require.Zero(t, b.count(t, "SELECT count(*) FROM orders.orders"))
	require.Zero(t, b.count(t, "SELECT count(*) FROM orders.payments"))
	require.Equal(t, catalogtest.Counts{Listed: 3, Available: 3}, catalogtest.StockOf(ctx, t, b.pool, b.book.ID))
	n, err := b.svc.CartCount(ctx, service.Owner{UserID: b.buyer.ID})
	require.NoError(t, err)
	require.Equal(t, 1, n, "the cart is left as it was")

	bad := int64(-1)
	in.DeliveryCents = &bad
	_, err = b.svc.Place(ctx, b.buyer, in)
	require.Contains(t, apperr.As(err).Fields, "delivery_cents")

	// Shown the new cost, the buyer may accept it.
	shown = 999
	in.DeliveryCents = &shown
	o, err := b.svc.Place(ctx, b.buyer, in)
	require.NoError(t, err)
	require.Equal(t, int64(999), o.DeliveryCents)
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.payments WHERE order_id = $1 AND amount_cents = 2499", o.ID))
}

// TestService_PlaceNeedsTheDeliveryCostShown: a checkout that sends no
// delivery cost (an API client that leaves delivery_cents out) is refused
// as one shown another cost is, naming the cost: nobody is charged one
// they were not shown. Sent with it, the order is placed.
func TestService_PlaceNeedsTheDeliveryCostShown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	require.NoError(t, b.svc.SetQuantity(ctx, service.Owner{UserID: b.buyer.ID}, b.book.ID, 1))
	in := b.seen(t, checkoutInput("k", service.PaymentInput{Method: orders.MethodWallet}))
	in.DeliveryCents = nil

	_, err := b.svc.Place(ctx, b.buyer, in)
	requireCode(t, err, "orders.cart_changed")
	require.Equal(t, "Delivery by Servientrega costs $6.50, which the order did not confirm. Nothing was charged; please review the total and place the order again.", err.Error())
	require.Equal(t, map[string]string{"delivery_cents": "send the delivery cost the buyer was shown: 650 for Servientrega now"}, apperr.As(err).Fields)
	require.Zero(t, b.count(t, "SELECT count(*) FROM orders.orders"))
	require.Equal(t, catalogtest.Counts{Listed: 3, Available: 3}, catalogtest.StockOf(ctx, t, b.pool, b.book.ID))

	in.DeliveryCents = new(int64(650))
	o, err := b.svc.Place(ctx, b.buyer, in)
	require.NoError(t, err)
	require.Equal(t, int64(650), o.DeliveryCents)
}

// TestService_UpdateProvider: an admin edits a provider; a name another
// provider has, in any case, a bad field or an unknown provider is refused with what to
// fix, and only an admin edits.
func TestService_UpdateProvider(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	all, err := b.svc.Providers(ctx, b.admin)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(all), 2)
	p := all[0]

	p.CostCents, p.Days = 1234, 3
	require.NoError(t, b.svc.UpdateProvider(ctx, b.admin, p))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.delivery_providers WHERE id = $1 AND cost_cents = 1234 AND days = 3", p.ID))

	for _, name := range []string{all[1].Name, strings.ToLower(all[1].Name)} {
		taken := p
		taken.Name = name
		err = b.svc.UpdateProvider(ctx, b.admin, taken)
		requireCode(t, err, "invalid")
		require.Equal(t, "another provider has this name", apperr.As(err).Fields["name"], name)
	}

	bad := p
	bad.CostCents, bad.Days = -1, 91
	err = b.svc.UpdateProvider(ctx, b.admin, bad)
	requireCode(t, err, "invalid")
	require.Len(t, apperr.As(err).Fields, 2)

	gone := p
	gone.ID = 1 << 40
	require.ErrorIs(t, b.svc.UpdateProvider(ctx, b.admin, gone), orders.ErrProviderNotFound)
	require.ErrorIs(t, b.svc.UpdateProvider(ctx, b.buyer, p), auth.ErrForbidden)
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.delivery_providers WHERE id = $1 AND name = $2 AND cost_cents = 1234", p.ID, p.Name), "a refused edit changes nothing")

	p.Name = strings.ToUpper(p.Name)
	require.NoError(t, b.svc.UpdateProvider(ctx, b.admin, p), "a provider's own name in another case")
}

// TestService_CreateProvider: an admin adds a provider, which checkouts to
// the addresses it covers can use at once, in this process and in another
// whose cache knew only the old providers; a taken name (in any case) or a
// bad field is refused with what to fix, and only an admin adds.
func TestService_CreateProvider(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	replica := b.newService(t, b.cat)
	for _, svc := range []*service.Service{b.svc, replica} {
		_, err := svc.Place(ctx, b.buyer, checkoutInput("warm", service.PaymentInput{Method: orders.MethodWallet}))
		requireCode(t, err, "orders.empty_cart") // validated, so its provider cache is loaded
	}

	created, err := b.svc.CreateProvider(ctx, b.admin, service.Provider{Name: " Rappi ", Coverage: "national", CostCents: 300, Days: 1, Active: true})
	require.NoError(t, err)
	require.Positive(t, created.ID)
	require.Equal(t, service.Provider{ID: created.ID, Name: "Rappi", Coverage: "national", CostCents: 300, Days: 1, Active: true}, created)
	national, err := b.svc.ProvidersFor(ctx, "CO")
	require.NoError(t, err)
	require.Contains(t, national, created)
	abroad, err := b.svc.ProvidersFor(ctx, "US")
	require.NoError(t, err)
	require.NotContains(t, abroad, created, "a national provider is not offered abroad")

	require.NoError(t, b.svc.SetQuantity(ctx, service.Owner{UserID: b.buyer.ID}, b.book.ID, 1))
	in := b.seen(t, checkoutInput("rappi", service.PaymentInput{Method: orders.MethodWallet}))
	in.ProviderID, in.DeliveryCents = created.ID, new(created.CostCents)
	far := in
	far.Address.Country = "US"
	_, err = replica.Place(ctx, b.buyer, far)
	requireCode(t, err, "invalid")
	require.Equal(t, "\u2068Rappi\u2069 does not deliver to US; choose a provider offered for it", apperr.As(err).Fields["delivery_provider_id"])
	o, err := replica.Place(ctx, b.buyer, in)
	require.NoError(t, err, "another process offers the new provider too")
	require.Equal(t, "Rappi", o.DeliveryProvider)
	require.Equal(t, int64(300), o.DeliveryCents)

	before := b.count(t, "SELECT count(*) FROM orders.delivery_providers")
	for _, name := range []string{"DHL", "dhl"} {
		_, err = b.svc.CreateProvider(ctx, b.admin, service.Provider{Name: name, Coverage: "international", CostCents: 100, Days: 2, Active: true})
		requireCode(t, err, "invalid")
		require.Equal(t, map[string]string{"name": "another provider has this name"}, apperr.As(err).Fields, name)
	}
	_, err = b.svc.CreateProvider(ctx, b.admin, service.Provider{Name: " ", Coverage: "space", CostCents: -1, Days: 91})
	requireCode(t, err, "invalid")
	require.Len(t, apperr.As(err).Fields, 4)
	_, err = b.svc.CreateProvider(ctx, b.buyer, service.Provider{Name: "Mine", Coverage: "national", CostCents: 1, Days: 1})
	require.ErrorIs(t, err, auth.ErrForbidden)
	require.Equal(t, before, b.count(t, "SELECT count(*) FROM orders.delivery_providers"), "a refused provider is not added")
}

// TestService_CartChecksOutOnce: checkouts racing for one cart, each with
// its own Idempotency-Key (two tabs, a client retrying without its key),
// make one order; the others are told the cart changed.
func TestService_CartChecksOutOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	one := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Only copy", PriceCents: 700, Copies: 1})
	plenty := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Plenty", PriceCents: 300, Copies: 50})
	for round, book := range []catalog.Book{one, plenty} {
		require.NoError(t, b.svc.SetQuantity(ctx, service.Owner{UserID: b.buyer.ID}, book.ID, 1))
		seen := b.seen(t, checkoutInput("", service.PaymentInput{Method: orders.MethodWallet})).Lines
		const tabs = 8
		errs := make([]error, tabs)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range tabs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				in := checkoutInput(fmt.Sprintf("tab-%d-%d", round, i), service.PaymentInput{Method: orders.MethodWallet})
				in.Lines = seen
				<-start
				_, errs[i] = b.svc.Place(ctx, b.buyer, in)
			}()
		}
		close(start)
		wg.Wait()
		placed := 0
		for _, err := range errs {
			if err == nil {
				placed++
				continue
			}
			require.True(t, errors.Is(err, orders.ErrCartChanged) || errors.Is(err, orders.ErrEmptyCart), "%v", err)
		}
		require.Equal(t, 1, placed, book.Title)
		require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.order_lines WHERE book_id = $1", int64(book.ID)), book.Title)
		require.Equal(t, 1, catalogtest.StockOf(ctx, t, b.pool, book.ID).Held, book.Title)
	}
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM orders.payments"))
}

func riverClient(t *testing.T, pool *pgxpool.Pool) *riverfx.Inserter {
	t.Helper()
	rc, err := riverfx.NewInserter(pool, nil)
	require.NoError(t, err)
	return rc
}

func TestService_RetryPayment(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	o := b.place(t, "k", 1, validCard("4000000000000002"))
	require.NoError(t, b.svc.Charge(ctx, o.ID, o.Payment.Method))

	requireCode(t, b.svc.RetryPayment(ctx, b.seller, o.ID, service.RetryInput{Payment: validCard("4242424242424242")}), "orders.not_found")
	err := b.svc.RetryPayment(ctx, b.buyer, o.ID, service.RetryInput{Payment: validCard("1234")})
	requireCode(t, err, "invalid")
	require.Contains(t, apperr.As(err).Fields, "payment.card.number")
	err = b.svc.RetryPayment(ctx, b.buyer, o.ID, service.RetryInput{Retries: -1, Payment: validCard("4242424242424242")})
	requireCode(t, err, "invalid")
	require.Contains(t, apperr.As(err).Fields, "retries", "a retry count no payment had pays nothing, and says so")
	err = b.svc.RetryPayment(ctx, b.buyer, o.ID, service.RetryInput{Retries: 1 << 32, Payment: validCard("4242424242424242")})
	requireCode(t, err, "invalid")
	require.Contains(t, apperr.As(err).Fields, "retries", "a count past what a payment holds does not wrap to 0")

	// Sent twice (a double click): one attempt, one charge job.
	again := service.RetryInput{Retries: 0, Payment: validCard("4242 4242 4242 4242")}
	require.NoError(t, b.svc.RetryPayment(ctx, b.buyer, o.ID, again))
	require.NoError(t, b.svc.RetryPayment(ctx, b.buyer, o.ID, again))
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM river.river_job WHERE kind = 'orders.charge_payment'"))
	got, err := b.svc.Get(ctx, b.buyer, o.ID)
	require.NoError(t, err)
	require.Equal(t, orders.StatusAwaitingPayment, got.Status)
	require.Equal(t, []any{"pending", 1, "4242"}, []any{got.Payment.Status, got.Payment.Retries, got.Payment.Last4})

	// The first failure's release job comes too late to undo the retry.
	require.NoError(t, b.svc.ReleaseStock(ctx, o.ID, 0))
	require.Equal(t, 1, catalogtest.StockOf(ctx, t, b.pool, b.book.ID).Held)
	require.NoError(t, b.svc.Charge(ctx, o.ID, o.Payment.Method))
	got, err = b.svc.Get(ctx, b.buyer, o.ID)
	require.NoError(t, err)
	require.Equal(t, orders.StatusPaid, got.Status)
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.charges WHERE order_id = $1", o.ID))
	requireCode(t, b.svc.RetryPayment(ctx, b.buyer, o.ID, service.RetryInput{Retries: 1, Payment: validCard("4242424242424242")}), "orders.cannot_pay")
	require.NoError(t, b.svc.RetryPayment(ctx, b.buyer, o.ID, again), "the retry sent again once paid answers as it did")
	err = b.svc.RetryPayment(ctx, b.buyer, o.ID, service.RetryInput{Retries: 0, Payment: service.PaymentInput{Method: "bogus"}})
	requireCode(t, err, "invalid")
	require.Contains(t, apperr.As(err).Fields, "payment.method", "a payment that is not valid was not the retry made")
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM river.river_job WHERE kind = 'orders.charge_payment'"))

	// A failure again, then the window ends before another payment.
	late := b.place(t, "k2", 1, validCard("4000000000000002"))
	require.NoError(t, b.svc.Charge(ctx, late.ID, late.Payment.Method))
	_, err = b.pool.Exec(ctx, "UPDATE orders.orders SET updated_at = now() - interval '1 hour' WHERE id = $1", late.ID)
	require.NoError(t, err)
	requireCode(t, b.svc.RetryPayment(ctx, b.buyer, late.ID, service.RetryInput{Payment: validCard("4242424242424242")}), "orders.cannot_pay")

	// A payment that fails again is told again, as is each payment made
	// again; the attempt stays out of the step's name.
	twice := b.place(t, "k3", 1, validCard("4000000000000002"))
	require.NoError(t, b.svc.Charge(ctx, twice.ID, twice.Payment.Method))
	require.NoError(t, b.svc.RetryPayment(ctx, b.buyer, twice.ID, service.RetryInput{Retries: 0, Payment: validCard("4000000000000002")}))
	require.NoError(t, b.svc.Charge(ctx, twice.ID, twice.Payment.Method))
	require.NoError(t, b.svc.RetryPayment(ctx, b.buyer, twice.ID, service.RetryInput{Retries: 1, Payment: validCard("4242424242424242")}))
	for _, u := range []auth.User{b.buyer, b.seller} {
		notes, err := b.svc.Notifications(ctx, u, service.Page{})
		require.NoError(t, err)
		steps := []string{}
		for _, n := range notes {
			if n.OrderID == twice.ID {
				steps = append(steps, n.Step)
			}
		}
		require.Equal(t, []string{"paid_again", "payment_failed", "paid_again", "payment_failed", "placed"}, steps, "user %d", u.ID)
	}
}

func TestService_Cancel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("AwaitingPayment", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.place(t, "k", 2, validCard("4242424242424242"))
		requireCode(t, errOf(b.svc.Cancel(ctx, b.seller, o.ID, "")), "orders.cancel_forbidden")
		require.NoError(t, errOf(b.svc.Cancel(ctx, b.buyer, o.ID, "")))
		require.NoError(t, b.svc.Charge(ctx, o.ID, o.Payment.Method)) // the queued charge does nothing
		require.NoError(t, b.svc.ReleaseStock(ctx, o.ID, 0))
		require.Zero(t, b.count(t, "SELECT count(*) FROM orders.charges"))
		c := catalogtest.StockOf(context.Background(), t, b.pool, b.book.ID)
		avail, held := c.Available, c.Held
		require.Equal(t, []int{3, 0}, []int{avail, held})
		requireCode(t, errOf(b.svc.Cancel(ctx, b.buyer, o.ID, "")), "orders.already_cancelled")
	})

	// A declined order's buyer who will not pay another way gives its
	// copies back at once, rather than when the retry window closes.
	t.Run("PaymentFailed", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.place(t, "k", 2, validCard("4000000000000002"))
		require.NoError(t, b.svc.Charge(ctx, o.ID, o.Payment.Method))
		got, err := b.svc.Get(ctx, b.buyer, o.ID)
		require.NoError(t, err)
		require.Equal(t, orders.StatusPaymentFailed, got.Status)
		require.True(t, got.Cancellable())
		require.NoError(t, errOf(b.svc.Cancel(ctx, b.buyer, o.ID, "")))
		require.NoError(t, b.svc.ReleaseStock(ctx, o.ID, 0))
		require.Equal(t, 3, catalogtest.StockOf(ctx, t, b.pool, b.book.ID).Available)
		got, err = b.svc.Get(ctx, b.buyer, o.ID)
		require.NoError(t, err)
		require.Equal(t, orders.StatusCancelled, got.Status)
		require.Equal(t, "failed", got.Payment.Status)
		requireCode(t, b.svc.RetryPayment(ctx, b.buyer, o.ID, service.RetryInput{Payment: validCard("4242424242424242")}), "orders.cannot_pay")
		require.NoError(t, b.svc.ReleaseStock(ctx, o.ID, 0), "the release the decline scheduled finds nothing more to do")
		require.Equal(t, 3, catalogtest.StockOf(ctx, t, b.pool, b.book.ID).Available)
	})

	t.Run("PaidIsRefunded", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.place(t, "k", 1, validCard("4242424242424242"))
		require.NoError(t, b.svc.Charge(ctx, o.ID, o.Payment.Method)) // paid, label created: still cancellable
		require.NoError(t, errOf(b.svc.Cancel(ctx, b.buyer, o.ID, "")))
		require.Zero(t, b.carry(t), "the carrier leaves a cancelled order's shipment alone")
		require.Zero(t, b.count(t, "SELECT count(*) FROM orders.shipments WHERE due_at IS NOT NULL"), "and it is no longer due")
		require.NoError(t, b.svc.ReleaseStock(ctx, o.ID, 0))
		got, err := b.svc.Get(ctx, b.buyer, o.ID)
		require.NoError(t, err)
		require.Equal(t, orders.StatusCancelled, got.Status)
		require.Equal(t, "refunded", got.Payment.Status)
		require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.charges WHERE refunded_at IS NOT NULL"))
		avail := catalogtest.StockOf(context.Background(), t, b.pool, b.book.ID).Available
		require.Equal(t, 3, avail)
	})
}

func TestService_Carry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	b.book = catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Persuasion", PriceCents: 1200, Copies: 5})
	other := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: 4, Title: "Emma", PriceCents: 900, Copies: 3})
	// Three orders move in each round: two of the book alone, one of it
	// with another seller's book; a fourth, cancelled when paid, never moves.
	var ids []int64
	for i := range 3 {
		if i == 2 {
			require.NoError(t, b.svc.SetQuantity(ctx, service.Owner{UserID: b.buyer.ID}, other.ID, 1))
		}
		o := b.place(t, fmt.Sprintf("k%d", i), 1, service.PaymentInput{Method: orders.MethodWallet})
		require.NoError(t, b.svc.Charge(ctx, o.ID, o.Payment.Method))
		ids = append(ids, o.ID)
	}
	cancelled := b.place(t, "k3", 1, service.PaymentInput{Method: orders.MethodWallet})
	require.NoError(t, b.svc.Charge(ctx, cancelled.ID, cancelled.Payment.Method))
	require.NoError(t, errOf(b.svc.Cancel(ctx, b.buyer, cancelled.ID, "")))

	b.clock.Add(time.Second - time.Millisecond)
	n, err := b.svc.Carry(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "no step is due before a shipping step has passed")
	require.Equal(t, 3, b.carry(t))
	for _, id := range ids {
		got, err := b.svc.Get(ctx, b.buyer, id)
		require.NoError(t, err)
		require.Equal(t, orders.StatusShipped, got.Status)
		require.Len(t, got.Shipment.Events, 2)
	}
	var confirm []int64
	require.NoError(t, b.pool.QueryRow(ctx, "SELECT array_agg(o.id::bigint ORDER BY o.id::bigint) FROM river.river_job j, jsonb_array_elements_text(j.args->'order_ids') o(id) WHERE j.kind = 'orders.confirm_stock_batch'").Scan(&confirm))
	require.Equal(t, ids, confirm, "one job confirms the copies the round shipped")
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM river.river_job WHERE kind LIKE 'orders.confirm_stock%'"))
	require.Equal(t, 3, b.count(t, "SELECT count(*) FROM orders.notifications WHERE step = 'shipped' AND user_id = $1", b.buyer.ID))
	require.Equal(t, 3, b.count(t, "SELECT count(*) FROM orders.notifications WHERE step = 'shipped' AND user_id = $1", b.seller.ID))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.notifications WHERE step = 'shipped' AND user_id = 4 AND order_id = $1", ids[2]))
	require.Equal(t, []int{3, 3, 3, 0}, []int{b.carry(t), b.carry(t), b.carry(t), b.carry(t)}, "in transit, out for delivery, delivered; then nothing is due")
	for _, id := range ids {
		got, err := b.svc.Get(ctx, b.buyer, id)
		require.NoError(t, err)
		require.Equal(t, orders.StatusDelivered, got.Status)
		require.Len(t, got.Shipment.Events, 5)
	}
	require.Equal(t, 3, b.count(t, "SELECT count(*) FROM orders.notifications WHERE step = 'delivered' AND user_id = $1", b.buyer.ID))
	require.Equal(t, 4, b.count(t, "SELECT count(*) FROM orders.notifications WHERE step = 'delivered' AND user_id <> $1", b.buyer.ID))
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM river.river_job WHERE kind = 'orders.push_seller_stats'"),
		"one push per seller for the round that delivered their orders")
	got, err := b.svc.Get(ctx, b.buyer, cancelled.ID)
	require.NoError(t, err)
	require.Equal(t, orders.StatusCancelled, got.Status)
	require.Len(t, got.Shipment.Events, 1)
}

// TestService_CarryLocksOnlyThePickUp: the pick-up leaves an order that a
// cancel holds to a later round, so the cancel cannot slip between the
// shipment's step and the order's move to shipped. The steps after it take
// a shipped order whoever holds its row (a buyer's cancel, to be refused):
// only the carrier changes a shipped order, and a lock on it would cost a
// WAL record per order and step.
func TestService_CarryLocksOnlyThePickUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	o := b.place(t, "k", 1, service.PaymentInput{Method: orders.MethodWallet})
	require.NoError(t, b.svc.Charge(ctx, o.ID, o.Payment.Method))
	hold := func() pgx.Tx { // as Cancel does, until it commits
		tx, err := b.pool.Begin(ctx)
		require.NoError(t, err)
		t.Cleanup(func() { _ = tx.Rollback(ctx) }) // a failed test must free the pool it closes
		_, err = tx.Exec(ctx, "SELECT FROM orders.orders WHERE id = $1 FOR UPDATE", o.ID)
		require.NoError(t, err)
		return tx
	}
	tx := hold()
	// A round that took the order would wait for the cancel to end.
	short, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	b.clock.Add(b.svc.Options().ShippingStep)
	n, err := b.svc.Carry(short)
	require.NoError(t, err)
	require.Zero(t, n, "a cancel holds the paid order")
	require.NoError(t, tx.Rollback(ctx))
	require.Equal(t, 1, b.carry(t), "the next round picks it up")
	requireCode(t, errOf(b.svc.Cancel(ctx, b.buyer, o.ID, "")), "orders.cannot_cancel")
	for _, step := range []string{"in transit", "out for delivery"} {
		tx := hold()
		require.Equal(t, 1, b.carry(t), step)
		require.NoError(t, tx.Rollback(ctx))
	}
	got, err := b.svc.Get(ctx, b.buyer, o.ID)
	require.NoError(t, err)
	require.Equal(t, orders.StatusShipped, got.Status)
	require.Len(t, got.Shipment.Events, 4)
}

func TestService_Get(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	o := b.place(t, "k", 1, validCard("4242424242424242"))
	for _, u := range []auth.User{b.buyer, b.seller, b.admin} {
		_, err := b.svc.Get(ctx, u, o.ID)
		require.NoError(t, err, u.Name)
	}
	_, err := b.svc.Get(ctx, auth.User{ID: 99}, o.ID)
	requireCode(t, err, "orders.not_found")
	sales, err := b.svc.Sales(ctx, b.seller, service.Page{})
	require.NoError(t, err)
	require.Len(t, sales, 1)
	require.Equal(t, "Ana Gómez", sales[0].BuyerName)
	require.Equal(t, "Bogotá", sales[0].BuyerCity)
	_, err = b.svc.AllOrders(ctx, b.buyer, "", service.Page{})
	requireCode(t, err, "auth.forbidden")
	list, err := b.svc.AllOrders(ctx, b.admin, "awaiting_payment", service.Page{})
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, "Buyer", list[0].BuyerName, "the buyer's name as signed in at checkout")
	require.Equal(t, b.book.SellerName, list[0].Lines[0].SellerName)
	got, err := b.svc.Get(ctx, b.admin, o.ID)
	require.NoError(t, err)
	require.Equal(t, []string{"Buyer", b.book.SellerName}, []string{got.BuyerName, got.Lines[0].SellerName})
	unread, err := b.svc.Unread(ctx, b.seller.ID)
	require.NoError(t, err)
	require.Equal(t, 1, unread)
	shown, err := b.svc.Notifications(ctx, b.seller, service.Page{})
	require.NoError(t, err)
	unread, err = b.svc.MarkRead(ctx, b.seller, shown[0].ID)
	require.NoError(t, err)
	require.Zero(t, unread)
	unread, err = b.svc.Unread(ctx, b.seller.ID)
	require.NoError(t, err)
	require.Zero(t, unread)
}

// TestService_MarkRead: the notifications page marks read what it shows,
// so one written while it was on its way stays unread; a repeat, or a
// page shown earlier in another tab, changes nothing.
func TestService_MarkRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	unread := func() int {
		t.Helper()
		n, err := b.svc.Unread(ctx, b.seller.ID)
		require.NoError(t, err)
		return n
	}
	require.Zero(t, unread(), "a user with no notifications")
	n, err := b.svc.MarkRead(ctx, b.seller, 1)
	require.NoError(t, err)
	require.Zero(t, n, "a user with no notifications has nothing to mark")

	b.place(t, "first", 1, service.PaymentInput{Method: orders.MethodWallet})
	shown, err := b.svc.Notifications(ctx, b.seller, service.Page{})
	require.NoError(t, err)
	require.Len(t, shown, 1)
	require.False(t, shown[0].Read)
	b.place(t, "second", 1, service.PaymentInput{Method: orders.MethodWallet}) // while the page was on its way
	n, err = b.svc.MarkRead(ctx, b.seller, shown[0].ID)
	require.NoError(t, err)
	require.Equal(t, 1, n, "the notification the page did not show")
	require.Equal(t, 1, unread())

	updated := pgtest.Stats(t, b.pool, "orders.notification_reads").Updated
	n, err = b.svc.MarkRead(ctx, b.seller, shown[0].ID)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, updated, pgtest.Stats(t, b.pool, "orders.notification_reads").Updated, "a repeat writes nothing")

	now, err := b.svc.Notifications(ctx, b.seller, service.Page{})
	require.NoError(t, err)
	require.Len(t, now, 2)
	require.Equal(t, []bool{false, true}, []bool{now[0].Read, now[1].Read})
	n, err = b.svc.MarkRead(ctx, b.seller, now[0].ID)
	require.NoError(t, err)
	require.Zero(t, n)
	n, err = b.svc.MarkRead(ctx, b.seller, shown[0].ID)
	require.NoError(t, err)
	require.Zero(t, n, "a page shown earlier marks nothing unread again")
}

func TestService_Sweep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	o := b.place(t, "k", 1, validCard("4242424242424242"))
	// Its checkout died before the order awaited payment.
	_, err := b.pool.Exec(ctx, "UPDATE orders.orders SET status = 'pending' WHERE id = $1", o.ID)
	require.NoError(t, err)
	b.clock.Add(time.Hour)
	catalogtest.Hold(context.Background(), t, b.cat, b.pool, 5555, b.book.ID, 1) // no order holds it
	require.NoError(t, b.svc.AddItem(ctx, service.Owner{VisitorID: "old-visitor-0123456789"}, b.book.ID, 1))
	_, err = b.pool.Exec(ctx, "UPDATE orders.carts SET updated_at = now() - interval '31 days' WHERE visitor_id IS NOT NULL")
	require.NoError(t, err)
	res, err := b.svc.Sweep(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, res.Cancelled)
	require.Equal(t, int64(1), res.StaleCarts)
	require.GreaterOrEqual(t, res.Released, 2)
	c := catalogtest.StockOf(context.Background(), t, b.pool, b.book.ID)
	avail, held := c.Available, c.Held
	require.Equal(t, []int{3, 0}, []int{avail, held})
	got, err := b.svc.Get(ctx, b.buyer, o.ID)
	require.NoError(t, err)
	require.Equal(t, orders.StatusCancelled, got.Status)
}

// An order awaiting payment is stuck once BankTransferDelay has passed
// beyond StuckAfter, however it is paid, so that a bank's confirmation may
// come late; then its payment fails. A paid order is never stuck.
func TestService_SweepFailsStuckPayments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	bank := b.place(t, "bank", 1, service.PaymentInput{Method: orders.MethodBankTransfer})
	paid := b.place(t, "paid", 1, service.PaymentInput{Method: orders.MethodWallet})
	require.NoError(t, b.svc.Charge(ctx, paid.ID, paid.Payment.Method))
	opts := b.svc.Options()
	b.clock.Add(opts.StuckAfter + opts.BankTransferDelay/2)
	res, err := b.svc.Sweep(ctx)
	require.NoError(t, err)
	require.Zero(t, res.Failed, "a bank transfer may still come")
	b.clock.Add(opts.BankTransferDelay)
	res, err = b.svc.Sweep(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, res.Failed)
	b.requireStatuses(t, map[int64]orders.Status{bank.ID: orders.StatusPaymentFailed, paid.ID: orders.StatusPaid})
}

// requireStatuses checks the status of each order, as its buyer reads it.
func (b *bundle) requireStatuses(t *testing.T, want map[int64]orders.Status) {
	t.Helper()
	for id, st := range want {
		got, err := b.svc.Get(context.Background(), b.buyer, id)
		require.NoError(t, err)
		require.Equal(t, st, got.Status, "order %d", id)
	}
}

// An order the sweep cannot resolve (here its payment is gone) does not
// keep it from the others: the other stuck order fails and the orphan hold
// is released, and the sweep then fails naming the order and its cause, so
// that its job is retried and the failure seen.
func TestService_SweepGoesOnPastAnOrderItCannotResolve(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	broken := b.place(t, "broken", 1, service.PaymentInput{Method: orders.MethodWallet})
	stuck := b.place(t, "stuck", 1, service.PaymentInput{Method: orders.MethodWallet})
	_, err := b.pool.Exec(ctx, "DELETE FROM orders.payments WHERE order_id = $1", broken.ID)
	require.NoError(t, err)
	catalogtest.Hold(ctx, t, b.cat, b.pool, 5555, b.book.ID, 1) // no order holds it
	opts := b.svc.Options()
	b.clock.Add(opts.StuckAfter + 2*opts.BankTransferDelay)

	res, err := b.svc.Sweep(ctx)
	require.ErrorContains(t, err, fmt.Sprintf("sweep: resolve stuck order %d: ", broken.ID))
	require.ErrorIs(t, err, pgx.ErrNoRows, "the cause")
	require.Equal(t, 1, res.Failed)
	require.Equal(t, 1, res.Released)
	b.requireStatuses(t, map[int64]orders.Status{broken.ID: orders.StatusAwaitingPayment, stuck.ID: orders.StatusPaymentFailed})
	require.Equal(t, catalogtest.Counts{Listed: 3, Available: 1, Held: 2}, catalogtest.StockOf(ctx, t, b.pool, b.book.ID))
}

func TestService_SweepSellsTheCopiesOfShippedOrders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	for i := range 2 {
		o := b.place(t, fmt.Sprintf("k%d", i), 1, service.PaymentInput{Method: orders.MethodWallet})
		require.NoError(t, b.svc.Charge(ctx, o.ID, o.Payment.Method))
	}
	require.Equal(t, 2, b.carry(t))
	// Their confirmation never ran (a job an admin deleted, say): the
	// sweep sells the copies of both, and only once.
	_, err := b.pool.Exec(ctx, "DELETE FROM river.river_job WHERE kind = 'orders.confirm_stock_batch'")
	require.NoError(t, err)
	for _, confirmed := range []int{2, 0} {
		res, err := b.svc.Sweep(ctx)
		require.NoError(t, err)
		require.Equal(t, confirmed, res.Confirmed)
		require.Equal(t, catalogtest.Counts{Listed: 3, Available: 1, Sold: 2}, catalogtest.StockOf(ctx, t, b.pool, b.book.ID))
	}
}

func TestService_CartCountOfCartsToMerge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	other := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Emma", PriceCents: 900, Copies: 5})
	user, visitor := service.Owner{UserID: b.buyer.ID}, service.Owner{VisitorID: "visitor-0123456789abcdef"}
	require.NoError(t, b.svc.SetQuantity(ctx, user, b.book.ID, 1))
	require.NoError(t, b.svc.SetQuantity(ctx, visitor, b.book.ID, 2))
	require.NoError(t, b.svc.SetQuantity(ctx, visitor, other.ID, 1))

	both := service.Owner{UserID: b.buyer.ID, VisitorID: visitor.VisitorID}
	n, err := b.svc.CartCount(ctx, both)
	require.NoError(t, err)
	require.Equal(t, 3, n, "a book in both carts counts its larger quantity")
	require.NoError(t, b.svc.MergeVisitorCart(ctx, b.buyer.ID, visitor.VisitorID))
	merged, err := b.svc.CartCount(ctx, user)
	require.NoError(t, err)
	require.Equal(t, n, merged, "the count before the merge is the count after")
	n, err = b.svc.CartCount(ctx, service.Owner{VisitorID: "nobody-0123456789abcdef"})
	require.NoError(t, err)
	require.Zero(t, n)
}

// TestService_JobsOfEveryQueue is the jobs page of a split shop: the
// orders process's own queue, the catalog's over its internal endpoints,
// and one whose process is down, which is reported rather than hiding the
// others. Pages are cut from the queues' jobs merged newest first.
func TestService_JobsOfEveryQueue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	insert := func(pool *pgxpool.Pool, kind, state string, age int) int64 {
		var id int64
		require.NoError(t, pool.QueryRow(ctx, `INSERT INTO river.river_job (kind, args, state, created_at, finalized_at, max_attempts, attempt, errors)
			VALUES ($1, '{}', $2::text::river.river_job_state, now() - make_interval(mins => $3::int), CASE WHEN $2::text IN ('discarded', 'completed') THEN now() END, 25, 25,
			ARRAY['{"at":"2026-01-01T00:00:00Z","attempt":25,"error":"gave up"}'::jsonb]) RETURNING id`, kind, state, age).Scan(&id))
		return id
	}
	ordersPool, catalogPool := pgtest.New(t), pgtest.New(t)
	local := riverfx.NewLocalQueue(riverClient(t, ordersPool))
	catalogSrv := webtest.New(t, webtest.Opts{Routes: []web.Routes{riverfx.QueueRoutes(riverfx.NewLocalQueue(riverClient(t, catalogPool)))},
		Pool: catalogPool, InternalToken: webtest.InternalToken})
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	svc := service.New(ordersPool, catalogtest.NewService(ordersPool), riverClient(t, ordersPool), &service.Options{Queues: []riverfx.Queue{
		local,
		riverfx.NewRemoteQueue(rpc.New("catalog", catalogSrv.URL, webtest.InternalToken, nil)),
		riverfx.NewRemoteQueue(rpc.New("auth", down.URL, webtest.InternalToken, &rpc.Opts{Attempts: 1})),
	}})
	// Made oldest first, as ids grow: 4, 3, 2 and 1 minute ago.
	old := insert(ordersPool, "orders.carry_shipments", "completed", 4)
	done := insert(catalogPool, "catalog.sync_sellers", "completed", 3)
	ordersJob := insert(ordersPool, "orders.charge_payment", "discarded", 2)
	catalogJob := insert(catalogPool, "catalog.sync_sellers", "discarded", 1)
	type row struct {
		Queue string
		ID    int64
	}
	list := func(f riverfx.JobFilter, p service.Page) []row {
		t.Helper()
		got, err := svc.Jobs(ctx, auth.User{ID: 1, Role: auth.RoleAdmin}, f, p)
		require.NoError(t, err)
		require.Len(t, got.Unreadable, 1)
		require.Contains(t, got.Unreadable[0], "auth: ")
		out := make([]row, len(got.Jobs))
		for i, j := range got.Jobs {
			out[i] = row{j.Queue, j.ID}
		}
		return out
	}

	admin := auth.User{ID: 1, Role: auth.RoleAdmin}
	_, err := svc.Jobs(ctx, auth.User{ID: 2, Role: auth.RoleMember}, riverfx.JobFilter{}, service.Page{})
	require.ErrorIs(t, err, auth.ErrForbidden)
	require.Equal(t, []row{{"catalog", catalogJob}, {"local", ordersJob}, {"catalog", done}, {"local", old}}, list(riverfx.JobFilter{}, service.Page{}))
	require.Equal(t, []row{{"catalog", done}, {"local", old}}, list(riverfx.JobFilter{}, service.Page{Limit: 2, Offset: 2}), "the second page of two")
	require.Equal(t, []row{{"catalog", catalogJob}, {"local", ordersJob}}, list(riverfx.JobFilter{State: riverfx.StateFailed}, service.Page{}))
	require.Equal(t, []row{{"catalog", done}, {"local", old}}, list(riverfx.JobFilter{State: "completed"}, service.Page{}))
	require.Equal(t, []row{{"local", old}}, list(riverfx.JobFilter{Kind: "orders.carry_shipments"}, service.Page{}))
	_, err = svc.Jobs(ctx, admin, riverfx.JobFilter{State: "asleep"}, service.Page{})
	require.Contains(t, apperr.As(err).Fields, "state")
	_, err = svc.Jobs(ctx, admin, riverfx.JobFilter{}, service.Page{Limit: 21, Offset: riverfx.MaxListed})
	require.Contains(t, apperr.As(err).Fields, "page")

	require.NoError(t, svc.RetryJob(ctx, admin, "catalog", catalogJob), "a job of another process")
	entries, err := svc.ActivityLog(ctx, activity.Filter{Limit: 10})
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.Equal(t, fmt.Sprintf("catalog.sync_sellers job #%d (catalog queue)", catalogJob), entries[0].SubjectLabel, "named by its kind, read from its process")
	require.ErrorIs(t, svc.CancelJob(ctx, admin, "local", catalogJob+ordersJob+100), riverfx.ErrJobNotFound)
	require.ErrorIs(t, svc.RetryJob(ctx, admin, "payments", ordersJob), riverfx.ErrJobNotFound)
	var state string
	require.NoError(t, catalogPool.QueryRow(ctx, "SELECT state FROM river.river_job WHERE id = $1", catalogJob).Scan(&state))
	require.Equal(t, "available", state)
}
