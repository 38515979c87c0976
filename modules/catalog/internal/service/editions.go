package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/dbsqlc"
	"github.com/bookstore/bookstore/platform/apperr"
)

// SalesWindow is how far back "recent sales" reach in the price guide:
// half a year follows what a second-hand copy fetches now, yet holds a few
// sales even of an edition that sells once a month.
const SalesWindow = 180 * 24 * time.Hour

// ErrUnknownEdition answers a look-up of an ISBN no public listing has
// carried: the seller fills in the rest by hand.
var ErrUnknownEdition = apperr.New(apperr.NotFound, "catalog.unknown_edition",
	"the shop knows no book with this ISBN yet; fill in the title and author yourself")

// KnownEdition is what the shop's own listings say of an edition, to
// prefill a seller's form. Photos are never shared: each seller shows
// their own copy.
type KnownEdition struct {
	ISBN     string
	Title    string
	Author   string
	Language string
	Year     int // 0 when no listing gave one
	// Listings counts the listings the facts were taken from.
	Listings int
}

// EditionFacts returns the shop's best data for the edition with this
// ISBN: for each field, the value most of its public listings give, the
// newest listing's on a tie. Drafts, hidden listings and disabled sellers'
// are left out, so nothing a seller or an admin withheld leaks into another
// seller's form. An ISBN that does not parse is an Invalid error (on the
// isbn field); one no listing carries is ErrUnknownEdition, with the
// ISBN in its 13-digit form.
func (s *Service) EditionFacts(ctx context.Context, isbn string) (KnownEdition, error) {
	n, err := parseEditionISBN(isbn)
	if err != nil {
		return KnownEdition{}, err
	}
	rows, err := s.q.EditionRecords(ctx, s.pool, &n)
	if err != nil {
		return KnownEdition{}, fmt.Errorf("edition facts %s: %w", n, err)
	}
	if len(rows) == 0 {
		return KnownEdition{ISBN: n}, ErrUnknownEdition
	}
	e := KnownEdition{ISBN: n, Listings: len(rows)}
	e.Title = commonest(rows, func(r dbsqlc.EditionRecordsRow) string { return r.Title })
	e.Author = commonest(rows, func(r dbsqlc.EditionRecordsRow) string { return r.Author })
	e.Language = commonest(rows, func(r dbsqlc.EditionRecordsRow) string { return r.Lang })
	withYear := slices.DeleteFunc(slices.Clone(rows), func(r dbsqlc.EditionRecordsRow) bool { return r.PubYear == nil })
	if len(withYear) > 0 {
		e.Year = int(commonest(withYear, func(r dbsqlc.EditionRecordsRow) int32 { return *r.PubYear }))
	}
	return e, nil
}

// commonest is the value of field most rows hold; rows come newest first,
// so on a tie the value seen first (the newest) wins.
func commonest[V comparable](rows []dbsqlc.EditionRecordsRow, field func(dbsqlc.EditionRecordsRow) V) V {
	counts := map[V]int{}
	var best V
	for _, r := range rows {
		v := field(r)
		counts[v]++
		if counts[v] > counts[best] {
			best = v
		}
	}
	return best
}

// PriceGuide is what copies of an edition in one condition ask now and
// fetched lately, beside a seller's price field. Zero counts mean nothing
// to show; the prices are then zero.
type PriceGuide struct {
	ISBN      string
	Condition catalog.Condition // empty for every condition
	// OnSale counts the listings that can be bought now, with their copies
	// and lowest and highest prices.
	OnSale       int
	OnSaleCopies int
	MinCents     int64
	MaxCents     int64
	// Sold counts the copies sold within SalesWindow, and MedianCents is
	// the middle of their prices.
	Sold        int
	MedianCents int64
	// SalesDays is SalesWindow in days, for the page and the API to say.
	SalesDays int
}

// Guide returns the price guide of an edition in condition (empty for
// every condition). The range counts listings that can be bought now, with
// hidden ones, disabled sellers' and sold-out ones left out; the median is
// over copies whose payment went through (the orders module confirmed
// their hold) within SalesWindow, at the price the buyer paid. An ISBN that
// does not parse, or an unknown condition, is an Invalid error; an edition
// nobody sold or lists has a guide of zeros.
func (s *Service) Guide(ctx context.Context, isbn string, condition catalog.Condition) (PriceGuide, error) {
	n, err := parseEditionISBN(isbn)
	if err != nil {
		return PriceGuide{}, err
	}
	if condition != "" && !slices.Contains(Grades, condition) {
		return PriceGuide{}, apperr.ErrInvalid.WithFields(map[string]string{"condition": "choose one of new, as_new, fine, very_good, good, fair or poor"})
	}
	g := PriceGuide{ISBN: n, Condition: condition, SalesDays: int(SalesWindow / (24 * time.Hour))}
	on, err := s.q.EditionOnSale(ctx, s.pool, dbsqlc.EditionOnSaleParams{Isbn: &n, Condition: string(condition)})
	if err != nil {
		return PriceGuide{}, fmt.Errorf("price guide %s on sale: %w", n, err)
	}
	sold, err := s.q.EditionSales(ctx, s.pool, dbsqlc.EditionSalesParams{
		Isbn: n, Condition: string(condition), Since: s.opts.NowFunc().Add(-SalesWindow),
	})
	if err != nil {
		return PriceGuide{}, fmt.Errorf("price guide %s sales: %w", n, err)
	}
	g.OnSale, g.OnSaleCopies, g.MinCents, g.MaxCents = int(on.Listings), int(on.Copies), on.MinCents, on.MaxCents
	g.Sold, g.MedianCents = int(sold.Copies), sold.MedianCents
	return g, nil
}

// parseEditionISBN is ParseISBN with its error as the isbn field's.
func parseEditionISBN(isbn string) (string, error) {
	n, err := ParseISBN(isbn)
	if err != nil {
		return "", apperr.ErrInvalid.WithMessage("the ISBN " + err.Error()).WithFields(map[string]string{"isbn": err.Error()})
	}
	return n, nil
}
