package pages_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
)

// deliveredOrder checks the buyer out with a card through the page and runs
// the saga, as its jobs would, to delivery; it returns the order's path.
func (b *bundle) deliveredOrder(t *testing.T) (string, int64) {
	t.Helper()
	ctx := context.Background()
	path, id := b.placedOrder(t, "reviews")
	require.NoError(t, b.svc.Charge(ctx, id, ""))
	for range 4 {
		_, err := b.svc.Carry(ctx)
		require.NoError(t, err)
	}
	return path, id
}

func TestPages_Reviews(t *testing.T) {
	t.Parallel()
	b := setup(t)
	order, id := b.deliveredOrder(t)
	sellerID := strconv.FormatInt(int64(seller.ID), 10)

	r := b.c.Get(t, order, authtest.As(&buyer)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Contains(t, r.Body, "The seller of <bdi>“\u2068Dune\u2069”</bdi>")
	require.Contains(t, r.Body, "Rate the seller")
	require.Contains(t, r.Body, `href="/sellers/`+sellerID+`"`)
	require.NotContains(t, b.c.Get(t, order, authtest.As(&seller)...).Body, "Rate the seller", "only the buyer rates")

	// No stars: the form comes back with the comment kept and the field marked.
	r = b.c.Post(t, order+"/reviews", url.Values{"seller_id": {sellerID}, "comment": {"Quick & careful"}}, authtest.As(&buyer)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	require.Contains(t, r.Body, "choose from 1 to 5 stars")
	require.Contains(t, r.Body, "Quick &amp; careful")

	// A seller who sold nothing in the order (a hidden field sent wrong):
	// the order's page says so.
	for _, bad := range []url.Values{{"seller_id": {"abc"}, "rating": {"5"}}, {"rating": {"5"}}, {"seller_id": {"999"}, "rating": {"5"}}} {
		r = b.c.Post(t, order+"/reviews", bad, authtest.As(&buyer)...)
		require.Equal(t, http.StatusSeeOther, r.StatusCode, bad)
		r = b.c.Get(t, order, append(authtest.As(&buyer), "Cookie", flashOf(t, r))...)
		require.Contains(t, r.Body, "Your rating was not saved: this seller sold you nothing in this order.", bad)
	}

	require.Equal(t, http.StatusNotFound, b.c.Post(t, order+"/reviews", url.Values{"seller_id": {sellerID}, "rating": {"5"}}, authtest.As(&other)...).StatusCode)
	r = b.c.Post(t, order+"/reviews", url.Values{"seller_id": {sellerID}, "rating": {"4"}, "comment": {"Quick & careful"}}, authtest.As(&buyer)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
	require.Equal(t, order+"#reviews", r.Header.Get("Location"))
	r = b.c.Get(t, order, authtest.As(&buyer)...)
	require.Contains(t, r.Body, "★★★★☆")
	require.NotContains(t, r.Body, "Rate the seller")

	// A second rating says why it is refused, on the order's page.
	r = b.c.Post(t, order+"/reviews", url.Values{"seller_id": {sellerID}, "rating": {"1"}}, authtest.As(&buyer)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	r = b.c.Get(t, order, append(authtest.As(&buyer), "Cookie", flashOf(t, r))...)
	require.Contains(t, r.Body, ">"+service.ErrAlreadyReviewed.Message+"<", "the refusal in the user's words, not the log's")

	// The seller answers once.
	r = b.c.Get(t, order, authtest.As(&seller)...)
	require.Contains(t, r.Body, "Publish the answer")
	reviews, err := b.svc.OrderReviews(context.Background(), buyer, id)
	require.NoError(t, err)
	require.Len(t, reviews, 1)
	reply := "/reviews/" + strconv.FormatInt(reviews[0].ID, 10) + "/reply"
	r = b.c.Post(t, reply, url.Values{"order_id": {strconv.FormatInt(id, 10)}, "reply": {" "}}, authtest.As(&seller)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	require.Contains(t, r.Body, "write your answer to the buyer")
	for _, sent := range []string{"", strconv.FormatInt(id+1000, 10)} { // missing, or another order's
		long := strings.Repeat("a", service.MaxReviewReply+1)
		r = b.c.Post(t, reply, url.Values{"order_id": {sent}, "reply": {long}}, authtest.As(&seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
		require.Contains(t, r.Body, "Order #"+strconv.FormatInt(id, 10), "the review's own order, whatever the form said")
		require.Contains(t, r.Body, long, "the answer comes back to be shortened")
	}
	require.Equal(t, http.StatusForbidden, b.c.Post(t, reply, url.Values{"reply": {"Me too"}}, authtest.As(&buyer)...).StatusCode)
	r = b.c.Post(t, reply, url.Values{"reply": {"Thank you!"}}, authtest.As(&seller)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	r = b.c.Post(t, reply, url.Values{"order_id": {strconv.FormatInt(id, 10)}, "reply": {"Thanks again!"}}, authtest.As(&seller)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	r = b.c.Get(t, order, append(authtest.As(&seller), "Cookie", flashOf(t, r))...)
	require.Contains(t, r.Body, ">"+service.ErrAlreadyReplied.Message+"<")
	r = b.c.Get(t, order, authtest.As(&buyer)...)
	require.Contains(t, r.Body, "The seller answered:</strong> <bdi>Thank you!</bdi>")

	// An admin hides it, with a reason the parties see.
	require.Equal(t, http.StatusForbidden, b.c.Get(t, "/admin/reviews", authtest.As(&seller)...).StatusCode)
	r = b.c.Get(t, "/admin/reviews", authtest.As(&admin)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Contains(t, r.Body, "Quick &amp; careful")
	r = b.c.Get(t, "/admin/reviews?hidden=0&page=999999", authtest.As(&admin)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, "a page past the end leads to the last (here the first), not to \"No reviews.\"")
	require.Equal(t, "/admin/reviews?hidden=0", r.Header.Get("Location"))
	hide := "/admin/reviews/" + strconv.FormatInt(reviews[0].ID, 10) + "/hide"
	r = b.c.Post(t, hide, url.Values{"reason": {""}}, authtest.As(&admin)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	require.Contains(t, r.Body, "say why the review is hidden")
	r = b.c.Post(t, hide, url.Values{"reason": {"Names the courier"}}, authtest.As(&admin)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	r = b.c.Post(t, hide, url.Values{"reason": {"Another reason"}}, authtest.As(&admin)...)
	require.Contains(t, b.follow(t, r, &admin), "this review is already hidden: Names the courier; show it again first", "the form sent twice changes nothing and says so")
	r = b.c.Get(t, "/admin/reviews?hidden=1", authtest.As(&admin)...)
	require.Contains(t, r.Body, "Hidden: <bdi>Names the courier</bdi>")
	require.Contains(t, b.c.Get(t, order, authtest.As(&seller)...).Body, "Hidden by an administrator: <bdi>Names the courier</bdi>")

	// A mistaken hide is undone from the same list.
	unhide := "/admin/reviews/" + strconv.FormatInt(reviews[0].ID, 10) + "/unhide"
	require.Contains(t, r.Body, `action="`+unhide+`"`)
	require.Equal(t, http.StatusForbidden, b.c.Post(t, unhide, nil, authtest.As(&seller)...).StatusCode)
	require.Equal(t, http.StatusNotFound, b.c.Post(t, "/admin/reviews/999999/unhide", nil, authtest.As(&admin)...).StatusCode)
	r = b.c.Post(t, unhide, nil, authtest.As(&admin)...)
	require.Contains(t, b.follow(t, r, &admin), "Review #"+strconv.FormatInt(reviews[0].ID, 10)+" is shown again and counts in the seller's average.")
	require.NotContains(t, b.c.Get(t, order, authtest.As(&seller)...).Body, "Hidden by an administrator")
	require.Contains(t, html.UnescapeString(b.c.Get(t, "/sellers/"+strconv.FormatInt(int64(seller.ID), 10), authtest.As(&other)...).Body), "Quick & careful", "back on the seller's page")
	r = b.c.Post(t, unhide, nil, authtest.As(&admin)...)
	require.Contains(t, b.follow(t, r, &admin), "Review #"+strconv.FormatInt(reviews[0].ID, 10)+" is not hidden.", "the same form sent twice says so")
}

func TestAPI_Reviews(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, id := b.deliveredOrder(t)
	path := "/api/v1/orders/" + strconv.FormatInt(id, 10) + "/reviews"

	r := b.c.JSON(t, http.MethodPost, path, js(t, map[string]any{"seller_id": seller.ID, "rating": 9}), authtest.As(&buyer)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	require.Contains(t, r.Body, `"rating"`)
	r = b.c.JSON(t, http.MethodPost, path, js(t, map[string]any{"seller_id": seller.ID, "rating": 5}), authtest.As(&seller)...)
	require.Equal(t, http.StatusForbidden, r.StatusCode)
	require.Contains(t, r.Body, "orders.not_buyer")
	r = b.c.JSON(t, http.MethodPost, path, js(t, map[string]any{"seller_id": seller.ID, "rating": 5, "comment": "Perfect"}), authtest.As(&buyer)...)
	require.Equal(t, http.StatusCreated, r.StatusCode, r.Body)
	r = b.c.JSON(t, http.MethodPost, path, js(t, map[string]any{"seller_id": seller.ID, "rating": 5}), authtest.As(&buyer)...)
	require.Equal(t, http.StatusConflict, r.StatusCode)
	require.Contains(t, r.Body, "orders.already_reviewed")

	var list struct {
		Reviews []struct {
			ID     int64 `json:"id"`
			Rating int   `json:"rating"`
		} `json:"reviews"`
	}
	r = b.c.Get(t, path, authtest.As(&buyer)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.NoError(t, json.Unmarshal([]byte(r.Body), &list))
	require.Len(t, list.Reviews, 1)
	rv := "/api/v1/reviews/" + strconv.FormatInt(list.Reviews[0].ID, 10)
	require.Equal(t, http.StatusOK, b.c.JSON(t, http.MethodPost, rv+"/reply", js(t, map[string]any{"reply": "Thanks"}), authtest.As(&seller)...).StatusCode)
	require.Equal(t, http.StatusConflict, b.c.JSON(t, http.MethodPost, rv+"/reply", js(t, map[string]any{"reply": "Again"}), authtest.As(&seller)...).StatusCode)
	require.Equal(t, http.StatusForbidden, b.c.JSON(t, http.MethodPost, rv+"/hide", js(t, map[string]any{"reason": "x"}), authtest.As(&buyer)...).StatusCode)
	r = b.c.JSON(t, http.MethodPost, rv+"/hide", js(t, map[string]any{"reason": "Spam"}), authtest.As(&admin)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Contains(t, r.Body, `"hidden_reason":"Spam"`)
	r = b.c.JSON(t, http.MethodPost, rv+"/hide", js(t, map[string]any{"reason": "Other"}), authtest.As(&admin)...)
	require.Equal(t, http.StatusConflict, r.StatusCode)
	require.Contains(t, r.Body, "orders.review_already_hidden")

	require.Equal(t, http.StatusForbidden, b.c.JSON(t, http.MethodPost, rv+"/unhide", "", authtest.As(&seller)...).StatusCode)
	r = b.c.JSON(t, http.MethodPost, rv+"/unhide", "", authtest.As(&admin)...)
	require.Equal(t, http.StatusOK, r.StatusCode, r.Body)
	require.NotContains(t, r.Body, "hidden_reason")
	r = b.c.Get(t, "/api/v1/sellers/"+strconv.FormatInt(int64(seller.ID), 10), authtest.As(&other)...)
	require.Contains(t, r.Body, `"ratings":1`, "back in the seller's average")
	r = b.c.JSON(t, http.MethodPost, rv+"/unhide", "", authtest.As(&admin)...)
	require.Equal(t, http.StatusConflict, r.StatusCode)
	require.Contains(t, r.Body, "orders.review_not_hidden")
}

// A rating of a cancelled order is refused for what it is, not as one that
// waits for a delivery, on the order's page and by the API.
func TestReviews_CancelledOrder(t *testing.T) {
	t.Parallel()
	b := setup(t)
	order, id := b.placedOrder(t, "cancelled")
	_, err := b.svc.Cancel(context.Background(), buyer, id, "")
	require.NoError(t, err)
	sellerID := strconv.FormatInt(int64(seller.ID), 10)

	r := b.c.Post(t, order+"/reviews", url.Values{"seller_id": {sellerID}, "rating": {"5"}}, authtest.As(&buyer)...)
	require.Contains(t, b.follow(t, r, &buyer), ">"+service.ErrOrderCancelled.Message+"<")
	r = b.c.JSON(t, http.MethodPost, "/api/v1"+order+"/reviews", js(t, map[string]any{"seller_id": seller.ID, "rating": 5}), authtest.As(&buyer)...)
	require.Equal(t, http.StatusConflict, r.StatusCode)
	require.Contains(t, r.Body, `"orders.cancelled"`)
	require.Contains(t, r.Body, "this order was cancelled, so there is nothing to rate")
}

func js(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// The seller's page shows who they are, their standing, their reviews and
// their listings on sale, each paged; the API answers the same.
func TestPages_SellerPage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	order, id := b.deliveredOrder(t)
	_, err := b.svc.Review(ctx, buyer, id, service.ReviewInput{SellerID: seller.ID, Rating: 5, Comment: "Lovely copy"})
	require.NoError(t, err)
	for i := range service.SellerListingsPerPage + 1 {
		catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: seller.ID, Title: fmt.Sprintf("Shelf %02d", i)})
	}
	catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: seller.ID, Title: "Le Rouge et le Noir", Language: "fr"})
	page := "/sellers/" + strconv.FormatInt(int64(seller.ID), 10)

	r := b.c.Get(t, page)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Contains(t, r.Body, `<h1 dir="auto">Seller 2</h1>`)
	require.Contains(t, r.Body, `Member since <time datetime="2024-03-01T00:00:00Z" data-local="day">1 Mar 2024 (UTC)</time> · `)
	require.Contains(t, r.Body, "1 sale · ")
	require.Contains(t, r.Body, `5.0<span class="visually-hidden"> out of 5</span> (1 rating)`)
	require.Contains(t, r.Body, "Lovely copy")
	require.Contains(t, r.Body, `<strong class="stars"><span aria-hidden="true">★★★★★</span><span class="visually-hidden"> 5 out of 5</span></strong>`,
		"a review's stars are read as its rating, not as five symbols (an aria-label on a strong is not read)")
	require.Contains(t, r.Body, `<h3 lang="fr" dir="auto"><a href="/books/`, "a title is marked with its language")
	require.Contains(t, r.Body, "Shelf 12", "newest first")
	require.NotContains(t, r.Body, "Shelf 01", "on the next page")
	require.Contains(t, r.Body, `href="/sellers/2?page=2"`)
	require.Contains(t, b.c.Get(t, page+"?page=2").Body, "Shelf 01")
	require.Contains(t, b.c.Get(t, order, authtest.As(&buyer)...).Body, `href="`+page+`"`, "the order links the seller")

	// A hidden review leaves the page and the average.
	reviews, err := b.svc.OrderReviews(ctx, buyer, id)
	require.NoError(t, err)
	_, err = b.svc.HideReview(ctx, admin, reviews[0].ID, "Spam")
	require.NoError(t, err)
	r = b.c.Get(t, page)
	require.NotContains(t, r.Body, "Lovely copy")
	require.Contains(t, r.Body, "No buyer has rated this seller yet.")
	require.Contains(t, r.Body, "no ratings yet")

	require.Equal(t, http.StatusNotFound, b.c.Get(t, "/sellers/999999").StatusCode)
	require.Equal(t, http.StatusNotFound, b.c.Get(t, "/sellers/abc").StatusCode)

	var api struct {
		Name            string `json:"name"`
		Sales           int    `json:"sales"`
		Listings        []any  `json:"listings"`
		ListingsHasNext bool   `json:"listings_has_next"`
	}
	r = b.c.Get(t, "/api/v1"+page)
	require.Equal(t, http.StatusOK, r.StatusCode, r.Body)
	require.NoError(t, json.Unmarshal([]byte(r.Body), &api))
	require.Equal(t, "Seller 2", api.Name)
	require.Equal(t, 1, api.Sales)
	require.Len(t, api.Listings, service.SellerListingsPerPage)
	require.True(t, api.ListingsHasNext)
	require.Equal(t, http.StatusNotFound, b.c.Get(t, "/api/v1/sellers/999999").StatusCode)
	// Page numbers are lenient, as on the page: what is not one from 1 is 1.
	first := r.Body
	for _, q := range []string{"page=0", "page=abc", "reviews_page=0", "reviews_page=x", "page=-3&reviews_page=2.5"} {
		r = b.c.Get(t, "/api/v1"+page+"?"+q)
		require.Equal(t, http.StatusOK, r.StatusCode, q)
		require.JSONEq(t, first, r.Body, q)
	}
}

// The order page lists the steps its shipment took, in order, each with
// its time, in UTC and saying so (view.Time).
func TestPages_OrderTimeline(t *testing.T) {
	t.Parallel()
	b := setup(t)
	order, _ := b.deliveredOrder(t)
	r := b.c.Get(t, order, authtest.As(&buyer)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	tl := regexp.MustCompile(`(?s)<ol class="timeline">(.*?)</ol>`).FindStringSubmatch(r.Body)
	require.NotNil(t, tl, r.Body)
	var steps []string
	for _, li := range regexp.MustCompile(`<li>([^<]*) — <time datetime="[^"]+Z" data-local="moment">[^<]+ UTC</time></li>`).FindAllStringSubmatch(tl[1], -1) {
		steps = append(steps, li[1])
	}
	require.Equal(t, []string{"Label created", "Picked up", "In transit", "Out for delivery", "Delivered"}, steps)
}
