-- A cart line keeps the book's title, author and seller's name as they were
-- when it was put, as an order line keeps its snapshot: the catalog deletes
-- a listing's row, and the buyer whose cart held it should still read which
-- book went. The catalog's names are shown while the listing exists. Lines
-- put before this have none and are named by their book's id.
ALTER TABLE orders.cart_items
    ADD COLUMN title text NOT NULL DEFAULT '',
    ADD COLUMN author text NOT NULL DEFAULT '',
    ADD COLUMN seller_name text NOT NULL DEFAULT '';
