-- retries counts the buyer's further payments of an order whose payment
-- failed: a retry names the count it saw, so a form sent twice pays once,
-- and a release job scheduled by an earlier failure knows it is stale.
ALTER TABLE orders.payments ADD COLUMN retries integer NOT NULL DEFAULT 0;
