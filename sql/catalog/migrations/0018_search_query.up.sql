-- A search's words were made into its tsquery twice: in Go, as SQL of
-- search_text, plainto_tsquery and to_tsquery around each word, and in
-- want_query, which stores a want's query. search_query is now the one
-- rule, used by both; the search builds its statement from it (search.go,
-- SearchStatements) and want_query calls it.
--
-- It is PL/pgSQL on purpose. The planner computes a function of the
-- search's words once, as a constant, while planning; an SQL function it
-- inlines first, parsing its body (and search_text's, and cjk_chars')
-- anew at every place the statement names it. Since 0017 made search_text
-- inlinable, the 25 such places of a search by relevance cost 1 to 2 ms of
-- planning each search. PL/pgSQL is never inlined, and keeps its
-- expressions planned for the session.
--
-- Each word matches in any form English gives it; the last also as typed,
-- and as the start of a longer word when prefix is set (the search ends
-- in a letter or digit, not in symbols: "C++"). A word of Han, kana or
-- Hangul matches where its characters and their pairs stand in a row, as
-- search_text writes them (0015), so "東京都" misses a title holding 東京
-- and 京都 apart, and never as a prefix. The word OR (as
-- websearch_to_tsquery reads it) separates groups of words that must all
-- match.
CREATE FUNCTION catalog.search_query(words text[], prefix boolean) RETURNS tsquery
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
  AS $$
DECLARE
  q tsquery;   -- the groups before, joined by OR
  grp tsquery; -- the words of this group, joined by AND
  t tsquery;
  w text;
BEGIN
  FOR i IN 1 .. coalesce(cardinality(words), 0) LOOP
    IF words[i] = 'OR' THEN
      IF grp IS NOT NULL THEN
        q := CASE WHEN q IS NULL THEN grp ELSE q || grp END;
      END IF;
      grp := NULL;
      CONTINUE;
    END IF;
    w := catalog.search_text(words[i]);
    IF words[i] ~ ('^' || catalog.cjk_chars()) THEN
      t := phraseto_tsquery('catalog.book_search', w);
    ELSE
      t := plainto_tsquery('catalog.book_search', w);
      IF i = cardinality(words) THEN
        -- Quoted, so no symbol in it is read as the syntax of a tsquery.
        t := t || to_tsquery('catalog.book_words', '''' || replace(replace(w, '\', '\\'), '''', '''''') || ''''
          || CASE WHEN prefix THEN ':*' ELSE '' END);
      END IF;
    END IF;
    grp := CASE WHEN grp IS NULL THEN t ELSE grp && t END;
  END LOOP;
  IF grp IS NOT NULL THEN
    q := CASE WHEN q IS NULL THEN grp ELSE q || grp END;
  END IF;
  RETURN coalesce(q, ''::tsquery);
END $$;

-- A text folded as search compares titles: lower case, without accents,
-- each run of spaces and punctuation one space. An SQL function, inlined
-- where it reads a row's title: STABLE, as unaccent is, for Postgres
-- inlines no IMMUTABLE function that calls a STABLE one, and would plan
-- it for every statement and call it for every row.
CREATE FUNCTION catalog.fold(t text) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT btrim(regexp_replace(lower(catalog.unaccent(catalog.search_text(t))), '[[:space:][:punct:]]+', ' ', 'g')) $$;

-- What a search by relevance compares a listing's title and author with,
-- computed once while planning (PL/pgSQL, see search_query): the search's
-- words in order as title_words reads a title, the phrase of them, and the
-- search folded. A type of its own, as the planner computes no function
-- returning a bare record while planning.
CREATE TYPE catalog.search_typed AS (words tsvector, phrase tsquery, folded text);
CREATE FUNCTION catalog.search_typed(t text) RETURNS catalog.search_typed
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
  AS $$
BEGIN
  RETURN ROW(catalog.title_words(t), phraseto_tsquery('catalog.book_words', catalog.search_text(t)), catalog.fold(t))::catalog.search_typed;
END $$;

-- A want's words are split as a search splits them (search.go, Words):
-- runs of letters, digits and marks, a run of Han, kana or Hangul apart
-- from the letters around it, at most ten; the last is a prefix unless
-- symbols follow it.
CREATE OR REPLACE FUNCTION catalog.want_query(words text) RETURNS tsquery
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$
SELECT catalog.search_query(ARRAY(
    SELECT m.w[1] FROM regexp_matches(words,
      '(' || catalog.cjk_chars() || '+|(?:(?!' || catalog.cjk_chars() || ')[^[:space:][:punct:]])+)', 'g') WITH ORDINALITY AS m (w, n)
    ORDER BY m.n LIMIT 10),
  words ~ '[^[:space:][:punct:]]$') $$;

-- Only the wants whose query reads differently now are written again
-- (their generated query is computed anew): those with words of Han, kana
-- or Hangul, now matched as phrases, and those with OR between words (whose
-- stems, all of which the wants' index asks for, are unchanged).
UPDATE catalog.wants SET words = words
WHERE isbn IS NULL AND query IS DISTINCT FROM catalog.want_query(words);
