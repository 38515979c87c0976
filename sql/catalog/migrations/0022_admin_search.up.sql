-- The admin's list of listings finds a text anywhere in a title and
-- author, or in a seller's name, accents and case ignored
-- (AdminBooksMatching); no longer across the end of an author's name into
-- the seller's, which no admin types. catalog.unaccent is STABLE (it finds
-- its dictionary by the search path), so no index could hold it, and every
-- search read every listing with its seller (313,000 buffers at 100,000
-- listings for a text found nowhere). Named with its dictionary, by
-- schema, it gives one result for one text, so it may be declared
-- IMMUTABLE and indexed; trigram indexes (pg_trgm, as the words of
-- suggestions have since 0003) then find a substring matched with ILIKE.
-- Title and author are indexed together, the seller's name on its own
-- table. Without fastupdate, as the search documents' indexes (see 0003):
-- every search would scan the pending list of new entries until vacuum
-- merges it (up to 4 MB), and the planner, counting that cost, read the
-- sellers whole instead.
CREATE FUNCTION catalog.unaccented(t text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT catalog.unaccent('catalog.unaccent'::regdictionary, t) $$;

CREATE INDEX books_text_trgm_idx ON catalog.books USING gin (catalog.unaccented(title || ' ' || author) catalog.gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX sellers_name_trgm_idx ON catalog.sellers USING gin (catalog.unaccented(name) catalog.gin_trgm_ops) WITH (fastupdate = off);

-- Whether a listing is in a state the admin's list filters on ('' for
-- all): hidden wins over the seller's status, and sold out is on sale with
-- nothing left. The list and its search (AdminBooks, AdminBooksMatching)
-- share it; a plain expression, which Postgres inlines.
CREATE FUNCTION catalog.in_admin_state(state text, hidden_reason text, status text, available integer) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE state
    WHEN '' THEN true
    WHEN 'hidden' THEN hidden_reason IS NOT NULL
    WHEN 'on_sale' THEN hidden_reason IS NULL AND status = 'active' AND available > 0
    WHEN 'sold_out' THEN hidden_reason IS NULL AND status = 'active' AND available = 0
    ELSE hidden_reason IS NULL AND status = state
  END $$;

-- The planner learns how common the indexed texts are (see 0014).
DO $$
BEGIN
  IF EXISTS (SELECT FROM catalog.books) THEN
    ANALYZE catalog.books, catalog.sellers;
  END IF;
END $$;
