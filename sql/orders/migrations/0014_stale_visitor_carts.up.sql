-- The sweeper deletes visitor carts nobody touched for VisitorCartTTL. It
-- found them by reading every cart (a sequential scan of the users' carts
-- and a month of visitors', 25,000 rows for none to delete, on every
-- sweep); this index holds the visitors' carts in the order they go
-- stale, so a sweep reads the stale ones only. updated_at changes on every
-- touch of a visitor's cart, which is no longer a HOT update: a few index
-- entries per change, against a scan of every cart every minute. A user's
-- cart never goes stale, and its updates leave updated_at alone, so they
-- stay HOT (UserCart).
CREATE INDEX carts_visitor_stale_idx ON orders.carts (updated_at) WHERE visitor_id IS NOT NULL;
