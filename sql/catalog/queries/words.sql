-- name: SuggestWords :many
-- Pairs each typed word, in order, folded as search folds it (accents,
-- case, catalog.search_text), or as typed when it is a Korean word of three
-- or more syllables (remembered so, see catalog.remember_words), with
-- whether the shop knows it and, when not, the known words it may be a
-- misspelling of, most similar first:
-- the most similar by trigrams, those with the same letters in another
-- order, and those one edit away that start alike.
SELECT t.w::text AS typed, EXISTS (SELECT FROM catalog.words k WHERE k.word = t.w) AS known,
  ARRAY(SELECT c.word FROM (
      (SELECT k.word FROM catalog.words k WHERE k.word OPERATOR(catalog.%) t.w
       ORDER BY catalog.similarity(k.word, t.w) DESC, k.word LIMIT 3)
      UNION
      (SELECT k.word FROM catalog.words k WHERE catalog.word_letters(k.word) = catalog.word_letters(t.w) LIMIT 10)
      UNION
      (SELECT k.word FROM catalog.words k
       WHERE left(k.word, 1) = left(t.w, 1) AND length(k.word) BETWEEN length(t.w) - 1 AND length(t.w) + 1
         AND catalog.levenshtein_less_equal(k.word, t.w, 1) <= 1 LIMIT 10)
    ) c WHERE c.word <> t.w
    ORDER BY catalog.similarity(c.word, t.w) DESC, c.word)::text[] AS candidates
FROM unnest(@words::text[]) WITH ORDINALITY AS u (typed, n),
  LATERAL (SELECT CASE WHEN u.typed ~ '^[\uac00-\ud7a3]{3,}$' THEN u.typed
    ELSE catalog.search_text(lower(catalog.unaccent(u.typed))) END AS w) t
ORDER BY u.n;
