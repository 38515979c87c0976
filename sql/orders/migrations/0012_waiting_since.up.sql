-- An order's later state changes are HOT updates (one new heap tuple on the
-- same page and no index entry) rather than a new tuple plus an entry in
-- every index of the table. An update is HOT only when no indexed column
-- changes, and orders_status_idx indexed status and updated_at, which
-- every transition changes: each step wrote four index entries.
--
-- The sweeper, the only reader that needs to find orders by their state,
-- looks for orders waiting for their checkout or a payment. waiting_since
-- says when an order began to wait, and is NULL while it waits for nothing
-- (the CHECK keeps the two in step, so no waiting order escapes the
-- sweeper). It is kept from pending to awaiting_payment, so among the
-- transitions that follow placing an order only the one that ends the
-- wait changes an indexed column; pending to awaiting_payment, the
-- pick-up and the delivery are HOT. It never postdates updated_at, so the
-- sweeper's range on it holds every order its filter on updated_at keeps.
-- The index is partial: it holds only the few orders in flight, not the
-- history. Its predicate names no status, since a predicate's columns
-- count as indexed too.
ALTER TABLE orders.orders ADD COLUMN waiting_since timestamptz;
UPDATE orders.orders SET waiting_since = updated_at WHERE status IN ('pending', 'awaiting_payment');
ALTER TABLE orders.orders ADD CONSTRAINT orders_waiting_since_check
    CHECK ((waiting_since IS NOT NULL) = (status IN ('pending', 'awaiting_payment')));
CREATE INDEX orders_waiting_idx ON orders.orders (waiting_since) WHERE waiting_since IS NOT NULL;

-- What the status index gave the admin's filter by status: a page of
-- orders of one state now reads the primary key backwards and skips the
-- others. On 100,000 orders (in flight the newest ones, the rest delivered,
-- cancelled or failed) a page read 4 to 18 buffers for any state but
-- payment_failed (1% of orders: 89, as before), where the status index
-- read 7 to 10 for the states in flight; but where the statistics make a
-- state look rare the planner may choose one sequential scan (3,448
-- pages) instead. That is an admin's page,
-- seldom asked for, and not worth an index entry and a non-HOT update on
-- every step of every order.
DROP INDEX orders.orders_status_idx;

-- A HOT update needs room for the new version on the row's own page; the
-- versions of earlier steps are pruned when the page is next read. An
-- order (about 260 bytes) changes four times after it is placed, and the
-- orders placed together fill a page together and are carried in the same
-- round, whose transaction adds a version of each before any can be
-- pruned. Measured with 400 orders through the whole saga, the carrier
-- moving 10 or 40 orders a round: at the default 100, 87% and 48% of the
-- 1,200 updates that can be HOT were; at 70, 100% and 99%; 60 won the last
-- 1% with a table 15% larger. The price is room: with 1,200 orders and
-- vacuum running, 69 pages rather than 48 (1/0.7), a few megabytes per
-- hundred thousand orders. Pages filled before this keep their fillfactor
-- until rewritten (VACUUM FULL); new orders fill new pages.
ALTER TABLE orders.orders SET (fillfactor = 70);
