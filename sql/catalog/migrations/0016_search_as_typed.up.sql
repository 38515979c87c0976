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
