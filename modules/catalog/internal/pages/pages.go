package pages

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/text"
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
	web.Render(w, r, http.StatusOK, view.Page{Title: "Second-hand books", Body: homeView(homePage{Newest: res.Listings}), OwnSearch: true})
}

// searchPage is the data of /books: the query as typed (so the form keeps
// it), the results and what went wrong with the parameters.
type searchPage struct {
	Q, Condition, MinPrice, MaxPrice, Language, Sort string
	Results                                          []service.Listing
	Pager                                            view.Pager
	Filtered                                         bool
	Errors                                           map[string]string
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
	// Paging is lenient on a page, as on every list page (view.PageParam):
	// the page has no field to explain a bad page number beside, and a
	// link's page is not something the shopper typed. The API refuses it.
	for _, name := range []string{"page", "cursor", "per_page"} {
		delete(errs, name)
	}
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
	lenOf := func(n int) (int, error) {
		other := q
		other.Page, other.Count = n, false
		res, err := h.svc.Search(r.Context(), other)
		return len(res.Listings), err
	}
	// A page asked for by cursor (its synonym) goes to the last by number.
	byNumber := r.Clone(r.Context())
	byNumber.URL = withoutCursor(r.URL)
	if web.PastTheEnd(w, byNumber, "page", res.Page, len(res.Listings), lenOf) {
		return
	}
	clear := url.Values{}
	if q.Text != "" {
		clear.Set("q", q.Text)
	}
	data := searchPage{
		Q: v.Get("q"), Condition: v.Get("condition"), MinPrice: v.Get("min_price"), MaxPrice: v.Get("max_price"),
		Language: v.Get("language"), Sort: q.Sort, Results: res.Listings,
		Pager: view.NewPager(withoutCursor(r.URL), res.Page, res.HasNext), Filtered: q.Filtered(), Errors: errs,
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
	web.Render(w, r, status, view.Page{Title: title, Body: booksView(data), OwnSearch: true})
}

// withoutCursor is u without cursor, the API's synonym of page: kept in
// the pager's links, it would outvote the page each link sets.
func withoutCursor(u *url.URL) *url.URL {
	q := u.Query()
	if !q.Has("cursor") {
		return u
	}
	q.Del("cursor")
	c := *u
	c.RawQuery = q.Encode()
	return &c
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
	// SignedIn offers "Sell one like this", to the seller too.
	SignedIn bool
	MaxQty   int
	// Others are more of the seller's listings on sale.
	Others []service.Listing
	// Quantity is the quantity an "Add to cart" refused, as typed, with
	// QuantityError saying why; empty when the form is new.
	Quantity, QuantityError string
}

// buyForm reports whether the page offers "Add to cart".
func (d bookPage) buyForm() bool { return !d.Owner && d.Listing.Buyable() }

// sellerOthersShown is how many of the seller's other listings a book's
// page shows: one row of the grid on a wide screen.
const sellerOthersShown = 4

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
	others, err := h.svc.SellerOthers(r.Context(), l, sellerOthersShown)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	u, signedIn := auth.UserFrom(r.Context())
	d := bookPage{Listing: l, Owner: l.OwnedBy(u), SignedIn: signedIn, MaxQty: l.Available, Others: others}
	status := http.StatusOK
	// The orders module sends back here an "Add to cart" it refused for
	// its quantity, from this page or another, to be shown again at the
	// field as any refused form is; when the page no longer offers the
	// form (the last copy sold meanwhile), the message at the top says why.
	if f, ok := view.RefusedFormOf(r, view.CartItemsPath); ok && f.Values["book_id"] == view.Itoa(l.ID) && f.Errors["quantity"] != "" && d.buyForm() {
		d.Quantity, d.QuantityError = f.Values["quantity"], f.Errors["quantity"]
		status = http.StatusUnprocessableEntity
	}
	// Isolated: the layout puts words around the <title> (" · BookStore",
	// and "Error: " for a refused form), which cannot hold a <bdi>.
	render(w, r, status, text.Isolate(l.Title), bookView(d))
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
	render(w, r, http.StatusOK, "ISBN "+service.FormatISBN(isbn), editionView(editionPage{ISBN: isbn, Listings: list}))
}

// servePhoto streams a stored photo to whoever may see its listing.
func (h *handler) servePhoto(w http.ResponseWriter, r *http.Request) {
	f, public, err := h.svc.OpenPhoto(r.Context(), chi.URLParam(r, "*"))
	if errors.Is(err, service.ErrPhotoWithdrawn) {
		// A page shown before its listing left the shop gets the
		// placeholder, as the cover does, not a broken image; no cache
		// keeps the answer, which ends if the listing comes back.
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, view.AssetURL("no-photo.svg"), http.StatusFound)
		return
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "image/jpeg")
	if public {
		// Keys are random, so a file never changes: a browser keeps it a
		// day without asking again (a visitor's next pages and visits cost
		// nothing). A shared cache (a CDN, a proxy) keeps it five minutes
		// only, so that once an admin hides the listing its photos leave
		// every cache in front of the shop within minutes, not a year.
		w.Header().Set("Cache-Control", "public, max-age=86400, s-maxage=300, immutable")
	}
	// Else only its seller and admins may see it, signed in, and the
	// sign-in middleware's no-store stands: no cache keeps it.
	http.ServeContent(w, r, "", zeroTime, f)
}

// cover sends a listing's first thumbnail, or the placeholder when it has
// none, so pages of other modules (cart, orders) show a picture knowing
// only the book's id. A listing the viewer may not see (ListingFor) gets
// the placeholder too, as one that no longer exists: a buyer's order of a
// book hidden since shows no photo, nor a broken image. It is public like
// the book's photos, and cached for minutes, since the seller may change
// the photos and an admin hide them.
func (h *handler) cover(w http.ResponseWriter, r *http.Request) {
	id, err := bookID(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	l, err := h.svc.ListingFor(r.Context(), id)
	if err != nil && !errors.Is(err, catalog.ErrNotFound) {
		web.Error(w, r, err)
		return
	}
	// The placeholder, or a listing everyone sees: the same for everyone.
	if err != nil || l.Public() {
		w.Header().Set("Cache-Control", "public, max-age=300")
	}
	if len(l.Photos) == 0 {
		http.Redirect(w, r, view.AssetURL("no-photo.svg"), http.StatusFound)
		return
	}
	http.Redirect(w, r, l.Photos[0].URL("thumb"), http.StatusFound)
}
