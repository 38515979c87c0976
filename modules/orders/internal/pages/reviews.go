package pages

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/text"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

// sellerReview is one seller of a delivered order, as its page shows them:
// the titles they sold in it, the review if written, and what the viewer
// may do (rate as the buyer, answer as that seller).
type sellerReview struct {
	SellerID auth.UserID
	Titles   string
	Review   *service.Review
	CanRate  bool
	CanReply bool
}

// reviewForm is a rating or an answer as sent, with its errors: SellerID
// names the rating form, ReviewID the answer form.
type reviewForm struct {
	SellerID auth.UserID
	ReviewID int64
	Rating   string
	Comment  string
	Reply    string
	Errors   map[string]string
}

// sellerReviews groups a delivered order's lines by seller, in the order
// they appear, beside the reviews the viewer may see.
func sellerReviews(o service.Order, reviews []service.Review, u auth.User) []sellerReview {
	var out []sellerReview
	index := map[auth.UserID]int{}
	for _, l := range o.Lines {
		i, ok := index[l.SellerID]
		if !ok {
			i = len(out)
			index[l.SellerID] = i
			out = append(out, sellerReview{SellerID: l.SellerID})
		}
		if out[i].Titles != "" {
			out[i].Titles += ", "
		}
		out[i].Titles += text.Quote(l.Title)
	}
	for _, r := range reviews {
		if i, ok := index[r.SellerID]; ok {
			out[i].Review = &r
		}
	}
	for i := range out {
		rv := out[i].Review
		out[i].CanRate = rv == nil && o.BuyerID == u.ID
		out[i].CanReply = rv != nil && rv.Reply == "" && rv.SellerID == u.ID
	}
	return out
}

// createReview rates one seller of the buyer's delivered order.
func (h *handler) createReview(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	id, err := web.PathID(r, "id", orders.ErrNotFound)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := web.ParseForm(r); err != nil {
		web.Error(w, r, err)
		return
	}
	f := reviewForm{Rating: r.PostFormValue("rating"), Comment: r.PostFormValue("comment")}
	f.SellerID = auth.UserID(web.FormID(r, "seller_id"))
	rating, _ := strconv.Atoi(strings.TrimSpace(f.Rating))
	_, err = h.svc.Review(r.Context(), u, id, service.ReviewInput{SellerID: f.SellerID, Rating: rating, Comment: f.Comment})
	h.afterReview(w, r, id, f, err, "Thank you; your rating is on the seller's page.")
}

// replyToReview records the reviewed seller's answer.
func (h *handler) replyToReview(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	id, err := web.PathID(r, "id", service.ErrReviewNotFound)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := web.ParseForm(r); err != nil {
		web.Error(w, r, err)
		return
	}
	f := reviewForm{ReviewID: id, Reply: r.PostFormValue("reply")}
	// order_id only says which page to show again, when the service does
	// not (a review the seller may not answer).
	orderID := web.FormID(r, "order_id")
	rv, err := h.svc.ReplyToReview(r.Context(), u, id, f.Reply)
	if rv.OrderID != 0 {
		orderID = rv.OrderID
	}
	h.afterReview(w, r, orderID, f, err, "Your answer is published under the review.")
}

// afterReview redirects to the order with a flash, shows its page again
// with the form as sent when a field was wrong, and says on the order's
// page why a review or answer is refused.
func (h *handler) afterReview(w http.ResponseWriter, r *http.Request, orderID int64, f reviewForm, err error, done string) {
	to := "/orders/" + strconv.FormatInt(orderID, 10) + "#reviews"
	e := apperr.As(err)
	switch {
	case err == nil:
		web.Redirect(w, r, "success", done, to)
	case e != nil && e.Fields["seller_id"] != "":
		// The form names the seller in a hidden field: there is no form of
		// that seller on the order's page to show again.
		web.Redirect(w, r, "error", "Your rating was not saved: "+e.Fields["seller_id"]+".", to)
	case e != nil && len(e.Fields) > 0 && orderID != 0:
		f.Errors = e.Fields
		h.renderOrder(w, r, http.StatusUnprocessableEntity, orderID, orderData{Review: f})
	case orderID != 0 && (errors.Is(err, service.ErrAlreadyReviewed) || errors.Is(err, service.ErrAlreadyReplied) || errors.Is(err, service.ErrNotDelivered) || errors.Is(err, service.ErrOrderCancelled)):
		web.Redirect(w, r, "error", e.Message, to)
	default:
		web.Error(w, r, err)
	}
}

// adminReviewsData is the admins' list of reviews, and the hide form sent
// back after a mistake.
type adminReviewsData struct {
	listData[service.Review]
	HiddenOnly bool
	HideID     int64
	Reason     string
	Error      string
}

func (h *handler) adminReviews(w http.ResponseWriter, r *http.Request) {
	h.renderAdminReviews(w, r, http.StatusOK, adminReviewsData{})
}

func (h *handler) renderAdminReviews(w http.ResponseWriter, r *http.Request, status int, d adminReviewsData) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	d.HiddenOnly = r.URL.Query().Get("hidden") == "1"
	p, n := listPage(r)
	list, err := h.svc.AllReviews(r.Context(), u, d.HiddenOnly, p)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	lenOf := func(n int) (int, error) {
		list, err := h.svc.AllReviews(r.Context(), u, d.HiddenOnly, pageOf(n))
		return len(list), err
	}
	if status == http.StatusOK && web.PastTheEnd(w, r, "page", n, len(list), lenOf) {
		return
	}
	d.listData = trim(r, list, n)
	render(w, r, status, "Reviews", adminReviewsView(d))
}

// hideReview hides a review with the admin's reason; a missing reason
// shows the list again with the reason field marked.
func (h *handler) hideReview(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	id, err := web.PathID(r, "id", service.ErrReviewNotFound)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := web.ParseForm(r); err != nil {
		web.Error(w, r, err)
		return
	}
	reason := r.PostFormValue("reason")
	_, err = h.svc.HideReview(r.Context(), u, id, reason)
	if e := apperr.As(err); e != nil && e.Fields["reason"] != "" {
		h.renderAdminReviews(w, r, http.StatusUnprocessableEntity, adminReviewsData{HideID: id, Reason: reason, Error: e.Fields["reason"]})
		return
	}
	switch {
	case errors.Is(err, service.ErrAlreadyHidden):
		web.Redirect(w, r, "error", "Review #"+strconv.FormatInt(id, 10)+": "+apperr.As(err).Message+".", web.Back(r, "/admin/reviews"))
	case err != nil:
		web.Error(w, r, err)
	default:
		web.Redirect(w, r, "success", "Review #"+strconv.FormatInt(id, 10)+" is hidden.", web.Back(r, "/admin/reviews"))
	}
}

// unhideReview shows a hidden review again, back in the seller's average;
// one that is not hidden (the same form sent twice) says so.
func (h *handler) unhideReview(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	id, err := web.PathID(r, "id", service.ErrReviewNotFound)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	back, name := web.Back(r, "/admin/reviews"), "Review #"+strconv.FormatInt(id, 10)
	_, err = h.svc.UnhideReview(r.Context(), u, id)
	switch {
	case err == nil:
		web.Redirect(w, r, "success", name+" is shown again and counts in the seller's average.", back)
	case errors.Is(err, service.ErrNotHidden):
		web.Redirect(w, r, "error", name+" is not hidden.", back)
	default:
		web.Error(w, r, err)
	}
}

// ratingOptions are the stars a buyer may give, best first.
var ratingOptions = []view.Option{
	{Value: "5", Label: "★★★★★ 5, excellent"},
	{Value: "4", Label: "★★★★ 4, good"},
	{Value: "3", Label: "★★★ 3, fair"},
	{Value: "2", Label: "★★ 2, poor"},
	{Value: "1", Label: "★ 1, bad"},
}

// stars draws a rating as filled and empty stars.
func stars(n int) string {
	n = min(max(n, 0), 5)
	return strings.Repeat("★", n) + strings.Repeat("☆", 5-n)
}

// formFor is the form sent back when it is the one for this seller's
// rating or this review's answer, else an empty one.
func formFor(f reviewForm, seller auth.UserID, review int64) reviewForm {
	if (seller != 0 && f.SellerID == seller) || (review != 0 && f.ReviewID == review) {
		return f
	}
	return reviewForm{}
}

func hideValue(d adminReviewsData, id int64) string {
	if d.HideID == id {
		return d.Reason
	}
	return ""
}

func hideError(d adminReviewsData, id int64) string {
	if d.HideID == id {
		return d.Error
	}
	return ""
}
