-- Every page of the shop leaves out the listings of disabled sellers by an
-- anti-join with the disabled ones (SearchStatements, the editions, a
-- checkout's reservation), meant to read the few there are. With no index
-- to find them it read catalog.sellers whole, a row for every user the
-- accounts feed names, buyers too: 622 of the 629 buffers of the front
-- page at 20,000 users. This index holds only the disabled ones, so the
-- anti-join reads them from it, whatever the number of users.
CREATE INDEX sellers_disabled_idx ON catalog.sellers (id) WHERE disabled;

-- A seller's listings newest first, as their public page (SellerOnSale,
-- SellerOtherBooks) and their own list and export (SellerBooks,
-- SellerBooksAfter) read them: a page is the next entries of this index.
-- It replaces the index on (seller_id, id), whose order by id the planner
-- could also have from the primary key: for a seller holding a fifth of
-- the shop, it walked the primary key backward over every newer listing of
-- the others (79,700 at 100,000) to fill a page of 41; and for the page
-- on sale, a plan made for any seller read every listing of the seller
-- (18,487) and sorted them. Nothing else needed the order by id: a seller's
-- listings by ISBN or by id are found by those indexes. created_at never
-- changes, so a sale's update stays HOT.
DROP INDEX catalog.books_seller_idx;
CREATE INDEX books_seller_newest_idx ON catalog.books (seller_id, created_at DESC, id DESC);
