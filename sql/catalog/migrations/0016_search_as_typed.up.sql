-- A word joined to another by a dot, a slash or a hyphen before a digit
-- was one token to the parser ("tcp/ip", "node.js", "2.0", "r.u.r",
-- "-22"), while a search splits its words at every symbol, so "catch 22",
-- "tcp ip", "node.js" or "rur" missed their books. search_text now adds
-- each such token's pieces and their joined form after the text ("Catch-22"
-- reads "Catch-22 … Catch 22 Catch22"), in every text indexed or compared
-- and every word searched, so the pieces as typed and the word run together
-- both match. A hyphen between letters is left alone: the parser already
-- keeps the parts of "Saint-Exupéry". A text without such a token is
-- returned as before, after one regular expression test.
CREATE FUNCTION catalog.search_symbols(t text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$
SELECT CASE WHEN t !~ '[[:alnum:]]([./][[:alnum:]]|-[0-9])' THEN t ELSE t || coalesce((
  SELECT string_agg(' ' || regexp_replace(m[1], '[-./]', ' ', 'g') || ' ' || regexp_replace(m[1], '[-./]', '', 'g'), '')
  FROM regexp_matches(t, '([[:alnum:]]+(?:[-./][[:alnum:]]+)+)', 'g') m
  WHERE m[1] ~ '[./]|-[0-9]'), '') END $$;

-- The test stays in search_text, a plain expression Postgres inlines, so
-- text without such a token pays no call of search_symbols.
CREATE OR REPLACE FUNCTION catalog.search_text(t text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT CASE WHEN t ~ catalog.cjk_chars() THEN catalog.search_symbols(catalog.search_cjk(t))
    WHEN t ~ '[[:alnum:]]([./][[:alnum:]]|-[0-9])' THEN catalog.search_symbols(translate(t, 'ς', 'σ'))
    ELSE translate(t, 'ς', 'σ') END $$;

-- Only the rows with such tokens read differently, so only they are
-- written again (see 0015), which also remembers the joined words of their
-- titles for suggestions ("tcpip").
UPDATE catalog.books SET title = title
WHERE (title || ' ' || author || ' ' || description) ~ '[[:alnum:]]([./][[:alnum:]]|-[0-9])';

-- A title's words in order, as search folds them (search_text, accents and
-- case by catalog.book_words, which drops no stop word), so a search ranks
-- the listing whose title is exactly what was typed first ("It", "Go",
-- "The Time Machine"): two are equal when they hold the same words at the
-- same positions, whatever the punctuation and spacing. A plain expression,
-- which Postgres inlines, for it is computed for some of a search's rows.
CREATE FUNCTION catalog.title_words(t text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT to_tsvector('catalog.book_words'::regconfig, catalog.search_text(t)) $$;

CREATE INDEX books_title_words_idx ON catalog.books (catalog.title_words(title));

-- "Did you mean" for short words: trigrams of a four-letter word with two
-- letters swapped ("kign") share too little with the word meant to pass
-- the similarity threshold. Two more kinds of candidate, each found by an
-- index: the known words with the same letters in another order (any
-- transposition), and those one edit away (levenshtein) that start with
-- the same letter and are about as long ("tme"). fuzzystrmatch is a
-- trusted extension, so the database owner may create it.
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch SCHEMA catalog;
CREATE FUNCTION catalog.word_letters(w text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT string_agg(c, '' ORDER BY c COLLATE "C") FROM regexp_split_to_table(w, '') c $$;
CREATE INDEX words_letters_idx ON catalog.words (catalog.word_letters(word));
CREATE INDEX words_start_idx ON catalog.words (left(word, 1), length(word));

-- A want matches the listings its words find in a search: each word in any
-- form English gives it, and the last also as typed, or as the start of a
-- longer word unless symbols follow it (search.go, SearchStatements), so
-- "It" wants the book It and "middlem" wants Middlemarch. Its words are
-- read as the search reads them: the last run of letters and digits is the
-- last word. The word goes into the query quoted, so no symbol in it is
-- read as the syntax of a tsquery.
CREATE FUNCTION catalog.want_query(words text) RETURNS tsquery
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$
SELECT plainto_tsquery('catalog.book_search'::regconfig, catalog.search_text(coalesce(m[1], ''))) &&
  CASE WHEN m[2] ~ catalog.cjk_chars() THEN plainto_tsquery('catalog.book_search'::regconfig, catalog.search_text(m[2]))
  ELSE plainto_tsquery('catalog.book_search'::regconfig, catalog.search_text(m[2])) ||
    to_tsquery('catalog.book_words'::regconfig, '''' || replace(replace(catalog.search_text(m[2]), '\', '\\'), '''', '''''') || ''''
      || CASE WHEN m[3] = '' THEN ':*' ELSE '' END)
  END
FROM (SELECT regexp_match(words, '^(.*[[:space:][:punct:]])?([^[:space:][:punct:]]+)([[:space:][:punct:]]*)$') AS m) x $$;

-- The stems stay what the GIN index finds a listing's wants by (all of them
-- among the listing's stems and the starts of its words); a want of stop
-- words alone ("It") is found by its words as typed. query then tells
-- exactly whether the listing matches.
ALTER TABLE catalog.wants DROP COLUMN lexemes;
ALTER TABLE catalog.wants ADD COLUMN lexemes text[] GENERATED ALWAYS AS (
    CASE WHEN cardinality(tsvector_to_array(to_tsvector('catalog.book_search'::regconfig, catalog.search_text(words)))) > 0
      THEN tsvector_to_array(to_tsvector('catalog.book_search'::regconfig, catalog.search_text(words)))
      ELSE tsvector_to_array(to_tsvector('catalog.book_words'::regconfig, catalog.search_text(words))) END
  ) STORED,
  ADD COLUMN query tsquery GENERATED ALWAYS AS (CASE WHEN isbn IS NULL THEN catalog.want_query(words) END) STORED,
  ADD CONSTRAINT wants_isbn_or_words CHECK (
    (isbn IS NOT NULL AND words = '') OR (isbn IS NULL AND cardinality(lexemes) > 0));
CREATE INDEX wants_lexemes_idx ON catalog.wants USING gin (lexemes) WITH (fastupdate = off) WHERE isbn IS NULL;
-- The planner learns how common the new pieces and stems are (see 0014).
DO $$
BEGIN
  IF EXISTS (SELECT FROM catalog.books) THEN
    ANALYZE catalog.books;
  END IF;
  IF EXISTS (SELECT FROM catalog.wants) THEN
    ANALYZE catalog.wants;
  END IF;
END $$;
