-- Photos sent with a new-listing form that came back (bad input, or Fill
-- from ISBN), kept so the seller need not choose them again: the form
-- carries token, which only its owner's requests can use, once. The files
-- are already checked and re-encoded, under key like a listing's. Rows
-- whose form was never sent again are swept after a day.
CREATE TABLE catalog.staged_photos (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token      text NOT NULL UNIQUE,
  user_id    bigint NOT NULL,
  key        text NOT NULL UNIQUE,
  filename   text NOT NULL,
  width      integer NOT NULL,
  height     integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX staged_photos_created_idx ON catalog.staged_photos (created_at);
-- A seller's staged photos, newest first, for the cap on how many one keeps.
CREATE INDEX staged_photos_user_idx ON catalog.staged_photos (user_id, id);
