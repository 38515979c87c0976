package service

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/dbsqlc"
	"github.com/bookstore/bookstore/modules/catalog/internal/jobs"
	"github.com/bookstore/bookstore/platform/apperr"
)

const sellersCursor = "auth.user_changes"

// syncBatch is how many changes one transaction applies.
const syncBatch = 500

// SyncSellers copies users' names and disabled flags from the change feed
// into catalog.sellers, from the stored cursor on. The feed may be another
// process, so it is read outside any transaction; then the batch and the
// cursor's move commit together, and the move is a compare-and-set from
// the position the batch was read after. Two runners never apply an older
// change over a newer one (the loser's move matches nothing and its batch
// is dropped), and a crash replays at most one batch (upserts are
// idempotent). It returns how many changes it applied.
func (s *Service) SyncSellers(ctx context.Context, changes jobs.UserChangesFunc) (int, error) {
	total := 0
	for {
		from, err := s.q.GetCursor(ctx, s.pool, sellersCursor)
		if err != nil {
			return total, fmt.Errorf("sync sellers: %w", err)
		}
		batch, err := changes(ctx, from, syncBatch)
		if err != nil {
			return total, fmt.Errorf("sync sellers: read user changes: %w", err)
		}
		if len(batch) == 0 {
			return total, nil
		}
		moved := false
		err = s.inTx(ctx, func(tx pgx.Tx) error {
			to := from
			for _, c := range batch {
				to = max(to, c.Seq)
			}
			n, err := s.q.MoveCursor(ctx, tx, dbsqlc.MoveCursorParams{Name: sellersCursor, Position: to, FromPosition: from})
			if err != nil || n == 0 {
				return err
			}
			for _, c := range batch {
				if err := s.q.UpsertSeller(ctx, tx, dbsqlc.UpsertSellerParams{ID: int64(c.User.ID), Name: c.User.Name, Disabled: c.User.Disabled, MemberSince: timePtr(c.User.CreatedAt)}); err != nil {
					return err
				}
			}
			moved = true
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("sync sellers: %w", err)
		}
		if moved {
			total += len(batch)
		}
		if moved && len(batch) < syncBatch {
			return total, nil
		}
	}
}

// SetSellerStats implements catalog.Service.
func (s *Service) SetSellerStats(ctx context.Context, st catalog.SellerStats) error {
	if st.SellerID <= 0 || st.Ratings < 0 || st.Sales < 0 || st.RatingSum < st.Ratings || st.RatingSum > 5*st.Ratings || st.Version <= 0 {
		return apperr.ErrInvalid.WithMessage(fmt.Sprintf("seller stats out of range: %+v", st))
	}
	err := s.q.SetSellerStats(ctx, s.pool, dbsqlc.SetSellerStatsParams{
		ID: int64(st.SellerID), Ratings: int32(st.Ratings), RatingSum: int32(st.RatingSum), Sales: int32(st.Sales), StatsVersion: st.Version,
	})
	if err != nil {
		return fmt.Errorf("set stats of seller %d: %w", st.SellerID, err)
	}
	return nil
}

// SellerOnSale implements catalog.Service.
func (s *Service) SellerOnSale(ctx context.Context, seller auth.UserID, page, perPage int) (catalog.SellerPage, error) {
	if page < 1 || page > MaxPage || perPage < 1 || perPage > catalog.MaxSellerPage {
		return catalog.SellerPage{}, apperr.ErrInvalid.WithMessage(fmt.Sprintf("page must be 1 to %d and per page 1 to %d", MaxPage, catalog.MaxSellerPage))
	}
	r, err := s.q.GetSeller(ctx, s.pool, int64(seller))
	if isNoRows(err) {
		return catalog.SellerPage{}, catalog.ErrNotFound
	}
	if err != nil {
		return catalog.SellerPage{}, fmt.Errorf("seller %d: %w", seller, err)
	}
	rows, err := s.q.SellerOnSale(ctx, s.pool, dbsqlc.SellerOnSaleParams{SellerID: int64(seller), Lim: int32(perPage + 1), Off: int32((page - 1) * perPage)})
	if err != nil {
		return catalog.SellerPage{}, fmt.Errorf("listings of seller %d: %w", seller, err)
	}
	out := catalog.SellerPage{Seller: catalog.Seller{ID: seller, Name: r.Name, Disabled: r.Disabled}, Listings: []catalog.Book{}}
	if out.Seller.Name == "" {
		out.Seller.Name = fmt.Sprintf("Seller #%d", seller)
	}
	if r.MemberSince != nil {
		out.Seller.MemberSince = *r.MemberSince
	}
	if out.HasNext = len(rows) > perPage; out.HasNext {
		rows = rows[:perPage]
	}
	for _, b := range rows {
		out.Listings = append(out.Listings, publicBook(b))
	}
	return out, nil
}

// timePtr is nil for the zero time, which means unknown.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
