package api

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

// userAndID reads the signed-in user and the id in the path, or answers
// the error and returns ok false.
func userAndID(w http.ResponseWriter, r *http.Request, notFound error) (auth.User, int64, bool) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return u, 0, false
	}
	id, err := web.PathID(r, "id", notFound)
	if err != nil {
		web.Error(w, r, err)
		return u, 0, false
	}
	return u, id, true
}

func (h *handler) orderReviews(w http.ResponseWriter, r *http.Request) {
	u, id, ok := userAndID(w, r, orders.ErrNotFound)
	if !ok {
		return
	}
	list, err := h.svc.OrderReviews(r.Context(), u, id)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"reviews": list})
}

func (h *handler) review(w http.ResponseWriter, r *http.Request) {
	u, id, ok := userAndID(w, r, orders.ErrNotFound)
	if !ok {
		return
	}
	var body struct {
		SellerID auth.UserID `json:"seller_id"`
		Rating   int         `json:"rating"`
		Comment  string      `json:"comment" maxLength:"1000"`
	}
	if err := web.DecodeJSON(w, r, &body); err != nil {
		web.Error(w, r, err)
		return
	}
	rv, err := h.svc.Review(r.Context(), u, id, service.ReviewInput{SellerID: body.SellerID, Rating: body.Rating, Comment: body.Comment})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/orders/"+strconv.FormatInt(id, 10)+"/reviews")
	web.JSON(w, http.StatusCreated, rv)
}

func (h *handler) reply(w http.ResponseWriter, r *http.Request) {
	u, id, ok := userAndID(w, r, service.ErrReviewNotFound)
	if !ok {
		return
	}
	var body struct {
		Reply string `json:"reply" maxLength:"1000"`
	}
	if err := web.DecodeJSON(w, r, &body); err != nil {
		web.Error(w, r, err)
		return
	}
	rv, err := h.svc.ReplyToReview(r.Context(), u, id, body.Reply)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, rv)
}

func (h *handler) hide(w http.ResponseWriter, r *http.Request) {
	u, id, ok := userAndID(w, r, service.ErrReviewNotFound)
	if !ok {
		return
	}
	var body struct {
		Reason string `json:"reason" maxLength:"500"`
	}
	if err := web.DecodeJSON(w, r, &body); err != nil {
		web.Error(w, r, err)
		return
	}
	rv, err := h.svc.HideReview(r.Context(), u, id, body.Reason)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, rv)
}

func (h *handler) unhide(w http.ResponseWriter, r *http.Request) {
	u, id, ok := userAndID(w, r, service.ErrReviewNotFound)
	if !ok {
		return
	}
	rv, err := h.svc.UnhideReview(r.Context(), u, id)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, rv)
}

// sellerJSON is a seller's public page for API clients.
type sellerJSON struct {
	ID          auth.UserID `json:"id"`
	Name        string      `json:"name"`
	MemberSince *time.Time  `json:"member_since,omitempty"`
	Closed      bool        `json:"closed"`
	Ratings     int         `json:"ratings"`
	// Average is 0 without ratings.
	Average         float64            `json:"average"`
	Sales           int                `json:"sales"`
	Reviews         []service.Review   `json:"reviews"`
	ReviewsHasNext  bool               `json:"reviews_has_next"`
	Listings        []sellerListingRow `json:"listings"`
	ListingsHasNext bool               `json:"listings_has_next"`
}

type sellerListingRow struct {
	ID         catalog.BookID    `json:"id"`
	Title      string            `json:"title"`
	Author     string            `json:"author"`
	Condition  catalog.Condition `json:"condition"`
	PriceCents int64             `json:"price_cents"`
	Currency   string            `json:"currency"`
	Available  int               `json:"available"`
}

// seller answers a seller's public page: page pages the listings and
// reviews_page the reviews, as on the web page.
func (h *handler) seller(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r, "id", service.ErrSellerNotFound)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	p, err := h.svc.SellerProfile(r.Context(), auth.UserID(id), view.PageParamOf(q, "reviews_page"), view.PageParam(q))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	out := sellerJSON{ID: p.Seller.ID, Name: p.Seller.Name, Closed: p.Seller.Disabled, Ratings: p.Stats.Ratings,
		Average: math.Round(p.Stats.Average()*100) / 100, Sales: p.Stats.Sales, Reviews: p.Reviews, ReviewsHasNext: p.ReviewsHasNext,
		Listings: make([]sellerListingRow, len(p.Listings)), ListingsHasNext: p.ListingsHasNext}
	if !p.Seller.MemberSince.IsZero() {
		out.MemberSince = &p.Seller.MemberSince
	}
	for i, b := range p.Listings {
		out.Listings[i] = sellerListingRow{ID: b.ID, Title: b.Title, Author: b.Author, Condition: b.Condition, PriceCents: b.PriceCents, Currency: b.Currency, Available: b.Available}
	}
	web.JSON(w, http.StatusOK, out)
}
