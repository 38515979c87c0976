-- What grew forever in the catalog. An import keeps its file only while it
-- may still run: a finished one (done or failed) shows its counts and
-- refusals, never its rows, so its file is cleared, here for the imports
-- finished before, by the service from now on.
UPDATE catalog.imports SET file = ''::bytea WHERE state IN ('done', 'failed') AND length(file) > 0;

-- A seller's unconfirmed imports, for the cap on how many one keeps, and
-- all of them by age, for the sweep of those never confirmed.
CREATE INDEX imports_staged_seller_idx ON catalog.imports (seller_id) WHERE state = 'staged';
CREATE INDEX imports_staged_created_idx ON catalog.imports (created_at) WHERE state = 'staged';

-- An archived listing keeps no photos (the seller deleted it; orders keep
-- their title and price): the rows of those archived before go, and the
-- sweep of photo files that no row names removes their files.
DELETE FROM catalog.photos p USING catalog.books b WHERE b.id = p.book_id AND b.status = 'archived';
