// The orders module owns the orders schema: carts (per user, or per visitor
// cookie until sign-in merges them), orders and their lines (the book's id
// with a snapshot of title and price), payments (brand and last four digits
// only), the simulated processor's charges, shipments with their timeline,
// delivery providers, notifications (read up to a mark per user, so the
// header's count reads only the unread ones), reviews, each seller's
// count of delivered orders, and the admins' activity log of what the
// module does for them (orders.admin_actions: the shop's cancel, hiding
// and unhiding a review, editing a delivery provider, each in the
// transaction of the action; retrying and cancelling a job, once its queue
// confirmed). It serves the admin's Activity page, which lists every
// module's log (platform/activity).
//
// The saga: Place takes the lines out of the buyer's cart and records the
// order (pending, idempotent per buyer and Idempotency-Key) in one
// statement, so a cart checks out once however many tabs submit it, and only
// at the prices the buyer was shown (the page and the API send the lines
// they showed; a difference is orders.ErrCartChanged). It then reserves the
// stock through catalog.Service at those prices (a refusal drops the order
// and puts its lines back in the cart; the catalog holds reservations that
// arrive together in one transaction), then moves the order to
// awaiting_payment with the charge job. Once the cart is an order, those
// steps (or dropping the order and giving the lines back) finish, each
// bounded by a timeout of its own, whatever the buyer's request does: a
// buyer who leaves mid-way finds the order or the cart, never an emptied
// cart and a pending order left for the sweeper. Checkouts that reach the
// move to awaiting_payment at the same moment take it in one transaction, and charge jobs that settle
// payments at the same moment in one statement (platform/coalesce), since
// a round trip and a commit cost more than a row. Each later state change is one
// conditional update (from-state → to-state; zero rows is
// orders.ErrStateConflict) in the same transaction as the River job it
// triggers: orders.charge_payment → paid (one row in charges per order, ever)
// or payment_failed. A failed payment keeps the copies held for
// --payment-retry-window, while the buyer may pay the same order another way
// (RetryPayment: back to awaiting_payment with a new attempt and its charge
// job); then orders.release_stock, scheduled with the failure, cancels the
// order, puts its lines back in the cart and releases the copies. The
// charge that pays an order also creates its shipment (label created, the
// next step due a shipping step later), and the periodic
// orders.carry_shipments moves every due shipment, in batches, → picked up
// (shipped, and one orders.confirm_stock_batch per batch sells the copies)
// → in transit → out for delivery → delivered. The buyer may cancel until
// the shipment is picked up, so the copies are confirmed as sold only then:
// the catalog cannot release confirmed copies. Notifications are unique per
// (order, step, user), so a retried job writes each once. The periodic
// orders.sweep cancels orders stuck in checkout, fails payments that never
// completed, and settles holds that no live order owns (released, or
// confirmed for shipped orders).
package orders
