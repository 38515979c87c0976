-- A seller's CSV import. The file is staged at upload, so the preview, the
-- confirmation and the job all read the same bytes. The job imports every
-- row in one transaction, which also stores the summary: the import is
-- done with all its rows or has none of them. done counts the rows handled
-- so far; it is written outside that transaction, for the progress bar.
CREATE TABLE catalog.imports (
  id          bigserial PRIMARY KEY,
  seller_id   bigint NOT NULL,
  seller_name text NOT NULL,
  filename    text NOT NULL DEFAULT '' CHECK (length(filename) <= 300),
  file        bytea NOT NULL CHECK (length(file) <= 2097152),
  state       text NOT NULL DEFAULT 'staged' CHECK (state IN ('staged', 'queued', 'running', 'done', 'failed')),
  total       integer NOT NULL CHECK (total BETWEEN 1 AND 10000),
  done        integer NOT NULL DEFAULT 0 CHECK (done >= 0),
  created     integer NOT NULL DEFAULT 0,
  updated     integer NOT NULL DEFAULT 0,
  -- [{"line": 3, "reason": "price: must be more than zero"}, …]
  refused     jsonb NOT NULL DEFAULT '[]',
  error       text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX imports_seller_idx ON catalog.imports (seller_id, id);
