-- Search finds what people type: stop words ("the", "of"), a last word
-- typed halfway ("middlem"), and a suggestion for a misspelt word.

-- Words as typed: accents folded, no stemming and no stop words. Title and
-- author are indexed with it too (weight B), so "the" or "of mice and men"
-- find the titles that contain them and a prefix matches the word itself.
CREATE TEXT SEARCH CONFIGURATION catalog.book_words (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION catalog.book_words
  ALTER MAPPING FOR hword, hword_part, word WITH catalog.unaccent, simple;

-- PostgreSQL 15 cannot change a generated column's expression: the column
-- (and its index) is built again.
ALTER TABLE catalog.books DROP COLUMN search;
ALTER TABLE catalog.books ADD COLUMN search tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('catalog.book_search'::regconfig, title), 'A') ||
  setweight(to_tsvector('catalog.book_search'::regconfig, author), 'A') ||
  setweight(to_tsvector('catalog.book_words'::regconfig, title || ' ' || author), 'B') ||
  setweight(to_tsvector('simple'::regconfig, coalesce(isbn, '')), 'A') ||
  setweight(to_tsvector('catalog.book_search'::regconfig, description), 'C')
) STORED;
-- Without fastupdate a new listing goes straight into the index rather than
-- into a pending list that every search must scan until vacuum merges it
-- (up to 4 MB): searches far outnumber new listings.
CREATE INDEX books_search_idx ON catalog.books USING gin (search) WITH (fastupdate = off);

-- The words of every title and author, for "did you mean": a misspelt word
-- is replaced by the most similar known one (trigram similarity). Words are
-- only added: one left by a deleted listing costs a suggestion nothing.
-- pg_trgm is a trusted extension, so the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA catalog;
CREATE TABLE catalog.words (word text PRIMARY KEY);
CREATE INDEX words_trgm_idx ON catalog.words USING gin (word catalog.gin_trgm_ops);

CREATE FUNCTION catalog.remember_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO catalog.words (word)
  SELECT w FROM unnest(tsvector_to_array(to_tsvector('catalog.book_words', NEW.title || ' ' || NEW.author))) w
  WHERE length(w) >= 3
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

-- Row by row and only for title and author, so stock changes never fire it.
CREATE TRIGGER books_remember_words AFTER INSERT OR UPDATE OF title, author ON catalog.books
  FOR EACH ROW EXECUTE FUNCTION catalog.remember_words();

INSERT INTO catalog.words (word)
SELECT DISTINCT w FROM catalog.books b,
  unnest(tsvector_to_array(to_tsvector('catalog.book_words', b.title || ' ' || b.author))) w
WHERE length(w) >= 3
ON CONFLICT DO NOTHING;
