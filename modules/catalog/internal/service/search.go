package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/unicode/norm"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/dbsqlc"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/text"
)

// Sort orders of a search.
const (
	SortRelevance = "relevance"
	SortNewest    = "newest"
	SortPriceAsc  = "price_asc"
	SortPriceDesc = "price_desc"
)

// Search limits.
const (
	MaxQueryLen    = 200
	DefaultPerPage = 24
	MaxPerPage     = 100
	MaxPage        = 1000
)

// Query is a shopper's search; the zero value browses newest first.
type Query struct {
	Text string
	// MinCondition keeps listings in this grade or better.
	MinCondition catalog.Condition
	MinPrice     int64 // cents; 0 for no bound
	MaxPrice     int64
	Language     string
	Sort         string
	Page         int
	PerPage      int
	// Count asks for the number of matches as well (Results.Total).
	Count bool
}

// Results are one page of a search.
type Results struct {
	Listings []Listing
	Page     int
	HasNext  bool
	// Total counts the matches when the query asked (Count): exactly up to
	// CountCap, else as the planner estimates it (TotalExact false).
	Total      int
	TotalExact bool
	// Suggestion is the search with misspelt words corrected, when nothing
	// matched and a correction exists.
	Suggestion string
}

// Validate checks q and fills defaults, with one message per bad field.
func (q *Query) Validate() error {
	q.Text = strings.TrimSpace(q.Text)
	fields := map[string]string{}
	if utf8.RuneCountInString(q.Text) > MaxQueryLen || !utf8.ValidString(q.Text) {
		fields["q"] = fmt.Sprintf("must be at most %d characters", MaxQueryLen)
	}
	// Composed (NFC), as listings are stored, so a search pasted in
	// decomposed form ("Go\u0308del") reads the same words; after the
	// count, as the API documents it (the rare letter NFC decomposes may
	// lengthen it).
	q.Text = norm.NFC.String(q.Text)
	if q.MinCondition != "" && !slices.Contains(Grades, q.MinCondition) {
		fields["condition"] = "must be one of new, as_new, fine, very_good, good, fair, poor"
	}
	if q.MinPrice < 0 {
		fields["min_price"] = "must not be negative"
	}
	if q.MaxPrice < 0 {
		fields["max_price"] = "must not be negative"
	}
	if q.MinPrice > 0 && q.MaxPrice > 0 && q.MinPrice > q.MaxPrice {
		fields["max_price"] = "must not be below the minimum price"
	}
	if q.Language != "" && !ValidLanguage(q.Language) {
		fields["language"] = "is not a known language"
	}
	switch q.Sort {
	case "":
		q.Sort = SortNewest
		if q.Text != "" {
			q.Sort = SortRelevance
		}
	case SortRelevance, SortNewest, SortPriceAsc, SortPriceDesc:
	default:
		fields["sort"] = "must be relevance, newest, price_asc or price_desc"
	}
	if q.Page < 1 {
		q.Page = 1
	}
	if q.Page > MaxPage {
		fields["page"] = fmt.Sprintf("must be at most %d", MaxPage)
	}
	if q.PerPage < 1 {
		q.PerPage = DefaultPerPage
	}
	q.PerPage = min(q.PerPage, MaxPerPage)
	if len(fields) > 0 {
		return apperr.ErrInvalid.WithMessage("some search parameters are not valid").WithFields(fields)
	}
	return nil
}

// ParseQuery reads a search from URL parameters, the same for the /books
// page and GET /api/v1/books: q, condition (this grade or better),
// min_price and max_price (decimals in the shop currency, like the form),
// language, sort, page (or cursor, its synonym for API clients) and
// per_page. A malformed value is reported per field and left at its zero
// value; Validate judges the rest.
func ParseQuery(v url.Values) (Query, map[string]string) {
	fields := map[string]string{}
	q := Query{
		Text: v.Get("q"), MinCondition: catalog.Condition(v.Get("condition")),
		Language: v.Get("language"), Sort: v.Get("sort"),
	}
	number := func(name string, lo, hi int) int {
		s := strings.TrimSpace(v.Get(name))
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			fields[name] = fmt.Sprintf("must be a whole number from %d to %d", lo, hi)
			return 0
		}
		return n
	}
	q.Page = max(number("page", 1, MaxPage), number("cursor", 1, MaxPage))
	q.PerPage = number("per_page", 1, MaxPerPage)
	price := func(name string) int64 {
		s := strings.TrimSpace(v.Get(name))
		if s == "" {
			return 0
		}
		// An amount too large to hold is past every price: as a bound it
		// lets every book through, or none.
		c, err := text.ParseMoney(s, text.DecimalPoint)
		switch {
		case err != nil && !errors.Is(err, text.ErrMoneyRange):
			fields[name] = err.Error()
		case c < 0:
			fields[name] = "must not be negative"
		default:
			return c
		}
		return 0
	}
	q.MinPrice = price("min_price")
	q.MaxPrice = price("max_price")
	if _, bad := fields["max_price"]; !bad && q.MaxPrice == 0 && strings.TrimSpace(v.Get("max_price")) != "" {
		// Zero is "no bound" inside a Query; typed, it asks for free books.
		fields["max_price"] = "must be more than 0"
	}
	return q, fields
}

// Filtered reports whether any filter narrows the search.
func (q Query) Filtered() bool {
	return q.MinCondition != "" || q.MinPrice > 0 || q.MaxPrice > 0 || q.Language != ""
}

// bookColumns are the columns of catalog.books that a listing shows.
const bookColumns = `b.id, b.seller_id, b.title, b.author, b.isbn, b.condition, b.condition_note,
  b.price_cents, b.currency, b.description, b.lang, b.pub_year, b.status,
  b.listed, b.available, b.held, b.sold, b.hidden_reason, b.created_at, b.updated_at`

// listingColumns are the columns of catalog.listings, in dbsqlc.Listing's
// order, so search rows scan like the generated queries'.
const listingColumns = bookColumns + `,
  coalesce(s.name, '') AS seller_name, coalesce(s.disabled, false) AS seller_disabled,
  coalesce(s.ratings, 0) AS seller_ratings, coalesce(s.rating_sum, 0) AS seller_rating_sum,
  coalesce(s.sales, 0) AS seller_sales`

// Word limits of a text search: more words narrow nothing a shopper needs.
const (
	maxWords   = 10
	maxWordLen = 60
)

// CountCap bounds an exact count. A search whose matches do not end on the
// page shown is counted exactly only when the planner expects at most about
// this many (twice it, for its error); beyond, the total is the planner's
// estimate ("about 12,000 books"), so no count reads every match.
const CountCap = 1000

// Words splits a search into the words the index knows: runs of letters,
// digits and the marks that combine with them (the vowel signs of
// Devanagari or Thai, Arabic harakat, a decomposed accent), at most
// maxWords of at most maxWordLen characters. Anything else (punctuation,
// operators) separates words, so no input can form tsquery syntax. A run
// of Han, kana or Hangul is a word apart from the letters around it
// ("Potterと" is two), as the index reads it (see cjk).
func Words(text string) []string {
	var words []string
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !inWord(r) }) {
		for w != "" {
			first, _ := utf8.DecodeRuneInString(w)
			end := strings.IndexFunc(w, func(r rune) bool { return cjk(r) != cjk(first) })
			if end < 0 {
				end = len(w)
			}
			words, w = append(words, w[:end]), w[end:]
		}
	}
	if len(words) > maxWords {
		words = words[:maxWords]
	}
	for i, w := range words {
		if r := []rune(w); len(r) > maxWordLen {
			words[i] = string(r[:maxWordLen])
		}
	}
	return words
}

// inWord reports whether r belongs to a word, as the index's parser reads
// words: a mark is part of the letter it combines with.
func inWord(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || cjk(r)
}

// cjk reports whether r is of the scripts written without spaces between
// words (Han, kana; Hangul, whose particles join the word before), which
// the index reads as their characters and overlapping pairs of them: the
// characters of catalog.cjk_chars (migration 0015), half-width forms
// included.
func cjk(r rune) bool {
	switch {
	case r < 0x1100:
		return false
	case r <= 0x11ff, 0x3005 <= r && r <= 0x3007, 0x3041 <= r && r <= 0x30fa, 0x30fc <= r && r <= 0x30ff,
		0x3130 <= r && r <= 0x318f, 0x31f0 <= r && r <= 0x31ff, 0x3400 <= r && r <= 0x4dbf, 0x4e00 <= r && r <= 0x9fff,
		0xa960 <= r && r <= 0xa97f, 0xac00 <= r && r <= 0xd7ff, 0xf900 <= r && r <= 0xfaff, 0xff66 <= r && r <= 0xffdc,
		0x20000 <= r && r <= 0x3ffff:
		return true
	}
	return false
}

// RankPool bounds the matches a search by relevance ranks. Matches by
// title or author come first, however old, then the others; within each,
// the newest RankPool are ranked best first and any further ones follow
// newest first. A common word matches thousands of listings, and ranking
// each of them would make a search cost as much as the shop is large; the
// newest RankPool are found by walking the newest-first index (or, for
// rarer words, by sorting their few matches), so no search reads more
// than the cheaper of the two: its matches, or the listings the walk
// passes to find RankPool of them (RankPool divided by the share of
// listings that match). Neither is flat in the size of the shop for every
// word: a word in one listing of 300 (an author) has 3 matches in 1,000
// listings and 330 in 100,000, each read for its date, since no index
// gives a word's matches in date order; the planner walks instead once
// the matches outnumber the walk, so such a search costs at most about
// the square root of RankPool times the listings in rows read (3,000 at
// 100,000).
const RankPool = 100

// Statements are the SQL a search runs, each with its arguments: one page
// of listings with their photos, and, when asked, the capped count and the
// planner's estimate of all matches. The bench's bare handlers run these.
type Statements struct {
	Page, Count, Estimate string
	// Args are the page's arguments; the count and the estimate take the
	// first of them, MatchArgs (the page adds its limit, offset and pool).
	Args, MatchArgs []any
	// Pool is the most matches each pool of a search by relevance reads
	// before ranking (0 for other sorts). Each row of the page says how
	// many matches the pools hold, or Pool when the title matches alone
	// filled theirs: when fewer, they are all the matches, and that is the
	// count.
	Pool int
	// PageMode is how the page runs (see SearchStatements): prepared when
	// it has no parameters but its limit and offset, else unprepared.
	PageMode pgx.QueryExecMode
}

// SearchStatements builds the SQL of q, which must be valid. Its SQL is
// assembled here rather than by sqlc because each filter and sort must
// leave a plain predicate or ORDER BY for the planner (a CASE in ORDER BY
// defeats the indexes); every value still travels as a parameter.
//
// Words match a title, author or description in any form English gives
// them ("novels" finds "novel"), or as typed: so stop words count ("the",
// "of mice and men") and the last word also matches as a prefix, as people
// type ("middlem" finds Middlemarch), unless symbols follow it: "C++" or
// "C#" was typed whole, and its one letter as a prefix would match every
// word that starts with c. A word of Han, kana or Hangul matches where its
// characters stand in a row ("猫" or "である" finds 吾輩は猫である; "東京都"
// misses 東京から京都へ).
// All words must match, or either side of an OR.
// Results by title or author come first, then the others: first the
// listings titled exactly as typed (the same words in the same order, as
// search folds them: catalog.title_words), however old, and among the
// newest RankPool title matches those with the author as typed; then the
// newest RankPool whose title starts with the words. Each tier then ranks
// its newest RankPool matches: those whose title or author holds the search as
// typed, when it has symbols that the index leaves out, ahead
// ("C++" ranks "C++ Primer" above "C# in Depth", as both hold the word c);
// then those with the last word whole ahead of those with it only as a
// prefix; then by cover density.
//
// The statements are meant to run unprepared (pgx.QueryExecModeExec, or
// QueryExecModeCacheDescribe, which also sends each as the unnamed
// statement), so that each is planned for the words given: the planner
// then folds the tsquery into a constant and reads from the column's
// statistics how common its words are, which decides between walking an
// ordered index until the page is full (a common word) and sorting every
// match (a rare one). A prepared statement may be planned once for any
// words, and then always sorts every match.
//
// The page of a browse (no words, no filters: the catalog page and the
// JSON list as they open) is the exception, prepared once per connection
// (PageMode): no value shapes the matches, so there is nothing for the
// planner to read, and Postgres parsed and analysed its long text again on
// every request, some 0.4 ms of the 1 ms it spent on the page. It is still
// planned for its limit and offset on each run, as a generic plan that
// cannot see the limit costs more than these custom ones.
func SearchStatements(q Query) Statements {
	var (
		// A disabled seller's listings are hidden. Tested as an anti-join
		// with the few disabled sellers, read once, rather than by joining
		// every candidate's seller row: a walk of an ordered index looked
		// up the seller of each listing it passed (3 buffers each, 300 of a
		// pool of 100), and a listing's seller is needed only for the page.
		where = []string{"b.status = 'active'", "b.hidden_reason IS NULL",
			"NOT EXISTS (SELECT 1 FROM catalog.sellers d WHERE d.id = b.seller_id AND d.disabled)"}
		args []any
		// tsquery, when the search has words, is what b.search matches;
		// whole, the same with the last word matched whole only, ranks
		// the matches that have every word as typed above those that have
		// the last only as the start of a longer one ("the" finds Theodor
		// Fontane, after the titles with "the").
		tsquery, whole string
		// typed is the search as typed, when it has symbols, which ranks
		// the matches that hold it first.
		typed string
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if q.Text != "" {
		if isbn, err := ParseISBN(q.Text); err == nil {
			where = append(where, "b.isbn = "+arg(isbn))
		} else if words := Words(q.Text); len(words) == 0 {
			where = append(where, "false")
		} else {
			last, _ := utf8.DecodeLastRuneInString(q.Text)
			prefix := inWord(last)
			if strings.ContainsFunc(q.Text, func(r rune) bool { return !inWord(r) && !unicode.IsSpace(r) }) {
				typed = q.Text
			}
			// catalog.search_query makes the words a tsquery, as it does a
			// want's (migration 0018); the planner calls it once for each
			// place the statement names it, while planning, so the
			// statement holds the tsquery as a constant.
			w := arg(words) + "::text[]"
			tsquery = "catalog.search_query(" + w + ", " + strconv.FormatBool(prefix) + ")"
			whole = "catalog.search_query(" + w + ", false)"
		}
	}
	if q.MinCondition != "" {
		where = append(where, "b.condition = ANY("+arg(ConditionsAtLeast(q.MinCondition))+"::text[])")
	}
	if q.MinPrice > 0 {
		where = append(where, "b.price_cents >= "+arg(q.MinPrice))
	}
	if q.MaxPrice > 0 {
		where = append(where, "b.price_cents <= "+arg(q.MaxPrice))
	}
	if q.Language != "" {
		where = append(where, "b.lang = "+arg(q.Language))
	}
	// matching is the FROM and WHERE of the listings whose document doc
	// holds the words: b.search, or b.title_search for title and author.
	matching := func(doc string) string {
		w := where
		if tsquery != "" {
			w = append(slices.Clip(where), doc+" @@ "+tsquery)
		}
		return " FROM catalog.books b WHERE " + strings.Join(w, " AND ")
	}
	match := matching("b.search")
	matchArgs := args
	limit, offset := arg(q.PerPage+1), arg((q.Page-1)*q.PerPage)
	// The page is chosen first and its photos joined after, so photos are
	// read for the page's listings only, in the same round trip. Each
	// sort is written twice: over the table to pick the page, and over the
	// page's columns to keep that order after the photos are joined.
	var (
		page string
		n    int
	)
	if q.Sort == SortRelevance && tsquery != "" {
		// Two pools, each of the newest matches the page needs (at least
		// the RankPool whose rank is read), picked by date alone so no row
		// outside them is ranked: the matches by title or author, from
		// their own small index, and all matches. Those by title or author
		// come first, however old; then the others. Within each, the
		// newest RankPool rank best first (whole words, then cover
		// density), the rest follow newest first;
		// every page orders the same pools the same way. A title match
		// among the newest matches is among the newest title matches, so
		// the second pool adds only the others; and it is not read when
		// the title matches fill the page, as a common word's do.
		n = max(RankPool, (q.Page-1)*q.PerPage+q.PerPage+1)
		pool := arg(n)
		// holds tells a match whose title or author holds the search as
		// typed; a constant when the search has no symbols, so a search by
		// words alone reads nothing more.
		holds := "false"
		if typed != "" {
			holds = "strpos(lower(b.title || ' ' || b.author), lower(" + arg(typed) + ")) > 0"
		}
		newest := " ORDER BY b.created_at DESC, b.id DESC LIMIT " + pool
		// compared(field) is what a title or author is compared with: the
		// search's words in order as catalog.title_words reads a title,
		// their phrase, or the search folded (catalog.search_typed), each
		// a constant the planner computes once. A title that starts with
		// the words is told by its text, folded (catalog.fold), which
		// costs less than the words of each title in order.
		typedArg := arg(q.Text)
		compared := func(field string) string { return "(catalog.search_typed(" + typedArg + "))." + field }
		typedWords := compared("words")
		// phrase tells, from the document at hand, the matches that hold
		// the words in order, the only ones whose title or author may be
		// them: the others are not folded (catalog.title_words), which
		// costs some microseconds a row.
		phrase := "doc @@ " + compared("phrase")
		age := "row_number() OVER (ORDER BY created_at DESC, id DESC)"
		ranks := "CASE WHEN age <= " + strconv.Itoa(RankPool) + " THEN "
		// exact are the listings titled exactly as typed, through their
		// index, however old: they rank first, and a common word's
		// newest title matches may not hold them ("It").
		page = "WITH exact AS MATERIALIZED (SELECT b.id FROM catalog.books b WHERE " + strings.Join(where, " AND ") +
			" AND catalog.title_words(b.title) = " + typedWords + newest + "), " +
			"named AS MATERIALIZED (SELECT b.id, b.created_at, b.title_search AS doc, " + holds + " AS holds, b.title, b.author" + matching("b.title_search") + newest + "), " +
			"titled AS MATERIALIZED (SELECT id, created_at, doc, holds, title, author, id IN (SELECT id FROM exact) AS exact FROM named" +
			" UNION ALL SELECT b.id, b.created_at, b.title_search, " + holds + ", b.title, b.author, true FROM exact e JOIN catalog.books b ON b.id = e.id" +
			" WHERE e.id NOT IN (SELECT id FROM named)), " +
			"pool AS MATERIALIZED (SELECT b.id, b.created_at, b.search AS doc, " + holds + " AS holds, b.title, b.author" + match +
			" AND (SELECT count(*) FROM named) < " + pool + newest + "), " +
			"ranked AS MATERIALIZED (SELECT id, created_at, tier," +
			" CASE WHEN exact THEN true WHEN tier = 0 AND age <= " + strconv.Itoa(RankPool) + " AND " + phrase + " THEN catalog.title_words(author) = " + typedWords + " END AS exact," +
			" CASE WHEN tier = 0 AND age <= " + strconv.Itoa(RankPool) + " AND " + phrase + " THEN starts_with(catalog.fold(title) || ' ', " + compared("folded") + " || ' ') END AS starts," +
			" " + ranks + "holds END AS holds, " + ranks + "doc @@ " + whole + " END AS whole," +
			" " + ranks + "ts_rank_cd(doc, " + tsquery + ") END AS rank" +
			" FROM (SELECT id, created_at, 0 AS tier, doc, holds, title, author, exact, " + age + " AS age FROM titled" +
			" UNION ALL SELECT id, created_at, 1, doc, holds, title, author, false, age FROM (SELECT id, created_at, doc, holds, title, author, " + age + " AS age FROM pool) p" +
			" WHERE id NOT IN (SELECT id FROM titled)) p), " +
			"chosen AS MATERIALIZED (SELECT id, rank, row_number() OVER (ORDER BY tier, exact DESC NULLS LAST, starts DESC NULLS LAST, holds DESC NULLS LAST, whole DESC NULLS LAST, rank DESC NULLS LAST, created_at DESC, id DESC) AS pos" +
			" FROM ranked ORDER BY pos LIMIT " + limit + " OFFSET " + offset + "), " +
			"page AS MATERIALIZED (SELECT " + listingColumns + ", coalesce(c.rank, 0)::real AS rank, c.pos" +
			" FROM chosen c JOIN catalog.books b ON b.id = c.id LEFT JOIN catalog.sellers s ON s.id = b.seller_id)" +
			withPhotos("pos", "(SELECT CASE WHEN count(*) < "+pool+" THEN (SELECT count(*) FROM pool) ELSE "+pool+" END FROM named)")
	} else {
		inner, outer := "b.created_at DESC, b.id DESC", "created_at DESC, id DESC"
		switch q.Sort {
		case SortPriceAsc:
			inner, outer = "b.price_cents ASC, b.id ASC", "price_cents ASC, id ASC"
		case SortPriceDesc:
			inner, outer = "b.price_cents DESC, b.id DESC", "price_cents DESC, id DESC"
		}
		// The planner walks the ordered index (books_newest_idx,
		// books_price_idx) until the page is full, reading the listings
		// that pass the index's tests, or, when the matches are fewer than
		// such a walk would read, sorts them all. The walk's cost is the
		// page divided by the share of listings that match, whatever the
		// size of the shop; a sort's is the number of matches. The sellers
		// are joined to the page's rows only.
		page = "WITH chosen AS MATERIALIZED (SELECT " + bookColumns + match + " ORDER BY " + inner + " LIMIT " + limit + " OFFSET " + offset + "), " +
			"page AS MATERIALIZED (SELECT " + listingColumns + ", 0::real AS rank FROM chosen b LEFT JOIN catalog.sellers s ON s.id = b.seller_id)" +
			withPhotos(outer, "0::bigint")
	}
	mode := pgx.QueryExecModeCacheDescribe
	if len(matchArgs) == 0 {
		mode = pgx.QueryExecModeCacheStatement
	}
	return Statements{
		PageMode:  mode,
		Page:      page,
		Count:     "SELECT count(*) FROM (SELECT 1" + match + " LIMIT " + strconv.Itoa(CountCap+1) + ") c",
		Estimate:  "EXPLAIN (FORMAT JSON) SELECT 1" + match,
		Args:      args,
		MatchArgs: matchArgs,
		Pool:      n,
	}
}

// withPhotos completes a page statement: the page's rows, in order, each
// with its photos and the number of matches pooled.
func withPhotos(order, pooled string) string {
	return ` SELECT page.id, page.seller_id, page.title, page.author, page.isbn, page.condition, page.condition_note,
	    page.price_cents, page.currency, page.description, page.lang, page.pub_year, page.status,
	    page.listed, page.available, page.held, page.sold, page.hidden_reason, page.created_at, page.updated_at,
	    page.seller_name, page.seller_disabled, page.seller_ratings, page.seller_rating_sum, page.seller_sales, page.rank, ph.ids, ph.keys, ph.widths, ph.heights, ` + pooled + ` AS pooled FROM page LEFT JOIN LATERAL (
	    SELECT array_agg(p.id ORDER BY p.position) AS ids, array_agg(p.key ORDER BY p.position) AS keys,
	      array_agg(p.width ORDER BY p.position) AS widths, array_agg(p.height ORDER BY p.position) AS heights
	    FROM catalog.photos p WHERE p.book_id = page.id) ph ON true
	  ORDER BY ` + order
}

// Search finds listings on sale. It runs the page with its photos, which
// is all a count needs when it shows the last match or, by relevance,
// pooled every match; else, for q.Count, the planner's estimate of the
// matches (a recent one when at hand, see estimateTTL) and, when that is
// small (see CountCap), an exact count. Its statements run unprepared, a
// browse's page aside (see SearchStatements). When nothing matches a text
// search, it suggests the words the shop knows that are closest to those
// typed.
func (s *Service) Search(ctx context.Context, q Query) (Results, error) {
	if err := q.Validate(); err != nil {
		return Results{}, err
	}
	st := SearchStatements(q)
	// The page runs unprepared too (but a browse's, see PageMode), with
	// its description (parameter and column types) kept per connection
	// after the first time: its thirty columns, photo arrays among them,
	// then come in binary, which pgx reads with far less work and garbage
	// than their text.
	rows, err := s.pool.Query(ctx, st.Page, append([]any{st.PageMode}, st.Args...)...)
	if err != nil {
		return Results{}, fmt.Errorf("search: %w", err)
	}
	res := Results{Page: q.Page}
	var pooled int64
	// Sized for the page and the row that says there is a next, so the
	// slice of these large structs is not grown and copied row by row.
	if res.Listings, err = pgx.AppendRows(make([]Listing, 0, q.PerPage+1), rows, scanListing(&pooled)); err != nil {
		return Results{}, fmt.Errorf("search: %w", err)
	}
	res.HasNext = len(res.Listings) > q.PerPage
	if res.HasNext {
		res.Listings = res.Listings[:q.PerPage]
	}
	if !q.Count {
		return res, nil
	}
	seen := (q.Page-1)*q.PerPage + len(res.Listings)
	switch {
	case !res.HasNext && (len(res.Listings) > 0 || q.Page == 1):
		res.Total, res.TotalExact = seen, true
	case len(res.Listings) > 0 && pooled < int64(st.Pool):
		res.Total, res.TotalExact = int(pooled), true
	default:
		estimate, err := s.estimate(ctx, st)
		if err != nil {
			return Results{}, err
		}
		if estimate > 2*CountCap {
			res.Total = max(estimate, seen+1)
			break
		}
		var n int
		if err := s.pool.QueryRow(ctx, st.Count, unprepared(st.MatchArgs)...).Scan(&n); err != nil {
			return Results{}, fmt.Errorf("count: %w", err)
		}
		res.Total, res.TotalExact = n, n <= CountCap
		if n > CountCap {
			res.Total = max(estimate, CountCap+1)
		}
	}
	if res.Total == 0 && q.Text != "" {
		if res.Suggestion, err = s.suggest(ctx, q); err != nil {
			return Results{}, err
		}
	}
	return res, nil
}

// scanListing reads a row of a page statement, and the matches pooled into
// *pooled. Its scan targets are made once a page, not once a row: each
// would escape to the heap through Scan's arguments, seven allocations a
// row (a quarter of a page's).
func scanListing(pooled *int64) pgx.RowToFunc[Listing] {
	var (
		r               dbsqlc.Listing
		rank            float32
		ids             []int64
		keys            []string
		widths, heights []int32
	)
	dest := []any{&r.ID, &r.SellerID, &r.Title, &r.Author, &r.Isbn, &r.Condition, &r.ConditionNote,
		&r.PriceCents, &r.Currency, &r.Description, &r.Lang, &r.PubYear, &r.Status,
		&r.Listed, &r.Available, &r.Held, &r.Sold, &r.HiddenReason, &r.CreatedAt, &r.UpdatedAt,
		&r.SellerName, &r.SellerDisabled, &r.SellerRatings, &r.SellerRatingSum, &r.SellerSales, &rank, &ids, &keys, &widths, &heights, pooled}
	return func(row pgx.CollectableRow) (Listing, error) {
		// Scan writes every target, a NULL (no ISBN, no photos) as nil,
		// so nothing of the last row shows through.
		err := row.Scan(dest...)
		l := listingFrom(r)
		if len(ids) > 0 {
			l.Photos = make([]Photo, 0, len(ids))
		}
		for i := range ids {
			l.Photos = append(l.Photos, Photo{ID: ids[i], Key: keys[i], Width: int(widths[i]), Height: int(heights[i])})
		}
		return l, err
	}
}

// estimateTTL is how long a search's estimate is reused. The planner
// derives it from the table's statistics, which ANALYZE (or autovacuum,
// after a tenth of the table changed) renews far less often, so within
// this time the EXPLAIN would mostly repeat itself: reusing it saves the
// catalog page's second round trip without making "about N books" older
// than the statistics it comes from already are.
const estimateTTL = 30 * time.Second

// maxEstimates bounds the estimates kept; past it, the oldest half of
// the searches is forgotten at once (a few KB per process).
const maxEstimates = 1024

// estimates holds recent planner estimates by statement and arguments.
type estimates struct {
	mu   sync.Mutex
	byQ  map[string]estimated
	keys []string
}

type estimated struct {
	rows int
	at   time.Time
}

// estimate is the planner's estimate of st's matches, from the cache when
// recent (estimateTTL).
func (s *Service) estimate(ctx context.Context, st Statements) (int, error) {
	key := st.Estimate + fmt.Sprintf("%#v", st.MatchArgs)
	if rows, ok := s.estimates.get(key, s.opts.NowFunc()); ok {
		return rows, nil
	}
	var plan []byte
	if err := s.pool.QueryRow(ctx, st.Estimate, unprepared(st.MatchArgs)...).Scan(&plan); err != nil {
		return 0, fmt.Errorf("estimate: %w", err)
	}
	rows := EstimatedRows(plan)
	s.estimates.put(key, rows, s.opts.NowFunc())
	return rows, nil
}

// unprepared are the arguments of a statement sent unprepared, so that
// it is planned for them (see SearchStatements).
func unprepared(args []any) []any { return append([]any{pgx.QueryExecModeExec}, args...) }

// get returns the estimate kept for key, if it is younger than estimateTTL
// at now.
func (e *estimates) get(key string, now time.Time) (int, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	got, ok := e.byQ[key]
	if !ok || now.Sub(got.at) >= estimateTTL {
		return 0, false
	}
	return got.rows, true
}

// put keeps rows as key's estimate made at now, forgetting the oldest half
// of the keys first when maxEstimates are kept.
func (e *estimates) put(key string, rows int, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.byQ == nil {
		e.byQ = map[string]estimated{}
	}
	if _, ok := e.byQ[key]; !ok {
		if len(e.keys) >= maxEstimates {
			for _, k := range e.keys[:maxEstimates/2] {
				delete(e.byQ, k)
			}
			e.keys = append(e.keys[:0], e.keys[maxEstimates/2:]...)
		}
		e.keys = append(e.keys, key)
	}
	e.byQ[key] = estimated{rows: rows, at: now}
}

// EstimatedRows reads the row estimate of an EXPLAIN (FORMAT JSON).
func EstimatedRows(plan []byte) int {
	var p []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		} `json:"Plan"`
	}
	if json.Unmarshal(plan, &p) != nil || len(p) == 0 {
		return 0
	}
	return int(p[0].Plan.Rows)
}

// suggest replaces each word of q's text that the shop does not know by
// the closest one it knows, or returns "" when no word needed it or the
// corrected search, with q's filters, would find nothing either: a
// suggestion is offered only where following it finds a book. The
// closest is the fewest edits away, a swap of two neighbouring letters
// counting as one ("kign" is king), then the most similar by trigrams. A
// word with no close one stays as typed; when that finds nothing, the
// search without the unknown words is tried ("time machine xyzzy").
// Words are compared as the search matches them, without accents or case,
// so "García" is known as "garcia" and needs no correction; an OR between
// words, and a word of Han or kana or of fewer than three Hangul
// syllables, is kept as typed.
func (s *Service) suggest(ctx context.Context, q Query) (string, error) {
	words := Words(q.Text)
	if len(words) == 0 {
		return "", nil
	}
	rows, err := s.q.SuggestWords(ctx, s.pool, words)
	if err != nil {
		return "", fmt.Errorf("suggest: %w", err)
	}
	// corrected has each unknown word replaced, known leaves them out.
	var corrected, known []string
	changed, unknown := false, false
	for i, r := range rows {
		w, drop := finalSigma(r.Typed), false
		switch c, _ := utf8.DecodeRuneInString(words[i]); {
		// The shop knows no words of Han or kana, only their characters
		// and pairs (see cjk), which are no words to offer; Korean, which
		// spaces its words, it knows from three syllables (koreanWord).
		case words[i] == "OR" || cjk(c) && !koreanWord(words[i]):
			w = words[i]
		case r.Known:
		case len(r.Candidates) > 0:
			w, changed, drop = finalSigma(closest(r.Typed, r.Candidates)), true, true
		default:
			drop = utf8.RuneCountInString(r.Typed) >= minKnownWord
		}
		corrected = append(corrected, w)
		if !drop {
			known = append(known, w)
		}
		unknown = unknown || drop
	}
	var tries []string
	if changed {
		tries = append(tries, strings.Join(corrected, " "))
	}
	if unknown && len(known) > 0 {
		tries = append(tries, strings.Join(known, " "))
	}
	for _, text := range tries {
		// Whether it finds anything, not what comes first: newest first
		// walks to the first match rather than ranking a pool of them
		// (2 ms more a misspelt search, ranked, in the bench's catalog).
		try := q
		try.Text, try.Sort, try.Page, try.PerPage, try.Count = text, SortNewest, 1, 1, false
		found, err := s.Search(ctx, try)
		if err != nil {
			return "", fmt.Errorf("try the suggestion: %w", err)
		}
		if len(found.Listings) > 0 {
			return text, nil
		}
	}
	return "", nil
}

// koreanWord reports whether w is a run of three or more Hangul
// syllables, which catalog.remember_words keeps as a word of suggestions.
func koreanWord(w string) bool {
	return utf8.RuneCountInString(w) >= minKnownWord &&
		!strings.ContainsFunc(w, func(r rune) bool { return r < 0xac00 || r > 0xd7a3 })
}

// minKnownWord is the length of the shortest word catalog.words holds
// (catalog.remember_words): a shorter one is never unknown.
const minKnownWord = 3

// closest is the candidate fewest edits from typed; on a tie, one with
// the letters typed in another order (a swap, "kign" is king rather than
// kiln), then the first (the most similar).
func closest(typed string, candidates []string) string {
	letters := func(w string) string {
		r := []rune(w)
		slices.Sort(r)
		return string(r)
	}
	mine := letters(typed)
	score := func(c string) int {
		d := 2 * editDistance(typed, c)
		if letters(c) != mine {
			d++
		}
		return d
	}
	best, bestScore := candidates[0], score(candidates[0])
	for _, c := range candidates[1:] {
		if sc := score(c); sc < bestScore {
			best, bestScore = c, sc
		}
	}
	return best
}

// editDistance counts the insertions, deletions, substitutions and swaps
// of neighbouring letters that turn a into b (optimal string alignment),
// so a typo's swapped letters cost one edit, as a wrong letter does.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}

// finalSigma spells a known word as Greek does: search folds ς into σ
// (catalog.search_text), so the words it knows end in σ where people
// write ς.
func finalSigma(w string) string {
	if stem, ok := strings.CutSuffix(w, "σ"); ok {
		return stem + "ς"
	}
	return w
}
