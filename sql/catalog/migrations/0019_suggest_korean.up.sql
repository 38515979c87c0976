-- Korean puts spaces between its words, so "did you mean" can offer one,
-- as it did before 0015 split every run of Hangul into characters and
-- pairs, too short to remember (three or more letters). The words of a
-- title and author are remembered as before, and each run of three or more
-- Hangul syllables too, as written ("채식주의자를", its particle kept, as a
-- search of it finds the book); SuggestWords compares such a word as typed.
CREATE OR REPLACE FUNCTION catalog.remember_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO catalog.words (word)
  SELECT w FROM unnest(tsvector_to_array(to_tsvector('catalog.book_words', catalog.search_text(NEW.title || ' ' || NEW.author)))) w
  WHERE length(w) >= 3
  UNION
  SELECT m[1] FROM regexp_matches(NEW.title || ' ' || NEW.author, '([\uac00-\ud7a3]{3,})', 'g') m
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

-- The runs of the listings written before; only they are read, and no
-- listing is written again.
INSERT INTO catalog.words (word)
SELECT DISTINCT m[1] FROM catalog.books b, regexp_matches(b.title || ' ' || b.author, '([\uac00-\ud7a3]{3,})', 'g') m
WHERE b.title || ' ' || b.author ~ '[\uac00-\ud7a3]{3}'
ON CONFLICT DO NOTHING;
