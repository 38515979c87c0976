package api

import (
	"net/http"
	"strconv"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
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
		Comment  string      `json:"comment"`
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
		Reply string `json:"reply"`
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
		Reason string `json:"reason"`
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
