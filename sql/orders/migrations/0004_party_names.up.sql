-- The buyer's and each seller's display name as they were at checkout, kept
-- like a line's title and price, so the admin's pages name people without
-- reading auth's tables. Orders placed before this migration never recorded
-- a name; they read 'User #<id>', the id the pages showed until now.
ALTER TABLE orders.orders ADD COLUMN buyer_name text;
UPDATE orders.orders SET buyer_name = 'User #' || buyer_id;
ALTER TABLE orders.orders ALTER COLUMN buyer_name SET NOT NULL;

ALTER TABLE orders.order_lines ADD COLUMN seller_name text;
UPDATE orders.order_lines SET seller_name = 'User #' || seller_id;
ALTER TABLE orders.order_lines ALTER COLUMN seller_name SET NOT NULL;
