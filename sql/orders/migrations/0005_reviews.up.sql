-- A buyer's rating of one seller of a delivered order: one per order and
-- seller. The seller may answer once; an admin may hide it, with a reason,
-- which takes it out of the seller's average and off public pages.
CREATE TABLE orders.reviews (
    id            bigserial PRIMARY KEY,
    order_id      bigint NOT NULL REFERENCES orders.orders (id) ON DELETE CASCADE,
    seller_id     bigint NOT NULL,
    buyer_id      bigint NOT NULL,
    -- The buyer's name as it was when they wrote, shown beside the review.
    buyer_name    text NOT NULL,
    rating        smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment       text NOT NULL DEFAULT '' CHECK (length(comment) <= 1000),
    reply         text CHECK (length(reply) BETWEEN 1 AND 1000),
    replied_at    timestamptz,
    hidden_reason text CHECK (length(hidden_reason) BETWEEN 1 AND 500),
    hidden_by     bigint,
    hidden_at     timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (order_id, seller_id),
    CHECK ((reply IS NULL) = (replied_at IS NULL)),
    CHECK ((hidden_reason IS NULL) = (hidden_at IS NULL))
);
CREATE INDEX reviews_seller_idx ON orders.reviews (seller_id, id DESC) WHERE hidden_reason IS NULL;

-- Numbers the counts of a seller's standing pushed to the catalog, which
-- keeps only the highest it has seen.
CREATE SEQUENCE orders.seller_stats_version;
