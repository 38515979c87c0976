-- A seller's sales: how many delivered orders hold at least one line of
-- theirs (an order with two of their books counts once; an order with
-- several sellers counts once for each). The carrier adds to it in the
-- transaction that delivers the orders, so the count pushed to the catalog
-- after every delivery is one row read, not a scan of the seller's whole
-- history, which grew without bound for the best sellers. A seller with
-- no row has sold nothing.
CREATE TABLE orders.seller_sales (
    seller_id bigint PRIMARY KEY,
    sales     integer NOT NULL CHECK (sales > 0)
);

-- The orders delivered before this migration. Replicas still running the
-- code before it do not add to the count: deliver with one version at a
-- time (a rolling deploy that overlaps misses the deliveries of the old
-- replicas while they run).
INSERT INTO orders.seller_sales (seller_id, sales)
SELECT l.seller_id, count(DISTINCT l.order_id)
FROM orders.order_lines l JOIN orders.orders o ON o.id = l.order_id
WHERE o.status = 'delivered'
GROUP BY l.seller_id;
