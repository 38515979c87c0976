-- name: SuggestWords :many
-- Pairs each typed word, in order, with the word the shop knows that is
-- the same once unaccented, lower-cased and folded as search folds it
-- (catalog.search_text), else the most similar one (trigrams), else
-- itself; and with itself so compared.
SELECT coalesce((SELECT k.word FROM catalog.words k WHERE k.word = t.w), (
  SELECT k.word FROM catalog.words k WHERE k.word OPERATOR(catalog.%) t.w
  ORDER BY catalog.similarity(k.word, t.w) DESC, k.word LIMIT 1), t.w)::text AS known, t.w::text AS typed
FROM unnest(@words::text[]) WITH ORDINALITY AS u (typed, n),
  LATERAL (SELECT catalog.search_text(lower(catalog.unaccent(u.typed))) AS w) t
ORDER BY u.n;
