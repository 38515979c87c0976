// The orders module owns the orders schema: carts, orders and their lines
// (with a snapshot of title and price), payments, shipments and
// notifications. Each state change is one conditional update in the same
// transaction as the River job it triggers.
package orders
