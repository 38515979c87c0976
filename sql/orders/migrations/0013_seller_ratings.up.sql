-- A seller's shown ratings and the stars they add up to, kept as data as
-- their sales are (0009): a review adds to them in the statement that
-- inserts it, hiding it takes it out in the statement that hides it, so
-- the standing pushed to the catalog after every delivery and review is
-- one row read, not a count of every review the seller ever had (5,000
-- reviews: 1,118 buffers and two scans of them per push). A seller with
-- no row has no shown rating.
CREATE TABLE orders.seller_ratings (
    seller_id  bigint PRIMARY KEY,
    ratings    integer NOT NULL CHECK (ratings >= 0),
    rating_sum integer NOT NULL CHECK (rating_sum >= 0)
);

-- The reviews written before this migration. Replicas still running the
-- code before it do not count theirs: review with one version at a time.
INSERT INTO orders.seller_ratings (seller_id, ratings, rating_sum)
SELECT seller_id, count(*), sum(rating)
FROM orders.reviews
WHERE hidden_reason IS NULL
GROUP BY seller_id;
