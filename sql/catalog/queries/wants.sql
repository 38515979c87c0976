-- name: LockUserWants :exec
-- Serialises one user's want changes, so two at once cannot both pass
-- the limit.
SELECT pg_advisory_xact_lock(hashtextextended('catalog.wants:' || sqlc.arg(user_id)::bigint, 0));

-- name: CountUserWants :one
SELECT count(*) FROM catalog.wants WHERE user_id = @user_id;

-- name: CreateWant :one
INSERT INTO catalog.wants (user_id, isbn, words, max_price_cents, min_condition, email)
VALUES (@user_id, @isbn, @words, @max_price_cents, @min_condition, @email)
RETURNING id, user_id, isbn, words, max_price_cents, min_condition, email, created_at, updated_at;

-- name: UpdateWant :one
UPDATE catalog.wants SET isbn = @isbn, words = @words, max_price_cents = @max_price_cents,
  min_condition = @min_condition, email = @email, updated_at = now()
WHERE id = @id AND user_id = @user_id
RETURNING id, user_id, isbn, words, max_price_cents, min_condition, email, created_at, updated_at;

-- name: GetWant :one
SELECT w.id, w.user_id, w.isbn, w.words, w.max_price_cents, w.min_condition, w.email, w.created_at, w.updated_at,
  (SELECT count(*) FROM catalog.want_matches m WHERE m.want_id = w.id) AS matches
FROM catalog.wants w WHERE w.id = @id;

-- name: LockWant :one
-- Locks the want for an edit, so two edits of different fields merge into
-- the row one after the other instead of each writing back what it read.
SELECT user_id FROM catalog.wants WHERE id = @id FOR UPDATE;

-- name: DeleteWant :execrows
DELETE FROM catalog.wants WHERE id = @id AND user_id = @user_id;

-- name: UserWants :many
SELECT w.id, w.user_id, w.isbn, w.words, w.max_price_cents, w.min_condition, w.email, w.created_at, w.updated_at,
  (SELECT count(*) FROM catalog.want_matches m WHERE m.want_id = w.id) AS matches
FROM catalog.wants w WHERE w.user_id = @user_id
ORDER BY w.id DESC;

-- name: WantMatchTarget :one
-- What matching needs of a listing, when it is on sale: its grade (the
-- index of its condition, best first), its title and author as a search
-- reads them (doc), and what the wants' index is searched with (keys): the
-- stems of its title and author and every start of their words, among
-- which a want's stems are all found when its words match (a last word
-- typed halfway is the start of one).
SELECT l.id, l.seller_id, l.isbn, l.price_cents, l.title, l.author,
  array_position(sqlc.arg(grades)::text[], l.condition)::int AS grade,
  (to_tsvector('catalog.book_search'::regconfig, catalog.search_text(l.title || ' ' || l.author)) ||
   to_tsvector('catalog.book_words'::regconfig, catalog.search_text(l.title || ' ' || l.author)))::text AS doc,
  ARRAY(SELECT x FROM unnest(tsvector_to_array(to_tsvector('catalog.book_search'::regconfig, catalog.search_text(l.title || ' ' || l.author)))) x
    UNION SELECT left(w, n) FROM unnest(tsvector_to_array(to_tsvector('catalog.book_words'::regconfig, catalog.search_text(l.title || ' ' || l.author)))) w,
      generate_series(1, length(w)) n)::text[] AS keys
FROM catalog.listings l
WHERE l.id = @id AND l.status = 'active' AND l.hidden_reason IS NULL AND NOT l.seller_disabled AND l.available > 0;

-- name: MatchWants :many
-- Records the wants one listing meets, each once ever (the primary key):
-- by ISBN through its index, by words through the GIN index of the wants'
-- stems (wants whose stems are all among the listing's keys) and then
-- their query, as a search by the want's words would, then by price,
-- condition and not being the seller's own. Each new match comes back
-- with the address its email goes to, when the want asks for email and
-- its user chose the topic and has a confirmed address ('' when not); a match recorded
-- before comes back never again, so it is emailed once.
WITH candidates AS (
  SELECT w.id, w.user_id, w.max_price_cents, w.min_condition FROM catalog.wants w
  WHERE w.isbn = sqlc.narg(isbn)::text
  UNION ALL
  SELECT w.id, w.user_id, w.max_price_cents, w.min_condition FROM catalog.wants w
  WHERE w.isbn IS NULL AND w.lexemes <@ sqlc.arg(keys)::text[] AND sqlc.arg(doc)::text::tsvector @@ w.query
), matched AS (
  INSERT INTO catalog.want_matches (want_id, book_id, user_id, price_cents)
  SELECT c.id, sqlc.arg(book_id)::bigint, c.user_id, sqlc.arg(price_cents)::bigint
  FROM candidates c
  WHERE c.user_id <> sqlc.arg(seller_id)::bigint AND c.max_price_cents >= sqlc.arg(price_cents)::bigint
    AND array_position(sqlc.arg(grades)::text[], c.min_condition) >= sqlc.arg(grade)::int
  ON CONFLICT DO NOTHING
  RETURNING want_id, user_id
)
SELECT m.want_id, m.user_id, w.isbn, w.words,
  coalesce((SELECT s.email FROM catalog.sellers s
   WHERE s.id = m.user_id AND w.email AND sqlc.arg(topic)::text = ANY (s.email_topics)), '')::text AS email
FROM matched m JOIN catalog.wants w ON w.id = m.want_id
ORDER BY m.want_id;

-- name: UserWantMatches :many
-- A user's matches, newest first, with the listing as it is now.
SELECT m.want_id, m.book_id, m.price_cents AS matched_price_cents, m.created_at, m.seen_at,
  w.isbn AS want_isbn, w.words AS want_words,
  l.title, l.author, l.condition, l.price_cents, l.status, l.available,
  (l.hidden_reason IS NOT NULL OR l.seller_disabled)::boolean AS hidden
FROM catalog.want_matches m
JOIN catalog.wants w ON w.id = m.want_id
JOIN catalog.listings l ON l.id = m.book_id
WHERE m.user_id = @user_id
ORDER BY m.created_at DESC, m.book_id DESC, m.want_id DESC
LIMIT @lim OFFSET @off;

-- name: UnseenWantMatches :one
-- The user's unseen matches, counted no further than lim: every page's
-- header shows the count, so it reads at most lim entries of
-- want_matches_unseen_idx, however many matches went unseen.
SELECT count(*) FROM (
    SELECT 1 FROM catalog.want_matches WHERE user_id = @user_id AND seen_at IS NULL LIMIT @lim
) s;

-- name: MarkWantMatchesSeen :execrows
UPDATE catalog.want_matches SET seen_at = now() WHERE user_id = @user_id AND seen_at IS NULL;
