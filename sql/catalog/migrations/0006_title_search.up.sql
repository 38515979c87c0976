-- A listing's title and author alone, indexed as the search document indexes
-- them, so a search by relevance puts every listing whose title or author
-- holds the words before those that only mention them in a description,
-- however old: "dune" shows the books titled Dune first. Its index is
-- small and selective (a word is in few titles), so the newest title
-- matches are found without reading the description matches.
ALTER TABLE catalog.books ADD COLUMN title_search tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('catalog.book_search'::regconfig, title), 'A') ||
  setweight(to_tsvector('catalog.book_search'::regconfig, author), 'A') ||
  setweight(to_tsvector('catalog.book_words'::regconfig, title || ' ' || author), 'B')
) STORED;
CREATE INDEX books_title_search_idx ON catalog.books USING gin (title_search) WITH (fastupdate = off);
