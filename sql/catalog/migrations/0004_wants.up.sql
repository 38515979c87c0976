-- Want lists: a shopper's standing order for a book, by ISBN or by words
-- of its title and author, up to a price and down to a condition. Matching
-- runs the other way round from search: one new listing is checked against
-- every want, so the want side is what is indexed.
CREATE TABLE catalog.wants (
  id              bigserial PRIMARY KEY,
  user_id         bigint NOT NULL,
  isbn            text CHECK (isbn ~ '^97[89][0-9]{10}$'),
  words           text NOT NULL DEFAULT '' CHECK (length(words) <= 200),
  max_price_cents bigint NOT NULL CHECK (max_price_cents > 0),
  min_condition   text NOT NULL CHECK (min_condition IN ('new', 'as_new', 'fine', 'very_good', 'good', 'fair', 'poor')),
  email           boolean NOT NULL DEFAULT false,
  -- The words as search stems them (no stop words), so "The Hobbit"
  -- wants every stem of "hobbit" in a listing's title and author.
  lexemes         text[] GENERATED ALWAYS AS (
    tsvector_to_array(to_tsvector('catalog.book_search'::regconfig, words))
  ) STORED,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  -- An ISBN want matches by ISBN alone. A words want needs one word that
  -- search keeps (not only stop words): an empty array is contained in
  -- every listing's words and would match them all.
  CONSTRAINT wants_isbn_or_words CHECK (
    (isbn IS NOT NULL AND words = '') OR (isbn IS NULL AND cardinality(lexemes) > 0))
);
CREATE INDEX wants_user_idx ON catalog.wants (user_id, id);
CREATE INDEX wants_isbn_idx ON catalog.wants (isbn) WHERE isbn IS NOT NULL;
-- lexemes <@ a listing's words: GIN reads the posting lists of the
-- listing's few stems only, whatever the number of wants.
CREATE INDEX wants_lexemes_idx ON catalog.wants USING gin (lexemes) WITH (fastupdate = off) WHERE isbn IS NULL;

-- A listing that matched a want: the primary key is what makes a shopper
-- hear of one listing once per want, however often its price drops or it
-- is published again.
CREATE TABLE catalog.want_matches (
  want_id     bigint NOT NULL REFERENCES catalog.wants (id) ON DELETE CASCADE,
  book_id     bigint NOT NULL REFERENCES catalog.books (id) ON DELETE CASCADE,
  user_id     bigint NOT NULL,
  price_cents bigint NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  seen_at     timestamptz,
  PRIMARY KEY (want_id, book_id)
);
CREATE INDEX want_matches_user_idx ON catalog.want_matches (user_id, created_at DESC, book_id);
CREATE INDEX want_matches_unseen_idx ON catalog.want_matches (user_id) WHERE seen_at IS NULL;
CREATE INDEX want_matches_book_idx ON catalog.want_matches (book_id);
