// The orders module owns the orders schema: carts (per user, or per visitor
// cookie until sign-in merges them), orders and their lines (the book's id
// with a snapshot of title and price), payments (brand and last four digits
// only), the simulated processor's charges, shipments with their timeline,
// delivery providers, and notifications.
//
// The saga: Place records the order (pending, idempotent per buyer and
// Idempotency-Key), reserves the stock through catalog.Service, then moves
// it to awaiting_payment with the charge job. Each later state change is one
// conditional update (from-state → to-state; zero rows is
// orders.ErrStateConflict) in the same transaction as the River job it
// triggers: orders.charge_payment → paid (one row in charges per order, ever)
// or payment_failed (orders.release_stock); orders.ship and
// orders.advance_shipment walk label created → picked up (shipped, and
// orders.confirm_stock sells the copies) → in transit → out for delivery →
// delivered. The buyer may cancel until the shipment is picked up, so the
// copies are confirmed as sold only then: the catalog cannot release
// confirmed copies. Notifications are unique per (order, step, user), so a
// retried job writes each once. The periodic orders.sweep cancels orders
// stuck in checkout, fails payments that never completed, and settles holds
// that no live order owns (released, or confirmed for shipped orders).
package orders
