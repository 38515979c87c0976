package pages

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog/internal/photos"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

type homePage struct {
	Newest []service.Listing
}

func (h *handler) home(w http.ResponseWriter, r *http.Request) {
	res, err := h.svc.Search(r.Context(), service.Query{Sort: service.SortNewest, PerPage: 12})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "home", "Second-hand books", homePage{Newest: res.Listings})
}

// searchPage is the data of /books: the query as typed (so the form keeps
// it), the results and what went wrong with the parameters.
type searchPage struct {
	Q, Condition, MinPrice, MaxPrice, Language, Sort string
	Results                                          []service.Listing
	Pager                                            view.Pager
	Filtered                                         bool
	Errors                                           map[string]string
	Conditions, Languages                            any
	ClearFilters                                     string
	// Found says how many books match ("about 12,000 books").
	Found string
	// Suggestion is a corrected search to offer when nothing matched.
	Suggestion, SuggestionURL string
}

// found words a result count: exact up to service.CountCap, else the
// planner's estimate rounded to two figures.
func found(n int, exact bool) string {
	noun := "books"
	if n == 1 {
		noun = "book"
	}
	if exact {
		return view.Number(n) + " " + noun
	}
	round := 1
	for m := n; m >= 100; m /= 10 {
		round *= 10
	}
	return "about " + view.Number((n+round/2)/round*round) + " " + noun
}

func (h *handler) searchBooks(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q, errs := service.ParseQuery(v)
	if p := view.PageParam(v); q.Page == 0 {
		q.Page = p
	}
	if err := q.Validate(); err != nil {
		if e := apperr.As(err); e != nil {
			for k, m := range e.Fields {
				errs[k] = m
			}
		}
		// Drop what is wrong and search with the rest.
		q = dropInvalid(q, errs)
	}
	q.Count = true
	res, err := h.svc.Search(r.Context(), q)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	clear := url.Values{}
	if q.Text != "" {
		clear.Set("q", q.Text)
	}
	data := searchPage{
		Q: v.Get("q"), Condition: v.Get("condition"), MinPrice: v.Get("min_price"), MaxPrice: v.Get("max_price"),
		Language: v.Get("language"), Sort: q.Sort, Results: res.Listings,
		Pager: view.NewPager(r.URL, res.Page, res.HasNext), Filtered: q.Filtered(), Errors: errs,
		Conditions: conditionOptions(), Languages: service.Languages,
		ClearFilters: "/books?" + clear.Encode(), Found: found(res.Total, res.TotalExact),
	}
	if res.Suggestion != "" {
		sv := url.Values{}
		for k, vs := range v {
			sv[k] = vs
		}
		sv.Set("q", res.Suggestion)
		sv.Del("page")
		data.Suggestion, data.SuggestionURL = res.Suggestion, "/books?"+sv.Encode()
	}
	title := "Books"
	if q.Text != "" {
		title = "Search: " + q.Text
	}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	h.render(w, r, status, "books", title, data)
}

func dropInvalid(q service.Query, errs map[string]string) service.Query {
	if _, ok := errs["q"]; ok {
		q.Text = ""
	}
	if _, ok := errs["condition"]; ok {
		q.MinCondition = ""
	}
	if _, ok := errs["min_price"]; ok {
		q.MinPrice = 0
	}
	if _, ok := errs["max_price"]; ok {
		q.MaxPrice = 0
	}
	if _, ok := errs["language"]; ok {
		q.Language = ""
	}
	if _, ok := errs["sort"]; ok {
		q.Sort = ""
	}
	if _, ok := errs["page"]; ok {
		q.Page = 1
	}
	return q
}

type bookPage struct {
	Listing service.Listing
	Owner   bool
	MaxQty  int
}

func (h *handler) showBook(w http.ResponseWriter, r *http.Request) {
	id, err := bookID(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	l, err := h.svc.ListingFor(r.Context(), id)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	u, _ := auth.UserFrom(r.Context())
	h.render(w, r, http.StatusOK, "book", l.Title, bookPage{Listing: l, Owner: l.OwnedBy(u), MaxQty: l.Available})
}

type editionPage struct {
	ISBN     string
	Listings []service.Listing
}

func (h *handler) showEdition(w http.ResponseWriter, r *http.Request) {
	isbn, list, err := h.svc.Edition(r.Context(), chi.URLParam(r, "isbn"))
	if err != nil {
		if apperr.KindOf(err) == apperr.Invalid {
			err = apperr.ErrNotFound.WithMessage("there is no edition with that ISBN")
		}
		web.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "edition", "ISBN "+service.FormatISBN(isbn), editionPage{ISBN: isbn, Listings: list})
}

// servePhoto streams a stored photo. Keys are random, so the files may be
// cached for long.
func (h *handler) servePhoto(w http.ResponseWriter, r *http.Request) {
	key := chi.URLParam(r, "*")
	f, err := h.svc.Photos().Open(r.Context(), key)
	if errors.Is(err, photos.ErrNotFound) {
		web.Error(w, r, service.ErrPhotoNotFound)
		return
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, "", zeroTime, f)
}
