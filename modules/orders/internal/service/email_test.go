package service_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/payment"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
)

// emails lists the subjects of the outbox's emails of an order step kind
// to addr, oldest first.
func (b *bundle) emails(t *testing.T, addr string) []string {
	t.Helper()
	rows, err := b.pool.Query(context.Background(), "SELECT subject FROM mail.outbox WHERE to_addr = $1 AND kind LIKE 'orders.%' ORDER BY id", addr)
	require.NoError(t, err)
	subjects, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return subjects
}

// withMailboxes makes the bundle's buyer and seller real accounts
// (ana@example.com, sam@example.com) with their default email choices,
// copied into orders, and the book the seller's.
func (b *bundle) withMailboxes(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	accounts := authtest.NewService(t, b.pool)
	b.buyer = authtest.CreateUser(ctx, t, b.pool, &authtest.UserOpts{Email: "ana@example.com", Name: "Ana"})
	b.seller = authtest.CreateUser(ctx, t, b.pool, &authtest.UserOpts{Email: "sam@example.com", Name: "Sam"})
	b.book = catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Dune", PriceCents: 1500, Copies: 3})
	_, err := b.svc.SyncRecipients(ctx, accounts.UserChanges)
	require.NoError(t, err)
}

// TestService_StepEmails follows real accounts through the real change
// feed: a step emails whoever chose its topic, in the step's transaction,
// and a choice changed in accounts counts once orders has copied the feed.
func TestService_StepEmails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	accounts := authtest.NewService(t, b.pool)
	b.buyer = authtest.CreateUser(ctx, t, b.pool, &authtest.UserOpts{Email: "ana@example.com", Name: "Ana"})
	b.seller = authtest.CreateUser(ctx, t, b.pool, &authtest.UserOpts{Email: "sam@example.com", Name: "Sam"})
	b.book = catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Dune", PriceCents: 1500, Copies: 3})
	sync := func() {
		t.Helper()
		_, err := b.svc.SyncRecipients(ctx, accounts.UserChanges)
		require.NoError(t, err)
	}

	o := b.place(t, "before-sync", 1, validCard("4242424242424242"))
	require.Empty(t, b.emails(t, "ana@example.com"), "orders has not copied the feed yet: no address, no email")

	sync()
	o = b.place(t, "defaults", 1, validCard("4242424242424242"))
	require.Equal(t, []string{fmt.Sprintf("Your order #%d was placed", o.ID)}, b.emails(t, "ana@example.com"))
	require.Empty(t, b.emails(t, "sam@example.com"), "a placed order is not a sale yet")
	require.NoError(t, errOf(b.svc.Cancel(ctx, b.buyer, o.ID, "")))
	require.Equal(t, fmt.Sprintf("Your order #%d was cancelled", o.ID), b.emails(t, "ana@example.com")[1])
	require.Equal(t, []string{fmt.Sprintf("Order #%d was cancelled; the copies are back on sale", o.ID)}, b.emails(t, "sam@example.com"))
	var body string
	require.NoError(t, b.pool.QueryRow(ctx, "SELECT body FROM mail.outbox WHERE to_addr = 'ana@example.com' AND kind = 'orders.cancelled'").Scan(&body))
	require.Contains(t, body, fmt.Sprintf("You cancelled your order #%d. Nothing was charged.", o.ID), "the note says who cancelled, so no reason follows")
	require.Contains(t, body, fmt.Sprintf("http://localhost:8080/orders/%d", o.ID))

	_, err := accounts.SetEmailTopics(ctx, b.buyer.ID, map[auth.Topic]bool{auth.TopicOrderPlaced: false})
	require.NoError(t, err)
	sync()
	o = b.place(t, "dropped", 1, validCard("4242424242424242"))
	require.Len(t, b.emails(t, "ana@example.com"), 2, "the dropped topic counts once copied")
	require.Equal(t, 0, b.count(t, "SELECT count(*) FROM mail.outbox WHERE subject LIKE $1", fmt.Sprintf("%%#%d %%", o.ID)))
}

// TestService_PaymentFailedAgainEmails follows an order whose payment the
// buyer makes again and which fails again, with its buyer and seller
// emailed: the second failure moves it as the first did, tells both in
// notifications and emails of the step's own words, and its copies go back
// when the retry window ends.
func TestService_PaymentFailedAgainEmails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	b.withMailboxes(t)
	o := b.place(t, "k", 2, validCard("4000000000000002"))
	require.NoError(t, b.svc.Charge(ctx, o.ID, o.Payment.Method))
	require.NoError(t, b.svc.RetryPayment(ctx, b.buyer, o.ID, service.RetryInput{Retries: 0, Payment: validCard("4000000000000002")}))
	require.NoError(t, b.svc.Charge(ctx, o.ID, o.Payment.Method), "a second decline is no failure of the job")

	got, err := b.svc.Get(ctx, b.buyer, o.ID)
	require.NoError(t, err)
	require.Equal(t, orders.StatusPaymentFailed, got.Status)
	require.Equal(t, []any{"failed", 1, payment.ReasonDeclined}, []any{got.Payment.Status, got.Payment.Retries, got.Payment.FailureReason})
	subject := fmt.Sprintf("The payment for order #%d failed", o.ID)
	// The deadline names its zone, since the reader's may be another.
	until := b.clock.Now().Add(b.svc.Options().RetryWindow).UTC().Format("2 Jan 2006, 15:04") + " UTC"
	buyerSays := subject + ". The books stay held for you until " + until + " in case you pay another way"
	sellerSays := subject + ". Its copies stay held until " + until + " in case the buyer pays another way"
	for _, u := range []struct {
		user auth.User
		says string
	}{{b.buyer, buyerSays}, {b.seller, sellerSays}} {
		notes, err := b.svc.Notifications(ctx, u.user, service.Page{})
		require.NoError(t, err)
		require.Equal(t, "payment_failed", notes[0].Step, "user %d", u.user.ID)
		require.Equal(t, u.says+".", notes[0].Message, "user %d", u.user.ID)
	}
	require.Equal(t, []string{fmt.Sprintf("Your order #%d was placed", o.ID), subject, subject}, b.emails(t, "ana@example.com"))
	require.Equal(t, []string{subject, subject}, b.emails(t, "sam@example.com"))
	for _, addr := range []string{"ana@example.com", "sam@example.com"} {
		require.Equal(t, 2, b.count(t, "SELECT count(*) FROM mail.outbox WHERE kind = 'orders.payment_failed' AND to_addr = $1 AND body LIKE '%held%until '||$2||' in case%Reason: '||$3||'%'", addr, until, payment.ReasonDeclined), addr)
	}

	require.Equal(t, 2, catalogtest.StockOf(ctx, t, b.pool, b.book.ID).Held, "held for another payment")
	require.NoError(t, b.svc.ReleaseStock(ctx, o.ID, 0), "the first failure's release comes too late")
	require.Equal(t, 2, catalogtest.StockOf(ctx, t, b.pool, b.book.ID).Held)
	require.NoError(t, b.svc.ReleaseStock(ctx, o.ID, 1))
	got, err = b.svc.Get(ctx, b.buyer, o.ID)
	require.NoError(t, err)
	require.Equal(t, orders.StatusCancelled, got.Status)
	st := catalogtest.StockOf(ctx, t, b.pool, b.book.ID)
	require.Equal(t, []int{3, 0}, []int{st.Available, st.Held})
}
