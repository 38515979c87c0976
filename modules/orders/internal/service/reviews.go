package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/dbsqlc"
	"github.com/bookstore/bookstore/modules/orders/internal/jobs"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/text"
)

// Errors of reviews.
var (
	// ErrNotDelivered refuses a review of an order that has not arrived.
	ErrNotDelivered = apperr.New(apperr.Conflict, "orders.not_delivered", "you can rate the seller once the order is delivered")
	// ErrOrderCancelled refuses a review of a cancelled order, which
	// ErrNotDelivered would promise a delivery that never comes.
	ErrOrderCancelled = apperr.New(apperr.Conflict, "orders.cancelled", "this order was cancelled, so there is nothing to rate")
	// ErrNotBuyer refuses a review by someone who may see the order (a
	// seller of it, an admin) but did not buy it.
	ErrNotBuyer        = apperr.New(apperr.Forbidden, "orders.not_buyer", "only the buyer of this order can rate its sellers")
	ErrAlreadyReviewed = apperr.New(apperr.Conflict, "orders.already_reviewed", "you already rated this seller for this order")
	ErrReviewNotFound  = apperr.New(apperr.NotFound, "orders.review_not_found", "review not found")
	// ErrNotReviewed refuses an answer by anyone but the reviewed seller.
	ErrNotReviewed    = apperr.New(apperr.Forbidden, "orders.not_reviewed", "only the seller who was rated can answer this review")
	ErrAlreadyReplied = apperr.New(apperr.Conflict, "orders.already_replied", "this review already has your answer")
	// ErrNotHidden answers an unhide of a review that is shown, such as
	// the same form sent twice.
	ErrNotHidden = apperr.New(apperr.Conflict, "orders.review_not_hidden", "this review is not hidden")
	// ErrAlreadyHidden refuses to hide a hidden review again, as the
	// catalog refuses a hidden listing: replacing the reason would change
	// what its parties were told, so another reason needs an unhide first.
	ErrAlreadyHidden = apperr.New(apperr.Conflict, "orders.review_already_hidden", "this review is already hidden; show it again first to hide it for another reason")
)

// Limits of reviews, in characters.
const (
	MaxReviewComment = 1000
	MaxReviewReply   = 1000
	MaxHideReason    = 500
)

// Review is a buyer's rating of one seller of a delivered order.
type Review struct {
	ID        int64       `json:"id"`
	OrderID   int64       `json:"order_id"`
	SellerID  auth.UserID `json:"seller_id"`
	BuyerName string      `json:"buyer_name"`
	Rating    int         `json:"rating"`
	Comment   string      `json:"comment"`
	Reply     string      `json:"reply,omitempty"`
	RepliedAt *time.Time  `json:"replied_at,omitempty"`
	// HiddenReason is set when an admin hid the review; only admins and
	// the two parties see a hidden review.
	HiddenReason string    `json:"hidden_reason,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

func toReview(r dbsqlc.Review) Review {
	out := Review{ID: r.ID, OrderID: r.OrderID, SellerID: auth.UserID(r.SellerID), BuyerName: r.BuyerName,
		Rating: int(r.Rating), Comment: r.Comment, RepliedAt: r.RepliedAt, CreatedAt: r.CreatedAt}
	if r.Reply != nil {
		out.Reply = *r.Reply
	}
	if r.HiddenReason != nil {
		out.HiddenReason = *r.HiddenReason
	}
	return out
}

func toReviews(rows []dbsqlc.Review) []Review {
	out := make([]Review, len(rows))
	for i, r := range rows {
		out[i] = toReview(r)
	}
	return out
}

// ReviewInput is a buyer's rating of one seller of their order.
type ReviewInput struct {
	SellerID auth.UserID
	// Rating is 1 to 5 stars.
	Rating  int
	Comment string
}

// checkNote trims a free-text field that others read, with its line
// breaks as LF (text.Lines), and checks it (no bidi override may reverse
// what they see), adding its message to fields; need says what an empty
// one should hold ("" when optional).
func checkNote(fields map[string]string, name, v string, max int, need string) string {
	v = strings.TrimSpace(text.Lines(v))
	switch {
	case v == "" && need != "":
		fields[name] = need
	case text.CheckShown(v) != nil:
		fields[name] = text.CheckShown(v).Error()
	case utf8.RuneCountInString(v) > max:
		fields[name] = fmt.Sprintf("must be at most %d characters", max)
	}
	return v
}

// Review records the buyer's rating of one seller of a delivered order,
// once per order and seller, tells the seller, and pushes the seller's new
// standing to the catalog by a job in the same transaction. Only the buyer
// may review: anyone else who may see the order gets ErrNotBuyer, others
// ErrNotFound; a cancelled order gets ErrOrderCancelled, one not yet
// delivered ErrNotDelivered, a second
// review ErrAlreadyReviewed, and a seller who sold nothing in it or a bad
// rating or comment an Invalid error per field.
func (s *Service) Review(ctx context.Context, buyer auth.User, orderID int64, in ReviewInput) (Review, error) {
	if buyer.ID == 0 {
		return Review{}, auth.ErrUnauthenticated
	}
	o, err := s.Get(ctx, buyer, orderID)
	if err != nil {
		return Review{}, err
	}
	if o.BuyerID != buyer.ID {
		return Review{}, ErrNotBuyer
	}
	fields := map[string]string{}
	sold := false
	for _, l := range o.Lines {
		sold = sold || l.SellerID == in.SellerID
	}
	if !sold {
		fields["seller_id"] = "this seller sold you nothing in this order"
	}
	if in.Rating < 1 || in.Rating > 5 {
		fields["rating"] = "choose from 1 to 5 stars"
	}
	in.Comment = checkNote(fields, "comment", in.Comment, MaxReviewComment, "")
	if len(fields) > 0 {
		return Review{}, apperr.ErrInvalid.WithFields(fields)
	}
	switch o.Status {
	case orders.StatusDelivered:
	case orders.StatusCancelled:
		return Review{}, ErrOrderCancelled
	default:
		return Review{}, ErrNotDelivered
	}
	var out Review
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		r, err := s.q.InsertReview(ctx, tx, dbsqlc.InsertReviewParams{OrderID: orderID, SellerID: int64(in.SellerID),
			BuyerID: int64(buyer.ID), BuyerName: buyer.Name, Rating: int16(in.Rating), Comment: in.Comment})
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrAlreadyReviewed
		}
		if err != nil {
			return err
		}
		out = toReview(dbsqlc.Review(r))
		err = s.q.Notify(ctx, tx, dbsqlc.NotifyParams{UserID: int64(in.SellerID), OrderID: orderID, Step: "review",
			Message: fmt.Sprintf("%s rated you %d out of 5 for order #%d.", text.Isolate(buyer.Name), in.Rating, orderID)})
		if err != nil {
			return err
		}
		return s.pushStats(ctx, tx, in.SellerID)
	})
	if err != nil {
		return Review{}, fmt.Errorf("review order %d: %w", orderID, err)
	}
	return out, nil
}

// pushStats inserts the job that sends the seller's standing to the
// catalog, in the transaction that changed it.
func (s *Service) pushStats(ctx context.Context, tx pgx.Tx, seller auth.UserID) error {
	_, err := s.river.InsertTx(ctx, tx, jobs.SellerStatsArgs{SellerID: seller}, nil)
	return err
}

// ReplyToReview records the reviewed seller's one answer and tells the
// buyer. Anyone but that seller gets ErrNotReviewed, a second answer
// ErrAlreadyReplied, an empty or bad text an Invalid error on "reply",
// returned with the review, whose order's page shows the form again.
func (s *Service) ReplyToReview(ctx context.Context, seller auth.User, reviewID int64, reply string) (Review, error) {
	if seller.ID == 0 {
		return Review{}, auth.ErrUnauthenticated
	}
	r, err := s.q.Review(ctx, s.pool, reviewID)
	if err != nil {
		return Review{}, notFound(err, ErrReviewNotFound)
	}
	if auth.UserID(r.SellerID) != seller.ID {
		return Review{}, ErrNotReviewed
	}
	fields := map[string]string{}
	reply = checkNote(fields, "reply", reply, MaxReviewReply, "write your answer to the buyer")
	if len(fields) > 0 {
		return toReview(dbsqlc.Review(r)), apperr.ErrInvalid.WithFields(fields)
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		n, err := s.q.ReplyToReview(ctx, tx, dbsqlc.ReplyToReviewParams{ID: reviewID, Reply: &reply})
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrAlreadyReplied
		}
		return s.q.Notify(ctx, tx, dbsqlc.NotifyParams{UserID: r.BuyerID, OrderID: r.OrderID, Step: "review_reply",
			Message: fmt.Sprintf("%s answered your review of order #%d.", text.Isolate(seller.Name), r.OrderID)})
	})
	if err != nil {
		return Review{}, fmt.Errorf("reply to review %d: %w", reviewID, err)
	}
	return s.reviewByID(ctx, reviewID)
}

// HideReview takes a review off public pages and out of the seller's
// average, with the reason the seller and buyer see; admins only. A hidden
// review is not hidden again (ErrAlreadyHidden, naming its reason).
func (s *Service) HideReview(ctx context.Context, admin auth.User, reviewID int64, reason string) (Review, error) {
	if !admin.IsAdmin() {
		return Review{}, auth.ErrForbidden
	}
	fields := map[string]string{}
	reason = checkNote(fields, "reason", reason, MaxHideReason, "say why the review is hidden; the seller and buyer see it")
	if len(fields) > 0 {
		return Review{}, apperr.ErrInvalid.WithFields(fields)
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		r, err := s.q.Review(ctx, tx, reviewID)
		if err != nil {
			return notFound(err, ErrReviewNotFound)
		}
		if r.HiddenReason != nil {
			return ErrAlreadyHidden.WithMessage("this review is already hidden: " + *r.HiddenReason + "; show it again first to hide it for another reason")
		}
		n, err := s.q.HideReview(ctx, tx, dbsqlc.HideReviewParams{ID: reviewID, Reason: &reason, AdminID: (*int64)(&admin.ID)})
		if err != nil {
			return err
		}
		if n == 0 {
			// Another admin hid it since it was read.
			return ErrAlreadyHidden
		}
		if err := s.recordAction(ctx, tx, activity.Record{Actor: admin.Actor(), Action: activity.ReviewHide,
			SubjectID: reviewID, SubjectLabel: reviewLabel(r), Reason: reason}); err != nil {
			return err
		}
		return s.pushStats(ctx, tx, auth.UserID(r.SellerID))
	})
	if err != nil {
		return Review{}, fmt.Errorf("hide review %d: %w", reviewID, err)
	}
	return s.reviewByID(ctx, reviewID)
}

// UnhideReview puts a hidden review back on public pages and into the
// seller's average, undoing a mistaken hide; admins only. A review that is
// not hidden gets ErrNotHidden.
func (s *Service) UnhideReview(ctx context.Context, admin auth.User, reviewID int64) (Review, error) {
	if !admin.IsAdmin() {
		return Review{}, auth.ErrForbidden
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		r, err := s.q.Review(ctx, tx, reviewID)
		if err != nil {
			return notFound(err, ErrReviewNotFound)
		}
		n, err := s.q.UnhideReview(ctx, tx, reviewID)
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrNotHidden
		}
		if err := s.recordAction(ctx, tx, activity.Record{Actor: admin.Actor(), Action: activity.ReviewUnhide,
			SubjectID: reviewID, SubjectLabel: reviewLabel(r)}); err != nil {
			return err
		}
		return s.pushStats(ctx, tx, auth.UserID(r.SellerID))
	})
	if err != nil {
		return Review{}, fmt.Errorf("unhide review %d: %w", reviewID, err)
	}
	return s.reviewByID(ctx, reviewID)
}

// reviewLabel names a review in the activity log.
func reviewLabel(r dbsqlc.Review) string {
	return fmt.Sprintf("review #%d of order #%d", r.ID, r.OrderID)
}

func (s *Service) reviewByID(ctx context.Context, id int64) (Review, error) {
	r, err := s.q.Review(ctx, s.pool, id)
	if err != nil {
		return Review{}, notFound(err, ErrReviewNotFound)
	}
	return toReview(r), nil
}

// OrderReviews returns the reviews of an order that user may see (Get's
// rule): its buyer and admins see all, a seller their own.
func (s *Service) OrderReviews(ctx context.Context, user auth.User, orderID int64) ([]Review, error) {
	o, err := s.Get(ctx, user, orderID)
	if err != nil {
		return nil, err
	}
	return s.reviewsOf(ctx, user, o)
}

// OrderWithReviews is Get and, for a delivered order, the reviews of it
// that user may see, for the order's page: the order is read once.
func (s *Service) OrderWithReviews(ctx context.Context, user auth.User, orderID int64) (Order, []Review, error) {
	o, err := s.Get(ctx, user, orderID)
	if err != nil || o.Status != orders.StatusDelivered {
		return o, nil, err
	}
	reviews, err := s.reviewsOf(ctx, user, o)
	return o, reviews, err
}

// reviewsOf is the reviews of o, as Get gave it to user, that user may see.
func (s *Service) reviewsOf(ctx context.Context, user auth.User, o Order) ([]Review, error) {
	rows, err := s.q.OrderReviews(ctx, s.pool, o.ID)
	if err != nil {
		return nil, fmt.Errorf("reviews of order %d: %w", o.ID, err)
	}
	out := []Review{}
	for _, r := range toReviews(rows) {
		if o.BuyerID == user.ID || user.IsAdmin() || r.SellerID == user.ID {
			out = append(out, r)
		}
	}
	return out, nil
}

// SellerReviews pages through the reviews a seller's public page shows,
// newest first; hidden ones are left out.
func (s *Service) SellerReviews(ctx context.Context, seller auth.UserID, p Page) ([]Review, error) {
	lim, off := p.norm()
	rows, err := s.q.SellerReviews(ctx, s.pool, dbsqlc.SellerReviewsParams{SellerID: int64(seller), Lim: lim, Off: off})
	if err != nil {
		return nil, fmt.Errorf("reviews of seller %d: %w", seller, err)
	}
	return toReviews(rows), nil
}

// AllReviews pages through every review for admins, newest first; hidden
// keeps only the hidden ones.
func (s *Service) AllReviews(ctx context.Context, admin auth.User, hidden bool, p Page) ([]Review, error) {
	if !admin.IsAdmin() {
		return nil, auth.ErrForbidden
	}
	lim, off := p.norm()
	rows, err := s.q.AllReviews(ctx, s.pool, dbsqlc.AllReviewsParams{HiddenOnly: hidden, Lim: lim, Off: off})
	if err != nil {
		return nil, fmt.Errorf("all reviews: %w", err)
	}
	return toReviews(rows), nil
}

// SellerStats counts a seller's standing now: shown ratings, their stars,
// delivered orders, numbered after every change already committed.
func (s *Service) SellerStats(ctx context.Context, seller auth.UserID) (catalog.SellerStats, error) {
	r, err := s.q.SellerStats(ctx, s.pool, int64(seller))
	if err != nil {
		return catalog.SellerStats{}, fmt.Errorf("stats of seller %d: %w", seller, err)
	}
	return catalog.SellerStats{SellerID: seller, Ratings: int(r.Ratings), RatingSum: int(r.RatingSum), Sales: int(r.Sales), Version: r.Version}, nil
}

// PushSellerStats sends the seller's standing, counted now, to the
// catalog. Its job runs after every change, so the last push counts them
// all; a push that loses a race to a newer one is ignored by the catalog.
func (s *Service) PushSellerStats(ctx context.Context, seller auth.UserID) error {
	st, err := s.SellerStats(ctx, seller)
	if err != nil {
		return err
	}
	if err := s.catalog.SetSellerStats(ctx, st); err != nil {
		return fmt.Errorf("push stats of seller %d: %w", seller, err)
	}
	return nil
}
