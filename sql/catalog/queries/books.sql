-- name: CreateBook :one
INSERT INTO catalog.books (
  seller_id, title, author, isbn, condition, condition_note, price_cents,
  currency, description, lang, pub_year, status, listed, available
) VALUES (
  @seller_id, @title, @author, @isbn, @condition, @condition_note, @price_cents,
  @currency, @description, @lang, @pub_year, @status, @listed, @available
)
RETURNING id;

-- name: GetBook :one
SELECT * FROM catalog.listings b
WHERE b.id = @id;

-- name: GetBookForUpdate :one
SELECT id, seller_id, title, status, held, sold, hidden_reason FROM catalog.books WHERE id = @id FOR UPDATE;

-- name: BooksByIDs :many
-- The array goes in through a sub-select so that the plan is cached: given
-- the array itself, the planner counts its elements (one, in most carts)
-- and finds every fresh plan cheaper than the cached one, which assumes
-- ten, so it would plan the statement on every call. It reads only what a
-- catalog.Book holds (publicBook): a cart's and every checkout's call scan
-- no description or counts they drop.
SELECT b.id, b.seller_id, b.title, b.author, b.condition, b.price_cents, b.currency, b.available,
       b.status, b.hidden_reason, b.updated_at, b.seller_name, b.seller_disabled
FROM catalog.listings b
WHERE b.id = ANY((SELECT @ids::bigint[])::bigint[]);

-- name: SellerBooks :many
-- One page of a seller's listings, newest first: the next entries of
-- books_seller_newest_idx, whatever share of the shop the seller holds.
SELECT * FROM catalog.listings b
WHERE b.seller_id = @seller_id
ORDER BY b.created_at DESC, b.id DESC
LIMIT @lim OFFSET @off;

-- name: SellerBooksAfter :many
-- The seller's listings after one (by created_at, then id), newest first,
-- archived ones left out: the keyset pages of an export, each read where
-- the index left off rather than past every listing before it.
SELECT * FROM catalog.listings b
WHERE b.seller_id = @seller_id AND (b.created_at, b.id) < (@after_created_at::timestamptz, @after_id::bigint)
  AND b.status <> 'archived'
ORDER BY b.created_at DESC, b.id DESC
LIMIT @lim;

-- name: CountSellerBooks :one
-- How many listings SellerBooks pages through, counted to at most @cap,
-- from books_seller_newest_idx alone: a page past the end finds the last page by
-- this one count rather than by reading pages at deep offsets.
SELECT count(*) FROM (SELECT 1 FROM catalog.books WHERE seller_id = @seller_id LIMIT @cap) b;

-- name: EditionBooks :many
-- Every copy of one edition on sale, cheapest first.
SELECT * FROM catalog.listings b
WHERE b.isbn = @isbn AND b.status = 'active' AND b.hidden_reason IS NULL
  AND b.available > 0 AND NOT b.seller_disabled
ORDER BY b.price_cents, b.id
LIMIT 200;

-- name: SellerOtherBooks :many
-- The seller's other listings on sale, newest first, for a book's page.
SELECT * FROM catalog.listings b
WHERE b.seller_id = @seller_id AND b.id <> @book_id AND b.status = 'active' AND b.hidden_reason IS NULL
  AND b.available > 0 AND NOT b.seller_disabled
ORDER BY b.created_at DESC, b.id DESC
LIMIT @lim;

-- name: SellerOnSale :many
-- One page of a seller's listings on sale, newest first, for their page.
SELECT * FROM catalog.listings b
WHERE b.seller_id = @seller_id AND b.status = 'active' AND b.hidden_reason IS NULL
  AND b.available > 0 AND NOT b.seller_disabled
ORDER BY b.created_at DESC, b.id DESC
LIMIT @lim OFFSET @off;

-- name: AdminBooks :many
-- Every listing for the admin's page, newest first, in a state the page
-- filters on ('' for all; catalog.in_admin_state).
SELECT * FROM catalog.listings b
WHERE catalog.in_admin_state(@state::text, b.hidden_reason, b.status, b.available)
ORDER BY b.id DESC
LIMIT @lim OFFSET @off;

-- name: AdminBooksMatching :many
-- AdminBooks of the listings whose title and author, or seller's name,
-- match pattern (an ILIKE pattern), accents ignored ("marquez" finds
-- Márquez). Each side is found by its trigram index (migration 0022), so a
-- search reads its matches rather than every listing with its seller.
SELECT * FROM catalog.listings b
WHERE b.id IN (
    SELECT m.id FROM catalog.books m
    WHERE catalog.unaccented(m.title || ' ' || m.author) ILIKE catalog.unaccented(@pattern::text)
    UNION ALL
    SELECT m.id FROM catalog.books m WHERE m.seller_id IN (
      SELECT s.id FROM catalog.sellers s WHERE catalog.unaccented(s.name) ILIKE catalog.unaccented(@pattern::text)))
  AND catalog.in_admin_state(@state::text, b.hidden_reason, b.status, b.available)
ORDER BY b.id DESC
LIMIT @lim OFFSET @off;

-- name: UpdateBook :execrows
-- Copies are what the seller still has (available + held); they can never
-- go below the copies held by orders.
UPDATE catalog.books SET
  title = @title, author = @author, isbn = @isbn, condition = @condition,
  condition_note = @condition_note, price_cents = @price_cents,
  description = @description, lang = sqlc.arg(lang), pub_year = sqlc.arg(pub_year),
  listed = sqlc.arg(copies)::integer + sold, available = sqlc.arg(copies)::integer - held,
  updated_at = now()
WHERE id = @id AND held <= sqlc.arg(copies)::integer;

-- name: SetBookStatus :execrows
UPDATE catalog.books SET status = @new_status, updated_at = now()
WHERE id = @id AND status = ANY(@old_statuses::text[]);

-- name: SetBookHidden :one
UPDATE catalog.books SET hidden_reason = sqlc.narg(reason), updated_at = now()
WHERE id = @id
RETURNING status;

-- name: DeleteBook :execrows
DELETE FROM catalog.books b WHERE b.id = @id
  AND NOT EXISTS (SELECT 1 FROM catalog.hold_lines l WHERE l.book_id = b.id);

-- name: CountBooks :one
SELECT count(*) FROM catalog.books;
