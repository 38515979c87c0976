package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/jobs"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/text"
)

// deliver runs an order's saga, as its jobs would, up to the last step
// before delivery (all true: through delivery).
func (b *bundle) deliver(t *testing.T, id int64, all bool) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, b.svc.Charge(ctx, id, ""))
	steps := 4
	if !all {
		steps = 3
	}
	for range steps {
		b.carry(t)
	}
}

func TestService_Review(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rating := func(n int) service.ReviewInput {
		return service.ReviewInput{SellerID: 2, Rating: n, Comment: "Well packed, as described."}
	}

	t.Run("BuyerRatesOnceAfterDelivery", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.place(t, "k", 1, validCard("4242424242424242"))
		b.deliver(t, o.ID, true)
		rivertest.RequireInserted(ctx, t, riverpgxv5.New(b.pool), jobs.SellerStatsArgs{SellerID: b.seller.ID}, &rivertest.RequireInsertedOpts{Schema: "river"})

		r, err := b.svc.Review(ctx, b.buyer, o.ID, rating(4))
		require.NoError(t, err)
		require.Equal(t, 4, r.Rating)
		require.Equal(t, "Buyer", r.BuyerName)
		require.Equal(t, "Well packed, as described.", r.Comment)
		require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.notifications WHERE order_id=$1 AND step='review' AND user_id=$2", o.ID, b.seller.ID))
		require.Equal(t, 2, b.count(t, "SELECT count(*) FROM river.river_job WHERE kind='orders.push_seller_stats'"), "delivery and review each push")

		_, err = b.svc.Review(ctx, b.buyer, o.ID, rating(1))
		require.ErrorIs(t, err, service.ErrAlreadyReviewed)

		// The job pushes what orders counts now to the catalog.
		require.NoError(t, b.svc.PushSellerStats(ctx, b.seller.ID))
		st := catalogtest.StatsOf(ctx, t, b.pool, b.seller.ID)
		require.Equal(t, catalog.SellerStats{SellerID: b.seller.ID, Ratings: 1, RatingSum: 4, Sales: 1, Version: st.Version}, st)

		reviews, err := b.svc.SellerReviews(ctx, b.seller.ID, service.Page{})
		require.NoError(t, err)
		require.Len(t, reviews, 1)
		mine, err := b.svc.OrderReviews(ctx, b.buyer, o.ID)
		require.NoError(t, err)
		require.Len(t, mine, 1)
	})

	// The seller's notification names the buyer isolated: a Hebrew name
	// at its start would otherwise carry "rated you 4" into its own
	// right-to-left order.
	t.Run("NotificationIsolatesName", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.place(t, "k", 1, validCard("4242424242424242"))
		b.deliver(t, o.ID, true)
		buyer := b.buyer
		buyer.Name = "דנה כהן"
		_, err := b.svc.Review(ctx, buyer, o.ID, rating(4))
		require.NoError(t, err)
		notes, err := b.svc.Notifications(ctx, b.seller, service.Page{})
		require.NoError(t, err)
		require.NotEmpty(t, notes)
		require.Equal(t, fmt.Sprintf("\u2068דנה כהן\u2069 rated you 4 out of 5 for order #%d.", o.ID), notes[0].Message)
	})

	t.Run("Refusals", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.place(t, "k", 1, validCard("4242424242424242"))
		b.deliver(t, o.ID, false)
		_, err := b.svc.Review(ctx, b.buyer, o.ID, rating(5))
		require.ErrorIs(t, err, service.ErrNotDelivered, "shipped is not delivered")

		b.deliver(t, o.ID, true)
		_, err = b.svc.Review(ctx, auth.User{}, o.ID, rating(5))
		require.ErrorIs(t, err, auth.ErrUnauthenticated)
		_, err = b.svc.Review(ctx, b.seller, o.ID, rating(5))
		require.ErrorIs(t, err, service.ErrNotBuyer, "the seller sees the order but cannot rate")
		_, err = b.svc.Review(ctx, b.admin, o.ID, rating(5))
		require.ErrorIs(t, err, service.ErrNotBuyer)
		_, err = b.svc.Review(ctx, auth.User{ID: 77, Name: "Stranger"}, o.ID, rating(5))
		require.ErrorIs(t, err, orders.ErrNotFound, "a stranger learns nothing of the order")
		_, err = b.svc.Review(ctx, b.buyer, 999_999, rating(5))
		require.ErrorIs(t, err, orders.ErrNotFound)

		for name, tc := range map[string]struct {
			in    service.ReviewInput
			field string
		}{
			"NoStars":      {service.ReviewInput{SellerID: 2, Rating: 0}, "rating"},
			"SixStars":     {service.ReviewInput{SellerID: 2, Rating: 6}, "rating"},
			"OtherSeller":  {service.ReviewInput{SellerID: 99, Rating: 5}, "seller_id"},
			"LongComment":  {service.ReviewInput{SellerID: 2, Rating: 5, Comment: strings.Repeat("a", service.MaxReviewComment+1)}, "comment"},
			"ControlChars": {service.ReviewInput{SellerID: 2, Rating: 5, Comment: "bad\x00text"}, "comment"},
			"BidiOverride": {service.ReviewInput{SellerID: 2, Rating: 5, Comment: "Great seller \u202eetar 1"}, "comment"},
		} {
			_, err := b.svc.Review(ctx, b.buyer, o.ID, tc.in)
			require.Equal(t, apperr.Invalid, apperr.KindOf(err), name)
			require.Contains(t, apperr.As(err).Fields, tc.field, name)
		}
		require.Zero(t, b.count(t, "SELECT count(*) FROM orders.reviews"), "no refusal wrote a review")
	})

	t.Run("LineBreaksCountOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.place(t, "k", 1, validCard("4242424242424242"))
		b.deliver(t, o.ID, true)
		// A browser sends each line break as CRLF and counts it as one
		// character, as it counts 😀 as one: this is the limit, exactly.
		comment := strings.Repeat("😀😀😀\r\n", service.MaxReviewComment/4-1) + "😀😀😀😀"
		r, err := b.svc.Review(ctx, b.buyer, o.ID, service.ReviewInput{SellerID: 2, Rating: 5, Comment: comment})
		require.NoError(t, err)
		require.Equal(t, strings.ReplaceAll(comment, "\r\n", "\n"), r.Comment, "stored with LF")
		reply := strings.Repeat("ab\r", service.MaxReviewReply/3) + strings.Repeat("x", service.MaxReviewReply%3)
		got, err := b.svc.ReplyToReview(ctx, b.seller, r.ID, reply)
		require.NoError(t, err, "a lone CR is one line break too")
		require.Equal(t, strings.ReplaceAll(reply, "\r", "\n"), got.Reply)
		require.Zero(t, b.count(t, "SELECT count(*) FROM orders.reviews WHERE comment LIKE '%'||chr(13)||'%' OR reply LIKE '%'||chr(13)||'%'"))
	})

	t.Run("CancelledOrderCannotBeRated", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.place(t, "k", 1, validCard("4242424242424242"))
		require.NoError(t, errOf(b.svc.Cancel(ctx, b.buyer, o.ID, "")))
		_, err := b.svc.Review(ctx, b.buyer, o.ID, rating(1))
		require.ErrorIs(t, err, service.ErrOrderCancelled, "not a delivery to wait for")
	})

	t.Run("SellerAnswersOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.place(t, "k", 1, validCard("4242424242424242"))
		b.deliver(t, o.ID, true)
		r, err := b.svc.Review(ctx, b.buyer, o.ID, rating(2))
		require.NoError(t, err)

		_, err = b.svc.ReplyToReview(ctx, b.buyer, r.ID, "I reply to myself")
		require.ErrorIs(t, err, service.ErrNotReviewed)
		_, err = b.svc.ReplyToReview(ctx, b.admin, r.ID, "Admins do not answer")
		require.ErrorIs(t, err, service.ErrNotReviewed)
		_, err = b.svc.ReplyToReview(ctx, b.seller, r.ID, "   ")
		require.Contains(t, apperr.As(err).Fields, "reply")
		_, err = b.svc.ReplyToReview(ctx, b.seller, r.ID, "Thanks\u200b for nothing")
		require.Equal(t, text.ErrInvisible.Error(), apperr.As(err).Fields["reply"], "a reply hides nothing from the buyer")
		_, err = b.svc.ReplyToReview(ctx, b.seller, 999_999, "Thanks")
		require.ErrorIs(t, err, service.ErrReviewNotFound)

		got, err := b.svc.ReplyToReview(ctx, b.seller, r.ID, "Sorry; the courier was late.")
		require.NoError(t, err)
		require.Equal(t, "Sorry; the courier was late.", got.Reply)
		require.NotNil(t, got.RepliedAt)
		require.Equal(t, 1, b.count(t, "SELECT count(*) FROM orders.notifications WHERE order_id=$1 AND step='review_reply' AND user_id=$2", o.ID, b.buyer.ID))
		_, err = b.svc.ReplyToReview(ctx, b.seller, r.ID, "A second answer")
		require.ErrorIs(t, err, service.ErrAlreadyReplied)
	})

	t.Run("AdminHides", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.place(t, "k", 1, validCard("4242424242424242"))
		b.deliver(t, o.ID, true)
		r, err := b.svc.Review(ctx, b.buyer, o.ID, rating(1))
		require.NoError(t, err)

		_, err = b.svc.HideReview(ctx, b.seller, r.ID, "I do not like it")
		require.ErrorIs(t, err, auth.ErrForbidden, "a seller cannot hide what was said of them")
		_, err = b.svc.HideReview(ctx, b.admin, r.ID, "")
		require.Contains(t, apperr.As(err).Fields, "reason")
		_, err = b.svc.HideReview(ctx, b.admin, 999_999, "Spam")
		require.ErrorIs(t, err, service.ErrReviewNotFound)

		got, err := b.svc.HideReview(ctx, b.admin, r.ID, "Insults the seller")
		require.NoError(t, err)
		require.Equal(t, "Insults the seller", got.HiddenReason)
		_, err = b.svc.HideReview(ctx, b.admin, r.ID, "Another reason")
		require.ErrorIs(t, err, service.ErrAlreadyHidden, "a second hide would change what the parties were told")
		require.Equal(t, "this review is already hidden: Insults the seller; show it again first to hide it for another reason", apperr.As(err).Message)
		again, err := b.svc.AllReviews(ctx, b.admin, true, service.Page{})
		require.NoError(t, err)
		require.Equal(t, "Insults the seller", again[0].HiddenReason, "the first reason stays")

		shown, err := b.svc.SellerReviews(ctx, b.seller.ID, service.Page{})
		require.NoError(t, err)
		require.Empty(t, shown, "a hidden review leaves the seller's page")
		st, err := b.svc.SellerStats(ctx, b.seller.ID)
		require.NoError(t, err)
		require.Equal(t, 0, st.Ratings, "and the average")
		require.Equal(t, 1, st.Sales)

		hidden, err := b.svc.AllReviews(ctx, b.admin, true, service.Page{})
		require.NoError(t, err)
		require.Len(t, hidden, 1)
		_, err = b.svc.AllReviews(ctx, b.buyer, false, service.Page{})
		require.ErrorIs(t, err, auth.ErrForbidden)
	})

	// A mistaken hide is undone: the review is back on the seller's page
	// and in the average, and its push to the catalog is queued.
	t.Run("AdminUnhides", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.place(t, "k", 1, validCard("4242424242424242"))
		b.deliver(t, o.ID, true)
		r, err := b.svc.Review(ctx, b.buyer, o.ID, rating(4))
		require.NoError(t, err)

		_, err = b.svc.UnhideReview(ctx, b.admin, r.ID)
		require.ErrorIs(t, err, service.ErrNotHidden, "a shown review says so")
		_, err = b.svc.HideReview(ctx, b.admin, r.ID, "Looked like spam")
		require.NoError(t, err)
		_, err = b.svc.UnhideReview(ctx, b.seller, r.ID)
		require.ErrorIs(t, err, auth.ErrForbidden, "a seller cannot bring back what was hidden")
		_, err = b.svc.UnhideReview(ctx, b.buyer, r.ID)
		require.ErrorIs(t, err, auth.ErrForbidden)
		_, err = b.svc.UnhideReview(ctx, b.admin, 999_999)
		require.ErrorIs(t, err, service.ErrReviewNotFound)
		pushes := b.count(t, "SELECT count(*) FROM river.river_job WHERE kind = $1", jobs.SellerStatsArgs{}.Kind())

		got, err := b.svc.UnhideReview(ctx, b.admin, r.ID)
		require.NoError(t, err)
		require.Empty(t, got.HiddenReason)
		require.Equal(t, pushes+1, b.count(t, "SELECT count(*) FROM river.river_job WHERE kind = $1", jobs.SellerStatsArgs{}.Kind()), "the seller's standing is pushed")
		shown, err := b.svc.SellerReviews(ctx, b.seller.ID, service.Page{})
		require.NoError(t, err)
		require.Len(t, shown, 1, "back on the seller's page")
		st, err := b.svc.SellerStats(ctx, b.seller.ID)
		require.NoError(t, err)
		require.Equal(t, []int{1, 4}, []int{st.Ratings, st.RatingSum}, "and in the average")
		hidden, err := b.svc.AllReviews(ctx, b.admin, true, service.Page{})
		require.NoError(t, err)
		require.Empty(t, hidden)

		_, err = b.svc.UnhideReview(ctx, b.admin, r.ID)
		require.ErrorIs(t, err, service.ErrNotHidden, "the same unhide twice counts once")
		st, err = b.svc.SellerStats(ctx, b.seller.ID)
		require.NoError(t, err)
		require.Equal(t, 1, st.Ratings)
	})
}

// TestService_SellerStatsVersions checks that a count taken later carries
// a higher version, so the catalog keeps the newest whatever order the
// pushes arrive in.
func TestService_SellerStatsVersions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	o := b.place(t, "k", 1, validCard("4242424242424242"))
	b.deliver(t, o.ID, true)
	before, err := b.svc.SellerStats(ctx, b.seller.ID)
	require.NoError(t, err)
	_, err = b.svc.Review(ctx, b.buyer, o.ID, service.ReviewInput{SellerID: b.seller.ID, Rating: 5})
	require.NoError(t, err)
	after, err := b.svc.SellerStats(ctx, b.seller.ID)
	require.NoError(t, err)
	require.Greater(t, after.Version, before.Version)

	require.NoError(t, b.cat.SetSellerStats(ctx, after))
	require.NoError(t, b.cat.SetSellerStats(ctx, before), "the older push arrives last")
	require.Equal(t, after, catalogtest.StatsOf(ctx, t, b.pool, b.seller.ID))
}
