package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel/attribute"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/dbsqlc"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/text"
	"github.com/bookstore/bookstore/platform/tracing"
)

// Hold states.
const (
	holdHeld      = "held"
	holdReleased  = "released"
	holdConfirmed = "confirmed"
)

// maxLineQuantity bounds one line, as copies of a listing are at most 999.
const maxLineQuantity = 999

// Reserve implements catalog.Service. Inserting the order's hold row is the
// idempotency key: a concurrent or later repeat finds it and returns nil.
// Lines are taken in book id order, so two orders never wait on each other
// in a cycle.
func (s *Service) Reserve(ctx context.Context, orderID int64, lines []catalog.Line) (err error) {
	ctx, span := tracing.Start(ctx, "catalog.Reserve", attribute.Int64("order.id", orderID))
	defer func() { tracing.End(span, err) }()
	merged, err := mergeLines(lines)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		started, err := s.q.StartHold(ctx, tx, orderID)
		if err != nil {
			return err
		}
		if started == 0 {
			return nil
		}
		for _, l := range merged {
			n, err := s.q.ReserveStock(ctx, tx, dbsqlc.ReserveStockParams{N: int32(l.Quantity), ID: int64(l.BookID)})
			if err != nil {
				return err
			}
			if n == 0 {
				return s.whyNotReserved(ctx, tx, l)
			}
			if err := s.q.AddHoldLine(ctx, tx, dbsqlc.AddHoldLineParams{OrderID: orderID, BookID: int64(l.BookID), Quantity: int32(l.Quantity)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reserve for order %d: %w", orderID, err)
	}
	return nil
}

// mergeLines validates lines and folds repeats of a book into one line,
// sorted by book id.
func mergeLines(lines []catalog.Line) ([]catalog.Line, error) {
	if len(lines) == 0 {
		return nil, apperr.ErrInvalid.WithMessage("an order must ask for at least one book")
	}
	qty := map[catalog.BookID]int{}
	for _, l := range lines {
		if l.Quantity < 1 || l.Quantity > maxLineQuantity {
			return nil, apperr.ErrInvalid.WithMessage(fmt.Sprintf("quantity must be between 1 and %d", maxLineQuantity)).
				WithFields(map[string]string{"quantity": fmt.Sprintf("must be between 1 and %d", maxLineQuantity)})
		}
		qty[l.BookID] += l.Quantity
	}
	out := make([]catalog.Line, 0, len(qty))
	for id, q := range qty {
		if q > maxLineQuantity {
			return nil, apperr.ErrInvalid.WithMessage(fmt.Sprintf("quantity must be between 1 and %d", maxLineQuantity))
		}
		out = append(out, catalog.Line{BookID: id, Quantity: q})
	}
	slices.SortFunc(out, func(a, b catalog.Line) int { return cmp.Compare(a.BookID, b.BookID) })
	return out, nil
}

// whyNotReserved names the book and the reason a conditional decrement
// matched no row.
func (s *Service) whyNotReserved(ctx context.Context, tx pgx.Tx, l catalog.Line) error {
	b, err := s.q.GetBook(ctx, tx, int64(l.BookID))
	if isNoRows(err) {
		return catalog.ErrNotForSale.WithMessage(fmt.Sprintf("book %d is not for sale", l.BookID))
	}
	if err != nil {
		return err
	}
	pb := publicBook(b)
	if pb.Status != catalog.StatusActive || pb.Hidden {
		return catalog.ErrNotForSale.WithMessage(fmt.Sprintf("%q is not for sale right now", b.Title))
	}
	return catalog.ErrOutOfStock.WithMessage(fmt.Sprintf("only %d %s of %q %s available", b.Available, text.Plural(int(b.Available), "copy", "copies"), b.Title, text.Plural(int(b.Available), "is", "are")))
}

// Release implements catalog.Service. The conditional state change is the
// guard: only the call that moves the hold from held returns copies.
func (s *Service) Release(ctx context.Context, orderID int64) (err error) {
	ctx, span := tracing.Start(ctx, "catalog.Release", attribute.Int64("order.id", orderID))
	defer func() { tracing.End(span, err) }()
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		n, err := s.q.SetHoldState(ctx, tx, dbsqlc.SetHoldStateParams{OrderID: orderID, OldState: holdHeld, NewState: holdReleased})
		if err != nil || n == 0 {
			return err
		}
		return s.moveHeld(ctx, tx, orderID, s.q.ReleaseStock)
	})
	if err != nil {
		return fmt.Errorf("release order %d: %w", orderID, err)
	}
	return nil
}

// Confirm implements catalog.Service.
func (s *Service) Confirm(ctx context.Context, orderID int64) (err error) {
	ctx, span := tracing.Start(ctx, "catalog.Confirm", attribute.Int64("order.id", orderID))
	defer func() { tracing.End(span, err) }()
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		n, err := s.q.SetHoldState(ctx, tx, dbsqlc.SetHoldStateParams{OrderID: orderID, OldState: holdHeld, NewState: holdConfirmed})
		if err != nil {
			return err
		}
		if n == 0 {
			h, err := s.q.GetHold(ctx, tx, orderID)
			if isNoRows(err) || (err == nil && h.State != holdConfirmed) {
				return catalog.ErrNotHeld
			}
			return err
		}
		return s.moveHeld(ctx, tx, orderID, func(ctx context.Context, db dbsqlc.DBTX, p dbsqlc.ReleaseStockParams) (int64, error) {
			return s.q.ConfirmStock(ctx, db, dbsqlc.ConfirmStockParams(p))
		})
	})
	if err != nil {
		return fmt.Errorf("confirm order %d: %w", orderID, err)
	}
	return nil
}

// moveHeld applies move to every line of the order, in book id order.
func (s *Service) moveHeld(ctx context.Context, tx pgx.Tx, orderID int64, move func(context.Context, dbsqlc.DBTX, dbsqlc.ReleaseStockParams) (int64, error)) error {
	lines, err := s.q.HoldLines(ctx, tx, orderID)
	if err != nil {
		return err
	}
	for _, l := range lines {
		n, err := move(ctx, tx, dbsqlc.ReleaseStockParams{N: l.Quantity, ID: l.BookID})
		if err != nil {
			return err
		}
		if n != 1 {
			// held counts every live hold line; a mismatch is a bug that
			// must not be papered over.
			return fmt.Errorf("book %d holds fewer copies than order %d's line", l.BookID, orderID)
		}
	}
	return nil
}

// HeldOrders implements catalog.Service.
func (s *Service) HeldOrders(ctx context.Context) ([]int64, error) {
	ids, err := s.q.HeldOrders(ctx, s.pool)
	if err != nil {
		return nil, fmt.Errorf("held orders: %w", err)
	}
	return ids, nil
}

// HoldStats counts the orders holding copies and the copies they hold.
func (s *Service) HoldStats(ctx context.Context) (dbsqlc.HoldStatsRow, error) {
	return s.q.HoldStats(ctx, s.pool)
}
