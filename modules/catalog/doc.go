// The catalog module owns the catalog schema: listings, photos and stock
// reservations. Invariants: stock is never negative, and listed copies =
// available + held by orders + sold.
package catalog
