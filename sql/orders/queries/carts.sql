-- name: UserCart :one
-- A user's cart, created on first use. A cart that exists is only read:
-- an upsert returns the id of an existing row only by updating it, which
-- writes a row version and a WAL record every time. The upsert is kept for
-- a cart another statement created after this one's snapshot; that rare
-- update leaves updated_at (indexed for visitors' carts, 0014) alone, so
-- it is HOT.
WITH found AS (
  SELECT id FROM orders.carts WHERE user_id = sqlc.arg(user_id)::bigint
), made AS (
  INSERT INTO orders.carts (user_id) SELECT sqlc.arg(user_id)::bigint WHERE NOT EXISTS (SELECT FROM found)
  ON CONFLICT (user_id) DO UPDATE SET user_id = EXCLUDED.user_id
  RETURNING id
)
SELECT id FROM found UNION ALL SELECT id FROM made;

-- name: VisitorCart :one
INSERT INTO orders.carts (visitor_id) VALUES (@visitor_id)
ON CONFLICT (visitor_id) DO UPDATE SET updated_at = now()
RETURNING id;

-- name: FindVisitorCart :one
SELECT id FROM orders.carts WHERE visitor_id = @visitor_id;

-- name: FindUserCart :one
SELECT id FROM orders.carts WHERE user_id = @user_id;

-- name: CartItems :many
SELECT * FROM orders.cart_items WHERE cart_id = @cart_id ORDER BY added_at, book_id;

-- name: UserCartItems :many
-- The cart is found first, as PlaceOrder finds it, so only its lines are read.
SELECT ci.* FROM orders.cart_items ci
WHERE ci.cart_id = (SELECT c.id FROM orders.carts c WHERE c.user_id = @user_id)
ORDER BY ci.added_at, ci.book_id;

-- name: PutUserCartItem :exec
-- Sets a line of a user's cart, creating the cart on first use, in one
-- statement (the cart as UserCart gets it, which says why it is read
-- first).
WITH found AS (
  SELECT id FROM orders.carts WHERE user_id = sqlc.arg(user_id)::bigint
), made AS (
  INSERT INTO orders.carts (user_id) SELECT sqlc.arg(user_id)::bigint WHERE NOT EXISTS (SELECT FROM found)
  ON CONFLICT (user_id) DO UPDATE SET user_id = EXCLUDED.user_id
  RETURNING id
)
INSERT INTO orders.cart_items (cart_id, book_id, quantity, price_cents, title, author, seller_name)
SELECT c.id, @book_id, @quantity, @price_cents, @title, @author, @seller_name FROM (SELECT id FROM found UNION ALL SELECT id FROM made) c
ON CONFLICT (cart_id, book_id) DO UPDATE SET quantity = EXCLUDED.quantity, price_cents = EXCLUDED.price_cents,
  title = EXCLUDED.title, author = EXCLUDED.author, seller_name = EXCLUDED.seller_name;

-- name: CartCount :one
-- The copies in the given carts as they will be once merged: a book in
-- several counts its largest quantity, as MergeCartItems keeps it.
SELECT COALESCE(sum(q), 0)::int FROM (
  SELECT max(quantity) AS q FROM orders.cart_items WHERE cart_id = ANY(@cart_ids::bigint[]) GROUP BY book_id
) merged;

-- name: UpsertCartItem :exec
INSERT INTO orders.cart_items (cart_id, book_id, quantity, price_cents, title, author, seller_name)
VALUES (@cart_id, @book_id, @quantity, @price_cents, @title, @author, @seller_name)
ON CONFLICT (cart_id, book_id) DO UPDATE SET quantity = EXCLUDED.quantity, price_cents = EXCLUDED.price_cents,
  title = EXCLUDED.title, author = EXCLUDED.author, seller_name = EXCLUDED.seller_name;

-- name: DeleteCartItem :execrows
DELETE FROM orders.cart_items WHERE cart_id = @cart_id AND book_id = @book_id;

-- name: ClearCart :exec
DELETE FROM orders.cart_items WHERE cart_id = @cart_id;

-- name: MergeCartItems :exec
-- Moves a visitor's lines into a user's cart; a book in both keeps the larger quantity.
INSERT INTO orders.cart_items (cart_id, book_id, quantity, price_cents, added_at, title, author, seller_name)
SELECT @to_cart::bigint, v.book_id, v.quantity, v.price_cents, v.added_at, v.title, v.author, v.seller_name
FROM orders.cart_items v WHERE v.cart_id = @from_cart::bigint
ON CONFLICT (cart_id, book_id) DO UPDATE SET quantity = GREATEST(orders.cart_items.quantity, EXCLUDED.quantity);

-- name: DeleteCart :exec
DELETE FROM orders.carts WHERE id = @id;

-- name: SavedAddress :one
SELECT * FROM orders.addresses WHERE user_id = @user_id;

-- name: DeleteStaleVisitorCarts :execrows
-- A visitor cart nobody touched for a while belongs to a cookie long gone.
-- The stalest hundred go at a time (a sweep repeats it until none is
-- left: service.staleCartBatch), in the order of carts_visitor_stale_idx,
-- so that reading them from it is the cheapest plan whatever the
-- statistics estimate: as time moves past them, every cart they saw looks
-- stale, and the planner chose to read every cart, users' too. The limit is
-- a small constant for the same reason: with a parameter, or a thousand,
-- the planner read every cart again.
DELETE FROM orders.carts WHERE id IN (
  SELECT c.id FROM orders.carts c WHERE c.visitor_id IS NOT NULL AND c.updated_at < @before
  ORDER BY c.updated_at LIMIT 100
);
