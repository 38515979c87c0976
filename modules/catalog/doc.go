// The catalog module owns the catalog schema: listings (catalog.books and
// the catalog.listings view), their photos (files behind a storage
// interface, by default <data-dir>/uploads, which replicas may share as a
// mounted volume; catalog.staged_photos keeps for a day, for their owner
// only, the photos of a new-listing form that came back, until the form is
// sent again or the hourly job catalog.sweep_staged_photos removes them;
// a photo is served only while its row exists, and the daily job
// catalog.sweep_photo_files removes the files no row names),
// stock reservations (catalog.holds and hold_lines, one
// row per order and per (order, book), each line with the price it was
// held at), the sales of editions (catalog.sales: a confirmed line of a
// listing with an ISBN, written by the statement that confirms it, for the
// price guide's median of the last 180 days), and a copy of users' names and
// disabled flags (catalog.sellers), kept current every two seconds by the
// River job catalog.sync_sellers from auth.Service.UserChanges; and the
// admins' activity log of listings (catalog.admin_actions: hide and unhide,
// each written in the transaction of the action; platform/activity).
//
// Invariants, enforced by CHECK constraints and proven by the contract
// suite in catalogtest: stock is never negative; listed copies = available
// + held by orders + sold; and a reservation is a conditional decrement
// (available >= n), so N racing buyers for the last k copies make exactly
// k reservations. Reserve, Release and Confirm are idempotent per order.
// Reservations that arrive together are held in one transaction
// (platform/coalesce), so a listing many buyers want at once is locked and
// committed once for them, not once each in a queue.
//
// Listing life: draft → active ⇄ paused → archived. Deleting a listing that
// an order refers to archives it instead; an archived listing keeps no
// photos. Listings hidden by an admin or
// of a disabled seller are out of the shop. Prices are int64 cents, at most
// BOOKSTORE_CATALOG_MAX_PRICE (default 10,000.00).
//
// Sellers list in bulk from a CSV staged in catalog.imports (at most
// 10 unconfirmed per seller, removed after a day by the job
// catalog.sweep_staged_imports; a finished import keeps no file): the job
// catalog.import_listings creates or updates (by id, or ISBN and condition)
// every valid row in one transaction with the summary, so an import is
// whole or absent. A row's copies_base, the copies the export wrote, is the
// edit form's copies base: copies sold since the export stay sold.
package catalog
