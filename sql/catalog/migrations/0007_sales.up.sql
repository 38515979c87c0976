-- Price guidance for sellers ("sell one like this") needs what copies of an
-- edition sold for. The catalog learns of every sale itself, when the orders
-- module confirms a hold after payment, so nothing is pushed from orders
-- and no SQL reads its schema.

-- The price the order carries for each line, checked equal to the
-- listing's price when the copies were held: a seller's later edit must
-- not rewrite what a copy sold for. Lines held before this column existed
-- have none.
ALTER TABLE catalog.hold_lines ADD COLUMN price_cents bigint CHECK (price_cents > 0);

-- One row per confirmed line of an edition (a listing with an ISBN), with
-- the edition and condition as they were when it sold, so later edits of
-- the listing leave the record alone.
CREATE TABLE catalog.sales (
  order_id    bigint NOT NULL,
  book_id     bigint NOT NULL,
  isbn        text NOT NULL,
  condition   text NOT NULL,
  price_cents bigint NOT NULL CHECK (price_cents > 0),
  quantity    integer NOT NULL CHECK (quantity > 0),
  sold_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, book_id)
);
-- The guide reads one edition's sales since a date.
CREATE INDEX sales_isbn_idx ON catalog.sales (isbn, sold_at);

-- Sales confirmed before this migration, at the listing's price today
-- (the best the catalog knew of them).
INSERT INTO catalog.sales (order_id, book_id, isbn, condition, price_cents, quantity, sold_at)
SELECT l.order_id, l.book_id, b.isbn, b.condition, coalesce(l.price_cents, b.price_cents), l.quantity, h.updated_at
FROM catalog.hold_lines l
JOIN catalog.holds h ON h.order_id = l.order_id AND h.state = 'confirmed'
JOIN catalog.books b ON b.id = l.book_id
WHERE b.isbn IS NOT NULL;
