// Package orders is the public face of the orders module: carts, checkout,
// payment and shipping. No other module calls it; the header of every page
// shows its counts (Service), and its types are here for tests.
package orders

import (
	"context"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/view"
)

// HeaderCounts are what the header of every page shows of orders.
type HeaderCounts struct {
	// Cart is the number of copies in the visitor's cart.
	Cart int `json:"cart"`
	// Unread is the number of the user's unread notifications, up to
	// UnreadCap.
	Unread int `json:"unread"`
}

// UnreadCap is where counting unread notifications stops: a user with
// more has UnreadCap, which the header shows as "99+". Every page counts
// them, so the count reads at most UnreadCap of the user's notifications,
// however many they have.
const UnreadCap = view.BadgeMax + 1

// Service is what the processes of the other modules need from orders:
// their pages show the same header as orders' own. Read-only, so a remote
// client retries it.
type Service interface {
	// HeaderCounts returns the copies in the cart of user (0 for a
	// visitor) together with those in the visitor cart visitorID ("" for
	// none), as the two will be once merged, and the user's unread
	// notifications.
	HeaderCounts(ctx context.Context, user auth.UserID, visitorID string) (HeaderCounts, error)
}

// OrderID identifies an order.
type OrderID int64

// Status is a state of the checkout saga.
type Status string

// The states of an order. Terminal states never change again, but for
// a failed payment's (see Terminal).
const (
	StatusPending         Status = "pending"
	StatusAwaitingPayment Status = "awaiting_payment"
	StatusPaid            Status = "paid"
	StatusShipped         Status = "shipped"
	StatusDelivered       Status = "delivered"
	StatusPaymentFailed   Status = "payment_failed"
	StatusCancelled       Status = "cancelled"
)

// Errors of the module.
var (
	ErrNotFound      = apperr.New(apperr.NotFound, "orders.not_found", "order not found")
	ErrStateConflict = apperr.New(apperr.Conflict, "orders.state_conflict", "the order has moved on; reload to see its status")
	// ErrKeyReused answers a replay of an Idempotency-Key with another body.
	ErrKeyReused = apperr.New(apperr.Invalid, "orders.idempotency_key_reused", "this Idempotency-Key was already used for a different order")
	ErrEmptyCart = apperr.New(apperr.Invalid, "orders.empty_cart", "your cart is empty")
	// ErrCartChanged refuses a checkout whose cart is not what the buyer
	// was shown: a price or quantity changed, or another checkout (a second
	// tab) took the lines first. Its message says what changed.
	ErrCartChanged  = apperr.New(apperr.Conflict, "orders.cart_changed", "your cart changed since you saw it; review it and place the order again")
	ErrNotInCart    = apperr.New(apperr.NotFound, "orders.not_in_cart", "this book is not in your cart")
	ErrCannotCancel = apperr.New(apperr.Conflict, "orders.cannot_cancel", "this order has shipped and can no longer be cancelled")
	// ErrAlreadyCancelled answers a cancel of a cancelled order, such as
	// the same form sent twice.
	ErrAlreadyCancelled = apperr.New(apperr.Conflict, "orders.already_cancelled", "this order is already cancelled")
	// ErrCancelForbidden refuses a cancel by someone who may see the order
	// (a seller of it) but neither bought it nor speaks for the shop, and a
	// shop's reason given by anyone but an admin.
	ErrCancelForbidden = apperr.New(apperr.Forbidden, "orders.cancel_forbidden", "only the order's buyer, or an admin giving the shop's reason, can cancel this order")
	// ErrCannotPay refuses another payment of an order whose copies are no
	// longer held for it (or that is not waiting for one).
	ErrCannotPay        = apperr.New(apperr.Conflict, "orders.cannot_pay", "this order can no longer be paid: it was paid or cancelled, or its time to pay another way is over (its books then go back to your cart)")
	ErrProviderNotFound = apperr.New(apperr.NotFound, "orders.provider_not_found", "delivery provider not found")
)

// Payment methods.
const (
	MethodCard         = "card"
	MethodWallet       = "wallet"
	MethodBankTransfer = "bank_transfer"
)
