-- name: EditionRecords :many
-- What the shop's listings of an edition say of it, newest first, for a
-- seller's form: every listing that is or was public (not drafts, nothing
-- an admin hid, no disabled seller's), at most 200, so a popular edition
-- costs no more than that.
SELECT b.title, b.author, b.lang, b.pub_year
FROM catalog.books b
WHERE b.isbn = @isbn AND b.status <> 'draft' AND b.hidden_reason IS NULL
  AND NOT EXISTS (SELECT 1 FROM catalog.sellers s WHERE s.id = b.seller_id AND s.disabled)
ORDER BY b.created_at DESC, b.id DESC
LIMIT 200;

-- name: EditionOnSale :one
-- The prices of an edition's copies that can be bought now, in one
-- condition (empty for any).
SELECT count(*)::integer AS listings, coalesce(sum(b.available), 0)::integer AS copies,
  coalesce(min(b.price_cents), 0)::bigint AS min_cents, coalesce(max(b.price_cents), 0)::bigint AS max_cents
FROM catalog.books b
WHERE b.isbn = @isbn AND (@condition::text = '' OR b.condition = @condition::text)
  AND b.status = 'active' AND b.hidden_reason IS NULL AND b.available > 0
  AND NOT EXISTS (SELECT 1 FROM catalog.sellers s WHERE s.id = b.seller_id AND s.disabled);

-- name: EditionSales :one
-- The copies of an edition sold since a time, in one condition (empty
-- for any), and their median price, each copy counted once (a line of three
-- copies weighs three). Sales of listings an admin has hidden since are
-- left out: a fraudulent price guides nobody.
SELECT count(*)::integer AS copies,
  coalesce(round((percentile_cont(0.5) WITHIN GROUP (ORDER BY s.price_cents))::numeric), 0)::bigint AS median_cents
FROM catalog.sales s
CROSS JOIN LATERAL generate_series(1, s.quantity) AS copy
WHERE s.isbn = @isbn AND s.sold_at >= @since AND (@condition::text = '' OR s.condition = @condition::text)
  AND NOT EXISTS (SELECT 1 FROM catalog.books b WHERE b.id = s.book_id AND b.hidden_reason IS NOT NULL);
