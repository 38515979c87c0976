package service

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

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
		c, err := text.ParseMoney(s)
		switch {
		case err != nil:
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
	return q, fields
}

// Filtered reports whether any filter narrows the search.
func (q Query) Filtered() bool {
	return q.MinCondition != "" || q.MinPrice > 0 || q.MaxPrice > 0 || q.Language != ""
}

// listingColumns are the columns of catalog.listings, in dbsqlc.Listing's
// order, so search rows scan like the generated queries'.
const listingColumns = `b.id, b.seller_id, b.title, b.author, b.isbn, b.condition, b.condition_note,
  b.price_cents, b.currency, b.description, b.lang, b.pub_year, b.status,
  b.listed, b.available, b.held, b.sold, b.hidden_reason, b.created_at, b.updated_at,
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

// Words splits a search into the words the index knows: runs of letters
// and digits, at most maxWords of at most maxWordLen characters. Anything
// else (punctuation, operators) separates words, so no input can form
// tsquery syntax.
func Words(text string) []string {
	words := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
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

// Statements are the SQL a search runs, each with its arguments: one page
// of listings with their photos, and, when asked, the capped count and the
// planner's estimate of all matches. The bench's bare handlers run these.
type Statements struct {
	Page, Count, Estimate string
	Args                  []any
}

// SearchStatements builds the SQL of q, which must be valid. Its SQL is
// assembled here rather than by sqlc because each filter and sort must
// leave a plain predicate or ORDER BY for the planner (a CASE in ORDER BY
// defeats the indexes); every value still travels as a parameter.
//
// Words match a title, author or description in any form English gives
// them ("novels" finds "novel"), or as typed: so stop words count ("the",
// "of mice and men") and the last word also matches as a prefix, as people
// type ("middlem" finds Middlemarch). All words must match, or either side
// of an OR. Results rank by cover density.
func SearchStatements(q Query) Statements {
	var (
		where = []string{"b.status = 'active'", "b.hidden_reason IS NULL", "NOT coalesce(s.disabled, false)"}
		args  []any
		from  = "catalog.books b LEFT JOIN catalog.sellers s ON s.id = b.seller_id"
		rank  = "0::real"
		// tsquery, when the search has words, is the query.q every
		// statement matches against (see with below).
		tsquery string
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
			// "OR" between words (as websearch_to_tsquery reads it) joins
			// groups of words that must all match.
			var groups, terms []string
			for i, w := range words {
				if w == "OR" {
					if len(terms) > 0 {
						groups = append(groups, "("+strings.Join(terms, " && ")+")")
					}
					terms = nil
					continue
				}
				p := arg(w)
				t := "plainto_tsquery('catalog.book_search', " + p + ")"
				if i == len(words)-1 {
					t = "(" + t + " || to_tsquery('catalog.book_words', " + p + " || ':*'))"
				}
				terms = append(terms, t)
			}
			if len(terms) > 0 {
				groups = append(groups, "("+strings.Join(terms, " && ")+")")
			}
			if len(groups) == 0 {
				groups = []string{"''::tsquery"}
			}
			tsquery = "SELECT " + strings.Join(groups, " || ") + " AS q"
			from += ", query"
			where = append(where, "b.search @@ query.q")
			rank = "ts_rank_cd(b.search, query.q)"
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
	// Each sort is written twice: over the table to pick the page, and over
	// the page's columns to keep that order after the photos are joined.
	inner, outer := "b.created_at DESC, b.id DESC", "created_at DESC, id DESC"
	switch q.Sort {
	case SortRelevance:
		if rank != "0::real" {
			inner, outer = rank+" DESC, b.id DESC", "rank DESC, id DESC"
		}
	case SortPriceAsc:
		inner, outer = "b.price_cents ASC, b.id ASC", "price_cents ASC, id ASC"
	case SortPriceDesc:
		inner, outer = "b.price_cents DESC, b.id DESC", "price_cents DESC, id DESC"
	}
	match := " FROM " + from + " WHERE " + strings.Join(where, " AND ")
	// pgx prepares each statement, and after five runs Postgres may plan it
	// once for any words: then a tsquery written inline is computed again
	// for every row (five times slower for a common word). The page
	// computes it once, in a materialized CTE; the estimate is planned for
	// the words given each time (EXPLAIN is never cached), so it keeps the
	// inline form the planner can read.
	with, inline := "WITH ", match
	if tsquery != "" {
		with = "WITH query AS MATERIALIZED (" + tsquery + "), "
		inline = strings.Replace(match, ", query WHERE ", ", ("+tsquery+") query WHERE ", 1)
	}
	// The page is chosen first and its photos joined after, so photos are
	// read for the page's listings only, in the same round trip.
	page := with + "page AS MATERIALIZED (SELECT " + listingColumns + ", " + rank + " AS rank" + match +
		" ORDER BY " + inner +
		" LIMIT " + arg(q.PerPage+1) + " OFFSET " + arg((q.Page-1)*q.PerPage) + ")" +
		` SELECT page.*, ph.ids, ph.keys, ph.widths, ph.heights FROM page LEFT JOIN LATERAL (
		    SELECT array_agg(p.id ORDER BY p.position) AS ids, array_agg(p.key ORDER BY p.position) AS keys,
		      array_agg(p.width ORDER BY p.position) AS widths, array_agg(p.height ORDER BY p.position) AS heights
		    FROM catalog.photos p WHERE p.book_id = page.id) ph ON true
		  ORDER BY ` + outer
	return Statements{
		Page:     page,
		Count:    with + "c AS (SELECT 1" + match + " LIMIT " + strconv.Itoa(CountCap+1) + ") SELECT count(*) FROM c",
		Estimate: "EXPLAIN (FORMAT JSON) SELECT 1" + inline,
		Args:     args,
	}
}

// Search finds listings on sale. One round trip brings the page with its
// photos and, for q.Count, the planner's estimate of the matches; a second
// counts them exactly only when the page does not show the last of them and
// the estimate is small (see CountCap). When nothing matches a text search,
// it suggests the words the shop knows that are closest to those typed.
func (s *Service) Search(ctx context.Context, q Query) (Results, error) {
	if err := q.Validate(); err != nil {
		return Results{}, err
	}
	st := SearchStatements(q)
	// The count and the estimate take the match's arguments, without the
	// page's limit and offset (the last two).
	matchArgs := st.Args[:len(st.Args)-2]
	batch := &pgx.Batch{}
	var (
		res  Results
		plan []byte
	)
	batch.Queue(st.Page, st.Args...).Query(func(rows pgx.Rows) error {
		found, err := pgx.CollectRows(rows, scanListing)
		res.Listings = found
		return err
	})
	if q.Count {
		batch.Queue(st.Estimate, matchArgs...).QueryRow(func(row pgx.Row) error { return row.Scan(&plan) })
	}
	if err := s.pool.SendBatch(ctx, batch).Close(); err != nil {
		return Results{}, fmt.Errorf("search: %w", err)
	}
	res.Page = q.Page
	res.HasNext = len(res.Listings) > q.PerPage
	if res.HasNext {
		res.Listings = res.Listings[:q.PerPage]
	}
	if !q.Count {
		return res, nil
	}
	seen := (q.Page-1)*q.PerPage + len(res.Listings)
	estimate := estimatedRows(plan)
	switch {
	case !res.HasNext && (len(res.Listings) > 0 || q.Page == 1):
		res.Total, res.TotalExact = seen, true
	case estimate <= 2*CountCap:
		var n int
		if err := s.pool.QueryRow(ctx, st.Count, matchArgs...).Scan(&n); err != nil {
			return Results{}, fmt.Errorf("count: %w", err)
		}
		res.Total, res.TotalExact = n, n <= CountCap
		if n > CountCap {
			res.Total = max(estimate, CountCap+1)
		}
	default:
		res.Total = max(estimate, seen+1)
	}
	if res.Total == 0 && q.Text != "" {
		var err error
		if res.Suggestion, err = s.suggest(ctx, q.Text); err != nil {
			return Results{}, err
		}
	}
	return res, nil
}

func scanListing(row pgx.CollectableRow) (Listing, error) {
	var (
		r               dbsqlc.Listing
		rank            float32
		ids             []int64
		keys            []string
		widths, heights []int32
	)
	err := row.Scan(&r.ID, &r.SellerID, &r.Title, &r.Author, &r.Isbn, &r.Condition, &r.ConditionNote,
		&r.PriceCents, &r.Currency, &r.Description, &r.Lang, &r.PubYear, &r.Status,
		&r.Listed, &r.Available, &r.Held, &r.Sold, &r.HiddenReason, &r.CreatedAt, &r.UpdatedAt,
		&r.SellerName, &r.SellerDisabled, &r.SellerRatings, &r.SellerRatingSum, &r.SellerSales, &rank, &ids, &keys, &widths, &heights)
	l := listingFrom(r)
	for i := range ids {
		l.Photos = append(l.Photos, Photo{ID: ids[i], Key: keys[i], Width: int(widths[i]), Height: int(heights[i])})
	}
	return l, err
}

// estimatedRows reads the row estimate of an EXPLAIN (FORMAT JSON).
func estimatedRows(plan []byte) int {
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

// suggest replaces each word the shop does not know by the most similar
// one it knows, or returns "" when no word needed it.
func (s *Service) suggest(ctx context.Context, text string) (string, error) {
	words := Words(text)
	if len(words) == 0 {
		return "", nil
	}
	rows, err := s.pool.Query(ctx, `
		SELECT coalesce((SELECT k.word FROM catalog.words k WHERE k.word = t.w), (
		  SELECT k.word FROM catalog.words k WHERE k.word OPERATOR(catalog.%) t.w
		  ORDER BY catalog.similarity(k.word, t.w) DESC, k.word LIMIT 1), t.w)
		FROM unnest($1::text[]) WITH ORDINALITY AS u (typed, n),
		  LATERAL (SELECT lower(catalog.unaccent(u.typed)) AS w) t
		ORDER BY u.n`, words)
	if err != nil {
		return "", fmt.Errorf("suggest: %w", err)
	}
	known, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", fmt.Errorf("suggest: %w", err)
	}
	changed := false
	for i, w := range known {
		if w != strings.ToLower(words[i]) {
			changed = true
		}
	}
	if !changed {
		return "", nil
	}
	return strings.Join(known, " "), nil
}
