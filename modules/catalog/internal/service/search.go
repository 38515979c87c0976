package service

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
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
}

// Results are one page of a search.
type Results struct {
	Listings []Listing
	Page     int
	HasNext  bool
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
  coalesce(s.name, ''), coalesce(s.disabled, false)`

// Search finds listings on sale. Its SQL is assembled here rather than by
// sqlc because each filter and sort must leave a plain predicate or ORDER
// BY for the planner (a CASE in ORDER BY defeats the indexes); every value
// still travels as a parameter.
func (s *Service) Search(ctx context.Context, q Query) (Results, error) {
	if err := q.Validate(); err != nil {
		return Results{}, err
	}
	var (
		where = []string{"b.status = 'active'", "b.hidden_reason IS NULL", "NOT coalesce(s.disabled, false)"}
		args  []any
		from  = "catalog.books b LEFT JOIN catalog.sellers s ON s.id = b.seller_id"
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	ranked := false
	if q.Text != "" {
		if isbn, err := ParseISBN(q.Text); err == nil {
			where = append(where, "b.isbn = "+arg(isbn))
		} else {
			from += ", websearch_to_tsquery('catalog.book_search', " + arg(q.Text) + ") query"
			where = append(where, "b.search @@ query")
			ranked = true
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
	order := "b.created_at DESC, b.id DESC"
	switch q.Sort {
	case SortRelevance:
		if ranked {
			order = "ts_rank_cd(b.search, query) DESC, b.id DESC"
		}
	case SortPriceAsc:
		order = "b.price_cents ASC, b.id ASC"
	case SortPriceDesc:
		order = "b.price_cents DESC, b.id DESC"
	}
	sql := "SELECT " + listingColumns + " FROM " + from +
		" WHERE " + strings.Join(where, " AND ") +
		" ORDER BY " + order +
		" LIMIT " + arg(q.PerPage+1) + " OFFSET " + arg((q.Page-1)*q.PerPage)
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return Results{}, fmt.Errorf("search: %w", err)
	}
	found, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Listing, error) {
		var r dbsqlc.Listing
		err := row.Scan(&r.ID, &r.SellerID, &r.Title, &r.Author, &r.Isbn, &r.Condition, &r.ConditionNote,
			&r.PriceCents, &r.Currency, &r.Description, &r.Lang, &r.PubYear, &r.Status,
			&r.Listed, &r.Available, &r.Held, &r.Sold, &r.HiddenReason, &r.CreatedAt, &r.UpdatedAt,
			&r.SellerName, &r.SellerDisabled)
		return listingFrom(r), err
	})
	if err != nil {
		return Results{}, fmt.Errorf("search: %w", err)
	}
	res := Results{Page: q.Page, HasNext: len(found) > q.PerPage}
	if res.HasNext {
		found = found[:q.PerPage]
	}
	res.Listings, err = s.withPhotos(ctx, found)
	return res, err
}
