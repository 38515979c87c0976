package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/jobs"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/view"
)

// notes are the messages of an order's notifications of step to user.
func (b *bundle) notes(t *testing.T, orderID int64, step string, user auth.UserID) []string {
	t.Helper()
	rows, err := b.pool.Query(context.Background(), "SELECT message FROM orders.notifications WHERE order_id = $1 AND step = $2 AND user_id = $3 ORDER BY id", orderID, step, user)
	require.NoError(t, err)
	msgs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return msgs
}

// releases counts the release jobs queued for an order.
func (b *bundle) releases(t *testing.T, orderID int64) int {
	t.Helper()
	return b.count(t, "SELECT count(*) FROM river.river_job WHERE kind = $1 AND (args->>'order_id')::bigint = $2", jobs.ReleaseArgs{}.Kind(), orderID)
}

func TestService_ShopCancel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	// A paid order cancelled by an admin is refunded, its copies go back
	// on sale by the release job queued with the cancel, and its buyer and
	// seller are told the shop's reason, in a notification and by email,
	// isolated as other typed text is (text.Isolate).
	t.Run("Paid", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.withMailboxes(t)
		o := b.place(t, "k", 2, validCard("4242424242424242"))
		require.NoError(t, b.svc.Charge(ctx, o.ID, o.Payment.Method))

		requireCode(t, errOf(b.svc.Cancel(ctx, b.seller, o.ID, "Fraud")), "orders.cancel_forbidden")
		requireCode(t, errOf(b.svc.Cancel(ctx, b.buyer, o.ID, "I changed my mind")), "orders.cancel_forbidden")
		requireCode(t, errOf(b.svc.Cancel(ctx, auth.User{ID: 99, Role: auth.RoleMember}, o.ID, "Fraud")), "orders.not_found")
		requireCode(t, errOf(b.svc.Cancel(ctx, b.admin, 999_999, "Fraud")), "orders.not_found")
		for name, reason := range map[string]string{"Missing": "", "Blank": "  \t", "TooLong": strings.Repeat("x", service.MaxCancelReason+1), "Bidi": "Fraud \u202e"} {
			err := errOf(b.svc.Cancel(ctx, b.admin, o.ID, reason))
			requireCode(t, err, "invalid")
			require.Contains(t, apperr.As(err).Fields, "reason", name)
		}
		got, err := b.svc.Get(ctx, b.buyer, o.ID)
		require.NoError(t, err)
		require.Equal(t, orders.StatusPaid, got.Status, "nothing refused changed the order")

		require.NoError(t, errOf(b.svc.Cancel(ctx, b.admin, o.ID, "  The listing was a counterfeit copy ")))
		got, err = b.svc.Get(ctx, b.buyer, o.ID)
		require.NoError(t, err)
		require.Equal(t, orders.StatusCancelled, got.Status)
		require.Equal(t, "cancelled by the shop: The listing was a counterfeit copy", got.Reason)
		require.Equal(t, "refunded", got.Payment.Status)
		require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.charges WHERE order_id = $1 AND refunded_at IS NOT NULL", o.ID))

		buyerNote := fmt.Sprintf("The shop cancelled your order #%d: \u2068The listing was a counterfeit copy\u2069. You were refunded %s.", o.ID, view.Money(o.TotalCents))
		sellerNote := fmt.Sprintf("The shop cancelled order #%d: \u2068The listing was a counterfeit copy\u2069. The copies are back on sale.", o.ID)
		b.requireCancelTold(t, o.ID, buyerNote, sellerNote)
		require.Contains(t, b.emails(t, "ana@example.com"), fmt.Sprintf("Your order #%d was cancelled", o.ID))

		require.Equal(t, 1, b.releases(t, o.ID), "the release is queued with the cancel")
		require.Equal(t, 1, catalogtest.StockOf(ctx, t, b.pool, b.book.ID).Available)
		require.NoError(t, b.svc.ReleaseStock(ctx, o.ID, 0))
		require.Equal(t, 3, catalogtest.StockOf(ctx, t, b.pool, b.book.ID).Available, "the copies are back on sale")
		require.Zero(t, b.carry(t), "the carrier leaves a cancelled order alone")

		requireCode(t, errOf(b.svc.Cancel(ctx, b.admin, o.ID, "The listing was a counterfeit copy")), "orders.already_cancelled")
		require.Len(t, b.notes(t, o.ID, service.StepCancelled, b.buyer.ID), 1, "a second cancel tells nobody again")
	})

	// A pending order's lines stay out of the buyer's cart: the shop, not
	// the buyer, ended it. Nothing was charged, and the buyer is told so.
	t.Run("Pending", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.place(t, "k", 1, validCard("4242424242424242"))
		_, err := b.pool.Exec(ctx, "UPDATE orders.orders SET status = 'pending' WHERE id = $1", o.ID)
		require.NoError(t, err)
		require.NoError(t, errOf(b.svc.Cancel(ctx, b.admin, o.ID, "Suspected fraud!")))
		c, err := b.svc.Cart(ctx, service.Owner{UserID: b.buyer.ID})
		require.NoError(t, err)
		require.Empty(t, c.Lines)
		require.Equal(t, []string{fmt.Sprintf("The shop cancelled your order #%d: \u2068Suspected fraud!\u2069 Nothing was charged.", o.ID)}, b.notes(t, o.ID, service.StepCancelled, b.buyer.ID))
		require.Equal(t, 1, b.releases(t, o.ID))
		got, err := b.svc.Get(ctx, b.admin, o.ID)
		require.NoError(t, err)
		require.Equal(t, "failed", got.Payment.Status)
	})

	// A shipped order is past cancelling, by the shop as by its buyer.
	t.Run("Shipped", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.place(t, "k", 1, validCard("4242424242424242"))
		b.deliver(t, o.ID, false)
		requireCode(t, errOf(b.svc.Cancel(ctx, b.admin, o.ID, "Too late")), "orders.cannot_cancel")
		got, err := b.svc.Get(ctx, b.admin, o.ID)
		require.NoError(t, err)
		require.Equal(t, orders.StatusShipped, got.Status)
		require.Zero(t, b.releases(t, o.ID))
	})
}

// requireCancelTold checks that an order's cancel told its buyer and
// seller (with mailboxes, withMailboxes) these words, once each, in a
// notification and in an email that says them once.
func (b *bundle) requireCancelTold(t *testing.T, orderID int64, buyerNote, sellerNote string) {
	t.Helper()
	require.Equal(t, []string{buyerNote}, b.notes(t, orderID, service.StepCancelled, b.buyer.ID))
	require.Equal(t, []string{sellerNote}, b.notes(t, orderID, service.StepCancelled, b.seller.ID))
	for addr, note := range map[string]string{"ana@example.com": buyerNote, "sam@example.com": sellerNote} {
		var body string
		require.NoError(t, b.pool.QueryRow(context.Background(), "SELECT body FROM mail.outbox WHERE to_addr = $1 AND kind = 'orders.cancelled'", addr).Scan(&body))
		require.Contains(t, body, note, addr)
		require.NotContains(t, body, "Reason:", "the note says it once")
	}
}

// A buyer who cancels a paid order is told the refund and its amount, as
// when the shop cancels it, in the notification, the email and Cancel's
// answer (which the page confirms with); the seller is told the buyer
// cancelled the sale.
func TestService_BuyerCancelTellsTheRefund(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	b.withMailboxes(t)
	o := b.place(t, "k", 2, validCard("4242424242424242"))
	require.NoError(t, b.svc.Charge(ctx, o.ID, o.Payment.Method))

	told, err := b.svc.Cancel(ctx, b.buyer, o.ID, "")
	require.NoError(t, err)
	buyerNote := fmt.Sprintf("You cancelled your order #%d. You were refunded %s.", o.ID, view.Money(o.TotalCents))
	sellerNote := fmt.Sprintf("The buyer cancelled order #%d. The copies are back on sale.", o.ID)
	require.Equal(t, buyerNote, told)
	b.requireCancelTold(t, o.ID, buyerNote, sellerNote)
	got, err := b.svc.Get(ctx, b.buyer, o.ID)
	require.NoError(t, err)
	require.Equal(t, "refunded", got.Payment.Status)
	require.Equal(t, "cancelled by the buyer", got.Reason)
}
