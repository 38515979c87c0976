-- search_text is called for every generated search column of every row
-- written and for the titles a search ranks, so Postgres should inline it
-- into the statement that calls it rather than run it as a function call
-- planned anew for each statement (make bench's statement list showed 1.8
-- million such calls, 270,000 plans, in its search section). It does not
-- inline a STRICT SQL function whose body is not strict, and since 0015
-- the body is a CASE. Its result for NULL is NULL either way (every branch
-- is NULL then), so declaring it called on NULL input changes no result.
-- title_words then follows: its body calls search_text.
ALTER FUNCTION catalog.search_text(text) CALLED ON NULL INPUT;
ALTER FUNCTION catalog.title_words(text) CALLED ON NULL INPUT;
