package service

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/otel/attribute"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/dbsqlc"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/text"
	"github.com/bookstore/bookstore/platform/tracing"
	"github.com/bookstore/bookstore/platform/view"
)

// maxLineQuantity bounds one line, as copies of a listing are at most 999.
const maxLineQuantity = 999

// maxReserveLines bounds one reservation; a cart holds far fewer.
const maxReserveLines = 200

// reserveAttempts bounds the retries of a reservation or confirmation that
// lost a race: a deadlock between two statements locking the same listings,
// or a listing that changed between the statement and the look at why it
// failed.
const reserveAttempts = 3

// maxReservations bounds the reservations one transaction of
// reserveBatch holds.
const maxReservations = 64

// reserveTimeout bounds a batch of reservations, which no request's
// deadline does (s.reservations is detached).
const reserveTimeout = 30 * time.Second

// reservation is one order's call of Reserve, its lines merged.
type reservation struct {
	params dbsqlc.ReserveParams
	buyer  auth.UserID
	lines  []catalog.Line
}

// Reserve implements catalog.Service with one statement (see the Reserve
// query), so a listing's row is locked for one round trip only. The
// reservations of one line that arrive while one is in flight are held
// together, in one round trip and one transaction (see reserveBatch): a
// listing many buyers want is then locked and committed once for them
// all, not once each in a queue. A reservation of several lines is held
// alone, its statement locking its listings in id order (mergeLines sorts
// them), since in a batch it would lock them out of the batch's order:
// behind the first line of a later reservation, while that reservation's
// listing is locked before it, so that a batch could wait in a circle with
// a confirmation or another process's batch, which Postgres breaks only
// after deadlock_timeout (a second of each checkout in the batch).
func (s *Service) Reserve(ctx context.Context, r catalog.Reservation) (err error) {
	ctx, span := tracing.Start(ctx, "catalog.Reserve", attribute.Int64("order.id", r.OrderID))
	defer func() { tracing.End(span, err) }()
	res, err := prepare(r)
	if err != nil {
		return err
	}
	if len(res.lines) > 1 {
		err = s.reserveAlone(ctx, res)
	} else {
		var answer error
		answer, err = s.reservations.Do(ctx, res)
		if err == nil {
			err = answer
		}
	}
	if err != nil {
		return fmt.Errorf("reserve for order %d: %w", r.OrderID, err)
	}
	return nil
}

// ReserveAll is Reserve for the reservations of several checkouts, which
// the other processes of a split shop send together: first those of one
// line, in one transaction (reserveBatch), then the others, each alone.
// It answers each as Reserve does.
func (s *Service) ReserveAll(ctx context.Context, rs []catalog.Reservation) []error {
	ctx, span := tracing.Start(ctx, "catalog.ReserveAll", attribute.Int("reservations", len(rs)))
	defer tracing.End(span, nil)
	answers := make([]error, len(rs))
	prepared := make([]reservation, len(rs))
	var batch []reservation
	var at []int
	for i, r := range rs {
		prepared[i], answers[i] = prepare(r)
		if answers[i] == nil && len(prepared[i].lines) == 1 {
			batch, at = append(batch, prepared[i]), append(at, i)
		}
	}
	if len(batch) > 0 {
		errs, err := s.reserveBatch(ctx, batch)
		for j, i := range at {
			if err != nil {
				answers[i] = err
			} else {
				answers[i] = errs[j]
			}
		}
	}
	for i, res := range prepared {
		if answers[i] == nil && len(res.lines) > 1 {
			answers[i] = s.reserveAlone(ctx, res)
		}
	}
	for i, err := range answers {
		if err != nil {
			answers[i] = fmt.Errorf("reserve for order %d: %w", rs[i].OrderID, err)
		}
	}
	return answers
}

// prepare is the reservation of r, its lines merged.
func prepare(r catalog.Reservation) (reservation, error) {
	lines, err := mergeLines(r.Lines)
	if err != nil {
		return reservation{}, err
	}
	p := dbsqlc.ReserveParams{OrderID: r.OrderID, BuyerID: int64(r.BuyerID)}
	for _, l := range lines {
		p.BookIds = append(p.BookIds, int64(l.BookID))
		p.Quantities = append(p.Quantities, int32(l.Quantity))
		p.Prices = append(p.Prices, l.PriceCents)
		p.SellerIds = append(p.SellerIds, int64(l.SellerID))
		p.Titles = append(p.Titles, l.Title)
	}
	return reservation{params: p, buyer: r.BuyerID, lines: lines}, nil
}

// reserveBatch is the batch of s.reservations, each of one line. It holds
// them all in one transaction, in the order of their listings, so that
// batches in two processes lock listings in one order, as a confirmation
// does (see ConfirmHolds) and a reservation of several lines: they never
// wait for each other in a circle. When any cannot be held, was held
// before (a replay) or lost a race, the transaction holds nothing, and
// each is tried alone for its own answer.
// No caller's cancellation reaches the batch (s.reservations is
// detached), so a buyer who leaves fails no one else's checkout.
func (s *Service) reserveBatch(ctx context.Context, rs []reservation) ([]error, error) {
	answers := make([]error, len(rs))
	if len(rs) > 1 {
		ps := make([]dbsqlc.ReserveParams, len(rs))
		for i, r := range rs {
			ps[i] = r.params
		}
		slices.SortStableFunc(ps, func(a, b dbsqlc.ReserveParams) int { return cmp.Compare(a.BookIds[0], b.BookIds[0]) })
		if s.reserveAll(ctx, ps) == nil {
			return answers, nil
		}
	}
	for i, r := range rs {
		answers[i] = s.reserveAlone(ctx, r)
	}
	return answers, nil
}

// reserveAlone holds one reservation and tells why it could not.
func (s *Service) reserveAlone(ctx context.Context, r reservation) error {
	var err error
	for range reserveAttempts {
		err = s.reserveAll(ctx, []dbsqlc.ReserveParams{r.params})
		var pgErr *pgconn.PgError
		switch {
		case err == nil:
			return nil
		case !errors.As(err, &pgErr):
		case pgErr.Code == "23505" && pgErr.TableName == "holds":
			return nil // the order holds (or held) its copies already
		case pgErr.Code == "23502" && pgErr.ColumnName == "state":
			// A replay whose lines no longer fit fails the NOT NULL
			// check before it reaches the key: look for the hold first.
			if _, err = s.q.GetHold(ctx, s.pool, r.params.OrderID); err == nil {
				return nil
			}
			if isNoRows(err) {
				err = s.whyNotReserved(ctx, r.buyer, r.lines)
			}
		case pgErr.Code == "40P01" || pgErr.Code == "40001":
			continue
		}
		if err != nil {
			return err
		}
	}
	return fmt.Errorf("gave up after %d attempts", reserveAttempts)
}

// reserveAll runs the Reserve statements of ps in one implicit
// transaction and returns the first error, which undid them all.
func (s *Service) reserveAll(ctx context.Context, ps []dbsqlc.ReserveParams) error {
	var first error
	s.q.Reserve(ctx, s.pool, ps).Exec(func(_ int, err error) {
		if first == nil {
			first = err
		}
	})
	return first
}

// mergeLines validates lines and folds repeats of a book into one line,
// sorted by book id.
func mergeLines(lines []catalog.Line) ([]catalog.Line, error) {
	if len(lines) == 0 || len(lines) > maxReserveLines {
		return nil, apperr.ErrInvalid.WithMessage(fmt.Sprintf("an order must ask for 1 to %d books", maxReserveLines))
	}
	merged := map[catalog.BookID]catalog.Line{}
	for _, l := range lines {
		if l.Quantity < 1 || l.Quantity > maxLineQuantity {
			return nil, apperr.ErrInvalid.WithMessage(fmt.Sprintf("quantity must be between 1 and %d", maxLineQuantity)).
				WithFields(map[string]string{"quantity": fmt.Sprintf("must be between 1 and %d", maxLineQuantity)})
		}
		m, seen := merged[l.BookID]
		if seen && (m.PriceCents != l.PriceCents || m.SellerID != l.SellerID || m.Title != l.Title) {
			return nil, apperr.ErrInvalid.WithMessage(fmt.Sprintf("book %d is asked for twice with different details", l.BookID))
		}
		l.Quantity += m.Quantity
		if l.Quantity > maxLineQuantity {
			return nil, apperr.ErrInvalid.WithMessage(fmt.Sprintf("quantity must be between 1 and %d", maxLineQuantity))
		}
		merged[l.BookID] = l
	}
	out := make([]catalog.Line, 0, len(merged))
	for _, l := range merged {
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b catalog.Line) int { return cmp.Compare(a.BookID, b.BookID) })
	return out, nil
}

// whyNotReserved names the first line that cannot be held and why. It
// returns nil when every line fits now (the listing changed back
// meanwhile), so the caller tries again.
func (s *Service) whyNotReserved(ctx context.Context, buyer auth.UserID, lines []catalog.Line) error {
	ids := make([]int64, len(lines))
	for i, l := range lines {
		ids[i] = int64(l.BookID)
	}
	books, err := s.booksByIDs(ctx, ids)
	if err != nil {
		return err
	}
	for _, l := range lines {
		b, ok := books[l.BookID]
		switch {
		case !ok:
			return catalog.ErrNotForSale.WithMessage(fmt.Sprintf("book %d is not for sale", l.BookID))
		case b.Status != catalog.StatusActive || b.Hidden:
			return catalog.ErrNotForSale.WithMessage(text.Quote(b.Title) + " is not for sale right now")
		case b.SellerID == buyer:
			return catalog.ErrOwnListing.WithMessage(text.Quote(b.Title) + " is your own listing; you cannot buy it")
		case b.PriceCents != l.PriceCents:
			return catalog.ErrChanged.WithMessage(fmt.Sprintf("the price of %s changed from %s to %s", text.Quote(b.Title), view.Money(l.PriceCents), view.Money(b.PriceCents)))
		case b.Title != l.Title || b.SellerID != l.SellerID:
			return catalog.ErrChanged.WithMessage(fmt.Sprintf("the listing %s changed (it was %s)", text.Quote(b.Title), text.Quote(l.Title)))
		case b.Available < l.Quantity:
			return catalog.ErrOutOfStock.WithMessage(fmt.Sprintf("only %d %s of %s %s available", b.Available, text.Plural(b.Available, "copy", "copies"), text.Quote(b.Title), text.Plural(b.Available, "is", "are")))
		}
	}
	return nil
}

// Release implements catalog.Service in one statement: only the call that
// moves the hold from held returns copies.
func (s *Service) Release(ctx context.Context, orderID int64) (err error) {
	ctx, span := tracing.Start(ctx, "catalog.Release", attribute.Int64("order.id", orderID))
	defer func() { tracing.End(span, err) }()
	if _, err := s.q.ReleaseHold(ctx, s.pool, orderID); err != nil {
		return fmt.Errorf("release order %d: %w", orderID, err)
	}
	return nil
}

// Confirm implements catalog.Service in one statement for the whole batch
// (see the ConfirmHolds query). Only an order it could not move is looked
// at again, by a second read: a hold a concurrent call confirmed is not
// reported. A deadlock with a reservation that locks the same listings in
// another order is retried, as the statement is undone whole.
func (s *Service) Confirm(ctx context.Context, orderIDs []int64) (notHeld []int64, err error) {
	ctx, span := tracing.Start(ctx, "catalog.Confirm", attribute.Int("orders", len(orderIDs)))
	defer func() { tracing.End(span, err) }()
	if len(orderIDs) > catalog.MaxConfirm {
		return nil, apperr.ErrInvalid.WithMessage(fmt.Sprintf("confirm at most %d orders at once", catalog.MaxConfirm))
	}
	if len(orderIDs) == 0 {
		return nil, nil
	}
	var unsure []int64
	for range reserveAttempts {
		unsure, err = s.q.ConfirmHolds(ctx, s.pool, orderIDs)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || (pgErr.Code != "40P01" && pgErr.Code != "40001") {
			break
		}
	}
	if err == nil && len(unsure) > 0 {
		notHeld, err = s.q.UnconfirmedHolds(ctx, s.pool, unsure)
	}
	if err != nil {
		return nil, fmt.Errorf("confirm %d orders: %w", len(orderIDs), err)
	}
	return notHeld, nil
}

// HeldOrders implements catalog.Service.
func (s *Service) HeldOrders(ctx context.Context, after int64, limit int) ([]int64, error) {
	if limit < 1 || limit > catalog.MaxHeldPage {
		return nil, apperr.ErrInvalid.WithMessage(fmt.Sprintf("limit must be between 1 and %d", catalog.MaxHeldPage))
	}
	ids, err := s.q.HeldOrders(ctx, s.pool, dbsqlc.HeldOrdersParams{After: after, Lim: int32(limit)})
	if err != nil {
		return nil, fmt.Errorf("held orders: %w", err)
	}
	return ids, nil
}

// HoldStats counts the orders holding copies and the copies they hold.
func (s *Service) HoldStats(ctx context.Context) (dbsqlc.HoldStatsRow, error) {
	return s.q.HoldStats(ctx, s.pool)
}
