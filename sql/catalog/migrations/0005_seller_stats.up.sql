-- A seller's standing as the orders module counts it (it owns reviews and
-- knows which orders were delivered) and pushes it down through
-- catalog.Service.SetSellerStats, so cards and book pages show it without
-- the catalog ever calling orders. stats_version orders the pushes: one
-- that arrives after a newer one is ignored. member_since comes from the
-- accounts module's change feed, for the seller's page.
ALTER TABLE catalog.sellers
  ADD COLUMN member_since  timestamptz,
  ADD COLUMN ratings       integer NOT NULL DEFAULT 0 CHECK (ratings >= 0),
  ADD COLUMN rating_sum    integer NOT NULL DEFAULT 0 CHECK (rating_sum BETWEEN ratings AND 5 * ratings),
  ADD COLUMN sales         integer NOT NULL DEFAULT 0 CHECK (sales >= 0),
  ADD COLUMN stats_version bigint NOT NULL DEFAULT 0;

-- New columns go last, so the view keeps its earlier columns in order.
CREATE OR REPLACE VIEW catalog.listings AS
SELECT b.id, b.seller_id, b.title, b.author, b.isbn, b.condition, b.condition_note,
  b.price_cents, b.currency, b.description, b.lang, b.pub_year, b.status,
  b.listed, b.available, b.held, b.sold, b.hidden_reason, b.created_at, b.updated_at,
  coalesce(s.name, '') AS seller_name, coalesce(s.disabled, false) AS seller_disabled,
  coalesce(s.ratings, 0) AS seller_ratings, coalesce(s.rating_sum, 0) AS seller_rating_sum,
  coalesce(s.sales, 0) AS seller_sales
FROM catalog.books b
LEFT JOIN catalog.sellers s ON s.id = b.seller_id;
