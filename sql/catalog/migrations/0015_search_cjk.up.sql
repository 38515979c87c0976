-- Chinese and Japanese put no space between words, and Korean joins its
-- particles to the word before ("책을"), so the parser took a whole run of
-- Han, kana or Hangul as one word and "猫" missed "吾輩は猫である". No
-- dictionary of these languages ships with Postgres, so search_text reads
-- such a run as its characters and its overlapping pairs ("吾 吾輩 輩 輩は
-- は …"), in every text indexed or compared and every word searched: a
-- word of one character is one of them, and a longer word is found where
-- all its pairs are ("である"; not "猫だ"). The characters are kept alone,
-- not found as prefixes of the pairs, as a want matches a listing by
-- stems it contains, where no prefix applies. Half-width katakana and Hangul
-- are read full-width first, as most keyboards type them. A text with none
-- of these characters is returned as before, after one regular expression
-- test, so every other listing keeps its documents, words and ranking.
-- Each piece is at most two characters, so none becomes a word of
-- suggestions (remember_words keeps three or more).

-- The characters read so, as a bracket expression of the regular
-- expressions (Hangul jamo and syllables, kana, Han, their half-width
-- forms); the service's cjk (search.go) names the same ones.
CREATE FUNCTION catalog.cjk_chars() RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT '[\u1100-\u11ff\u3005-\u3007\u3041-\u30fa\u30fc-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff66-\uffdc\U00020000-\U0003ffff]'::text $$;

-- Each character of a run, and each with the next of its run, becomes a
-- word of its own; the rest of t is kept as it is.
CREATE FUNCTION catalog.search_cjk(t text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
  AS $$
DECLARE
  res text := '';
  prev text := ''; -- the character before, when it was one of the run
  ch text;
BEGIN
  FOREACH ch IN ARRAY regexp_split_to_array(
      translate(CASE WHEN t ~ '[\uff66-\uffdc]' THEN normalize(t, NFKC) ELSE t END, 'ς', 'σ'), '') LOOP
    IF ch ~ catalog.cjk_chars() THEN
      res := res || CASE WHEN prev = '' THEN ' ' ELSE prev || ch || ' ' END || ch || ' ';
      prev := ch;
    ELSE
      res := res || ch;
      prev := '';
    END IF;
  END LOOP;
  RETURN res;
END $$;

-- The documents are generated columns that call it: replaced in place, it
-- keeps them, and they hold its old result until their row is written.
CREATE OR REPLACE FUNCTION catalog.search_text(t text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT CASE WHEN t ~ catalog.cjk_chars() THEN catalog.search_cjk(t) ELSE translate(t, 'ς', 'σ') END $$;

-- Only the rows with such characters read differently, so only they are
-- written again, which computes their documents and stems anew (and, by
-- its trigger, remembers the words of their titles, such as "potter" of
-- "Harry Potterと賢者の石"): the rest of the shop keeps its rows and
-- indexes, and no table is rewritten. The words remembered from whole
-- runs before are forgotten. The planner then learns how common the new
-- pieces are (see 0014).
DELETE FROM catalog.words WHERE word ~ catalog.cjk_chars();
DO $$
DECLARE
  books bigint;
BEGIN
  UPDATE catalog.books SET title = title WHERE (title || ' ' || author || ' ' || description) ~ catalog.cjk_chars();
  GET DIAGNOSTICS books = ROW_COUNT;
  UPDATE catalog.wants SET words = words WHERE words ~ catalog.cjk_chars();
  IF books > 0 THEN
    ANALYZE catalog.books, catalog.wants;
  END IF;
END $$;
