-- A search sorted by price walks this index in price order until the page
-- is full, reading each listing to test its words and condition. With the
-- language in the index the walk tests it on the index entry, so only the
-- listings in the language searched are read (two in five of the bench's
-- "winter, en, 10–50, good or better": 1,240 buffers down to about 520).
-- After id, the language leaves the order price, id as it was, for the
-- walk. The condition stays out: a set of grades (= ANY) on a later column
-- makes PostgreSQL 15 give up the index order, and the walk is what bounds
-- the page's cost by how rare the matches are rather than by how many
-- listings the shop holds. Stock changes (available, held, sold) touch no
-- column of the index, so a sale's update stays HOT; a change of language
-- or price costs one index entry, as the price alone did.
DROP INDEX catalog.books_price_idx;
CREATE INDEX books_price_idx ON catalog.books (price_cents, id, lang) WHERE status = 'active' AND hidden_reason IS NULL;
