package pages

import (
	"net/http"
	"strconv"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/text"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

// sellerData is a seller's public page, each list with its own pager.
type sellerData struct {
	service.SellerProfile
	ReviewsPager, ListingsPager view.Pager
}

// sellerPage is the public page of a seller. Orders renders it: it owns
// the reviews and the counts, and reads the seller and their listings
// from the catalog's public interface, drawing them with the shop's one
// card.
func (h *handler) sellerPage(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r, "id", service.ErrSellerNotFound)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	rp, lp := view.PageParamOf(q, "reviews_page"), view.PageParam(q)
	p, err := h.svc.SellerProfile(r.Context(), auth.UserID(id), rp, lp)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	reviewsOn := func(n int) (int, error) {
		p, err := h.svc.SellerProfile(r.Context(), auth.UserID(id), n, lp)
		return len(p.Reviews), err
	}
	listingsOn := func(n int) (int, error) {
		p, err := h.svc.SellerProfile(r.Context(), auth.UserID(id), rp, n)
		return len(p.Listings), err
	}
	if web.PastTheEnd(w, r, "reviews_page", rp, len(p.Reviews), reviewsOn) || web.PastTheEnd(w, r, "page", lp, len(p.Listings), listingsOn) {
		return
	}
	// Isolated from the words the layout puts around the <title>.
	render(w, r, http.StatusOK, text.Isolate(p.Seller.Name), sellerView(sellerData{SellerProfile: p,
		ReviewsPager:  view.NewPagerOf(r.URL, "reviews_page", rp, p.ReviewsHasNext),
		ListingsPager: view.NewPagerOf(r.URL, "page", lp, p.ListingsHasNext)}))
}

// card draws a listing of the catalog with the shop's one card; the
// catalog serves its thumbnail by the book's id.
func card(b catalog.Book, st catalog.SellerStats) view.Card {
	return view.Card{URL: bookURL(b.ID), Title: b.Title, Author: b.Author, Condition: b.Condition.Label(),
		ThumbURL: "/books/" + view.Itoa(b.ID) + "/cover", PriceCents: b.PriceCents, Seller: b.SellerName,
		SellerURL: view.SellerURL(b.SellerID), Rating: rating(st), Availability: strconv.Itoa(b.Available) + " available", Lang: catalog.TextLang(b.Language)}
}

func rating(st catalog.SellerStats) view.Rating {
	return view.Rating{Average: st.Average(), Count: st.Ratings}
}
