-- A seller's sales page (SellerLines) reads their lines newest order
-- first, book by book: with book_id in the index the lines come in the
-- page's order, so the page reads its own rows and stops. The old index
-- (seller_id, order_id DESC) is this one's prefix, so nothing else needs it.
CREATE INDEX order_lines_seller_order_idx ON orders.order_lines (seller_id, order_id DESC, book_id);
DROP INDEX orders.order_lines_seller_idx;
