-- A title's words in order, as search folds them (search_text, accents and
-- case by catalog.book_words, which drops no stop word), so a search ranks
-- the listing whose title is exactly what was typed first ("It", "Go",
-- "The Time Machine"), then those whose title starts with it. Compared as
-- arrays, so punctuation and spacing do not count.
CREATE FUNCTION catalog.title_words(t text) RETURNS text[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT coalesce(array_agg(u.lexeme ORDER BY p, u.lexeme), '{}')
        FROM unnest(to_tsvector('catalog.book_words'::regconfig, catalog.search_text(t))) u, unnest(u.positions) p $$;

-- An exact title is found through this index however old it is and
-- however many newer listings merely contain its words ("It" among the
-- thousands of titles with the word it).
CREATE INDEX books_title_words_idx ON catalog.books (catalog.title_words(title));
