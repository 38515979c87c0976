package api

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/web"
)

// EditionFacts is what the shop's listings say of an edition, to prefill
// a new listing ("sell one like this").
type EditionFacts struct {
	Title    string `json:"title"`
	Author   string `json:"author"`
	Language string `json:"language"`
	Year     *int   `json:"year"`
	Listings int    `json:"listings"`
}

// Edition is one edition: its facts (null when no public listing ever
// carried the ISBN) and its copies on sale, cheapest first.
type Edition struct {
	ISBN    string        `json:"isbn"`
	Edition *EditionFacts `json:"edition"`
	Books   []Book        `json:"books"`
}

func (h *handler) getEdition(w http.ResponseWriter, r *http.Request) {
	isbn, list, err := h.svc.Edition(r.Context(), chi.URLParam(r, "isbn"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	out := Edition{ISBN: isbn, Books: booksJSON(list, false)}
	e, err := h.svc.EditionFacts(r.Context(), isbn)
	switch {
	case errors.Is(err, service.ErrUnknownEdition):
	case err != nil:
		web.Error(w, r, err)
		return
	default:
		out.Edition = &EditionFacts{Title: e.Title, Author: e.Author, Language: e.Language, Listings: e.Listings}
		if e.Year != 0 {
			out.Edition.Year = &e.Year
		}
	}
	web.JSON(w, http.StatusOK, out)
}

// PriceRange is what the copies on sale now ask; the prices are null when
// none is.
type PriceRange struct {
	Listings int    `json:"listings"`
	Copies   int    `json:"copies"`
	MinCents *int64 `json:"min_cents"`
	MaxCents *int64 `json:"max_cents"`
}

// RecentSales is what copies fetched within the last Days days; the
// median is null when none sold.
type RecentSales struct {
	Days        int    `json:"days"`
	Copies      int    `json:"copies"`
	MedianCents *int64 `json:"median_cents"`
}

// PriceGuide is the price guidance for one edition in one condition
// (empty for every condition).
type PriceGuide struct {
	ISBN      string            `json:"isbn"`
	Condition catalog.Condition `json:"condition"`
	Currency  string            `json:"currency"`
	OnSale    PriceRange        `json:"on_sale"`
	Sales     RecentSales       `json:"recent_sales"`
}

func (h *handler) getEditionPrices(w http.ResponseWriter, r *http.Request) {
	g, err := h.svc.Guide(r.Context(), chi.URLParam(r, "isbn"), catalog.Condition(r.URL.Query().Get("condition")))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	out := PriceGuide{
		ISBN: g.ISBN, Condition: g.Condition, Currency: h.svc.Currency(),
		OnSale: PriceRange{Listings: g.OnSale, Copies: g.OnSaleCopies},
		Sales:  RecentSales{Days: g.SalesDays, Copies: g.Sold},
	}
	if g.OnSale > 0 {
		out.OnSale.MinCents, out.OnSale.MaxCents = &g.MinCents, &g.MaxCents
	}
	if g.Sold > 0 {
		out.Sales.MedianCents = &g.MedianCents
	}
	web.JSON(w, http.StatusOK, out)
}
