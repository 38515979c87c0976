-- Greek writes sigma ς at the end of a word and σ elsewhere, but
-- lower-casing a capital Σ gives σ wherever it stands, so "ΚΑΖΑΝΤΖΑΚΗΣ"
-- missed "Καζαντζάκης" and a title in capitals missed its word typed in
-- lower case. Search reads both as σ: search_text folds every text that
-- is indexed or compared (a listing's title, author and description, a
-- want's words, the words of suggestions) and every word searched, before
-- the configurations lower-case them. unaccent's rules could fold it
-- inside the configurations, but their file lies in Postgres' share
-- folder, which the shop does not own.
CREATE FUNCTION catalog.search_text(t text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT translate(t, 'ς', 'σ') $$;

CREATE OR REPLACE FUNCTION catalog.remember_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO catalog.words (word)
  SELECT w FROM unnest(tsvector_to_array(to_tsvector('catalog.book_words', catalog.search_text(NEW.title || ' ' || NEW.author)))) w
  WHERE length(w) >= 3
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

INSERT INTO catalog.words (word)
SELECT catalog.search_text(word) FROM catalog.words WHERE word LIKE '%ς%'
ON CONFLICT DO NOTHING;
DELETE FROM catalog.words WHERE word LIKE '%ς%';

-- The search documents are built again (PostgreSQL 15 cannot change a
-- generated column's expression), and their indexes with them.
ALTER TABLE catalog.books DROP COLUMN search, DROP COLUMN title_search;

-- The service stores text composed (NFC) from now on, as searches are
-- read; text stored before is composed here, while the table has no
-- search document to compute twice.
UPDATE catalog.books SET title = normalize(title, NFC), author = normalize(author, NFC),
  description = normalize(description, NFC), condition_note = normalize(condition_note, NFC)
WHERE title IS NOT NFC NORMALIZED OR author IS NOT NFC NORMALIZED
  OR description IS NOT NFC NORMALIZED OR condition_note IS NOT NFC NORMALIZED;

ALTER TABLE catalog.books
  ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('catalog.book_search'::regconfig, catalog.search_text(title)), 'A') ||
    setweight(to_tsvector('catalog.book_search'::regconfig, catalog.search_text(author)), 'A') ||
    setweight(to_tsvector('catalog.book_words'::regconfig, catalog.search_text(title || ' ' || author)), 'B') ||
    setweight(to_tsvector('simple'::regconfig, coalesce(isbn, '')), 'A') ||
    setweight(to_tsvector('catalog.book_search'::regconfig, catalog.search_text(description)), 'C')
  ) STORED,
  ADD COLUMN title_search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('catalog.book_search'::regconfig, catalog.search_text(title)), 'A') ||
    setweight(to_tsvector('catalog.book_search'::regconfig, catalog.search_text(author)), 'A') ||
    setweight(to_tsvector('catalog.book_words'::regconfig, catalog.search_text(title || ' ' || author)), 'B')
  ) STORED;
CREATE INDEX books_search_idx ON catalog.books USING gin (search) WITH (fastupdate = off);
CREATE INDEX books_title_search_idx ON catalog.books USING gin (title_search) WITH (fastupdate = off);

-- A want's stems, folded as the listings' are; dropping the column drops
-- its index and the check that names it, which come back as they were.
ALTER TABLE catalog.wants DROP COLUMN lexemes;
UPDATE catalog.wants SET words = normalize(words, NFC) WHERE words IS NOT NFC NORMALIZED;
ALTER TABLE catalog.wants ADD COLUMN lexemes text[] GENERATED ALWAYS AS (
    tsvector_to_array(to_tsvector('catalog.book_search'::regconfig, catalog.search_text(words)))
  ) STORED,
  ADD CONSTRAINT wants_isbn_or_words CHECK (
    (isbn IS NOT NULL AND words = '') OR (isbn IS NULL AND cardinality(lexemes) > 0));
CREATE INDEX wants_lexemes_idx ON catalog.wants USING gin (lexemes) WITH (fastupdate = off) WHERE isbn IS NULL;

-- The planner reads how common a searched word is from the documents'
-- statistics, which the new columns have none of until ANALYZE: without
-- them every word looks equally rare. An empty shop is left as it was,
-- never analysed, so the planner does not take its tables for as small
-- as they are before the first listings arrive.
DO $$
BEGIN
  IF EXISTS (SELECT FROM catalog.books) THEN
    ANALYZE catalog.books, catalog.wants;
  END IF;
END $$;
