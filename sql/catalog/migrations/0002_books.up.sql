-- Search ignores accents and case: a text search configuration that runs
-- every word through unaccent before English stemming. unaccent is a
-- trusted extension, so the database owner may create it.
CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA catalog;

CREATE TEXT SEARCH CONFIGURATION catalog.book_search (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION catalog.book_search
  ALTER MAPPING FOR hword, hword_part, word WITH catalog.unaccent, english_stem;
ALTER TEXT SEARCH CONFIGURATION catalog.book_search
  ALTER MAPPING FOR asciihword, asciiword, hword_asciipart WITH english_stem;

-- The catalog's copy of the users who sell, kept current by a periodic job
-- that reads the accounts module's change feed. A disabled seller's
-- listings are hidden.
CREATE TABLE catalog.sellers (
  id         bigint PRIMARY KEY,
  name       text NOT NULL,
  disabled   boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Where a change feed was last read up to.
CREATE TABLE catalog.cursors (
  name     text PRIMARY KEY,
  position bigint NOT NULL
);

-- A listing: one or more copies of one book, in one condition, by one
-- seller. listed = available + held + sold on every row, and no count is
-- ever negative, so a conditional decrement can never oversell.
CREATE TABLE catalog.books (
  id             bigserial PRIMARY KEY,
  seller_id      bigint NOT NULL,
  title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  author         text NOT NULL CHECK (length(author) BETWEEN 1 AND 300),
  isbn           text CHECK (isbn ~ '^97[89][0-9]{10}$'),
  condition      text NOT NULL CHECK (condition IN ('new', 'as_new', 'fine', 'very_good', 'good', 'fair', 'poor')),
  condition_note text NOT NULL DEFAULT '',
  price_cents    bigint NOT NULL CHECK (price_cents > 0),
  currency       text NOT NULL DEFAULT 'USD',
  description    text NOT NULL DEFAULT '',
  lang       text NOT NULL DEFAULT '',
  pub_year           integer,
  status         text NOT NULL DEFAULT 'active' CHECK (status IN ('draft', 'active', 'paused', 'archived')),
  listed         integer NOT NULL CHECK (listed >= 0),
  available      integer NOT NULL CHECK (available >= 0),
  held           integer NOT NULL DEFAULT 0 CHECK (held >= 0),
  sold           integer NOT NULL DEFAULT 0 CHECK (sold >= 0),
  hidden_reason  text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  search         tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('catalog.book_search'::regconfig, title), 'A') ||
    setweight(to_tsvector('catalog.book_search'::regconfig, author), 'A') ||
    setweight(to_tsvector('simple'::regconfig, coalesce(isbn, '')), 'A') ||
    setweight(to_tsvector('catalog.book_search'::regconfig, description), 'C')
  ) STORED,
  CONSTRAINT books_counts CHECK (listed = available + held + sold)
);

CREATE INDEX books_search_idx ON catalog.books USING gin (search);
CREATE INDEX books_newest_idx ON catalog.books (created_at DESC, id DESC) WHERE status = 'active' AND hidden_reason IS NULL;
CREATE INDEX books_price_idx ON catalog.books (price_cents, id) WHERE status = 'active' AND hidden_reason IS NULL;
CREATE INDEX books_seller_idx ON catalog.books (seller_id, id);
CREATE INDEX books_isbn_idx ON catalog.books (isbn, price_cents) WHERE isbn IS NOT NULL;

-- Photos of a listing, in display order; key names the stored files.
CREATE TABLE catalog.photos (
  id         bigserial PRIMARY KEY,
  book_id    bigint NOT NULL REFERENCES catalog.books (id) ON DELETE CASCADE,
  key        text NOT NULL UNIQUE,
  width      integer NOT NULL,
  height     integer NOT NULL,
  position   integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX photos_book_idx ON catalog.photos (book_id, position);

-- One row per order that reserved copies: inserting it is what makes
-- Reserve idempotent, and its state makes Release and Confirm so.
CREATE TABLE catalog.holds (
  order_id   bigint PRIMARY KEY,
  state      text NOT NULL CHECK (state IN ('held', 'released', 'confirmed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX holds_held_idx ON catalog.holds (order_id) WHERE state = 'held';

-- What each order holds of each book. A listing with any line is never
-- deleted, only archived.
CREATE TABLE catalog.hold_lines (
  order_id bigint NOT NULL REFERENCES catalog.holds (order_id),
  book_id  bigint NOT NULL REFERENCES catalog.books (id),
  quantity integer NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (order_id, book_id)
);
CREATE INDEX hold_lines_book_idx ON catalog.hold_lines (book_id);

-- What the service reads of a listing: every column but the search
-- document, with the seller's name and status from the catalog's copy.
CREATE VIEW catalog.listings AS
SELECT b.id, b.seller_id, b.title, b.author, b.isbn, b.condition, b.condition_note,
  b.price_cents, b.currency, b.description, b.lang, b.pub_year, b.status,
  b.listed, b.available, b.held, b.sold, b.hidden_reason, b.created_at, b.updated_at,
  coalesce(s.name, '') AS seller_name, coalesce(s.disabled, false) AS seller_disabled
FROM catalog.books b
LEFT JOIN catalog.sellers s ON s.id = b.seller_id;
