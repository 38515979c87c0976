package service

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authfeed"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/dbsqlc"
	"github.com/bookstore/bookstore/platform/apperr"
)

const sellersCursor = "auth.user_changes"

// SyncSellers copies users' names, disabled flags, notification addresses
// and email choices from the change feed into catalog.sellers (see
// authfeed for why runners and crashes are safe). It returns how many
// changes it applied.
func (s *Service) SyncSellers(ctx context.Context, changes authfeed.ChangesFunc) (int, error) {
	n, err := s.sellers().Follow(ctx, changes)
	if err != nil {
		return n, fmt.Errorf("sync sellers: %w", err)
	}
	return n, nil
}

// SellersBehind reports whether the accounts feed holds a change that
// SyncSellers has not copied.
func (s *Service) SellersBehind(ctx context.Context, changes authfeed.ChangesFunc) (bool, error) {
	behind, err := s.sellers().Behind(ctx, changes)
	if err != nil {
		return false, fmt.Errorf("sellers behind: %w", err)
	}
	return behind, nil
}

// sellers is catalog.sellers' side of the accounts feed.
func (s *Service) sellers() authfeed.Copy {
	return authfeed.Copy{
		Pool:         s.pool,
		PositionFunc: func(ctx context.Context) (int64, error) { return s.q.GetCursor(ctx, s.pool, sellersCursor) },
		MoveFunc: func(ctx context.Context, tx pgx.Tx, from, to int64) (bool, error) {
			n, err := s.q.MoveCursor(ctx, tx, dbsqlc.MoveCursorParams{Name: sellersCursor, Position: to, FromPosition: from})
			return n == 1, err
		},
		ApplyFunc: func(ctx context.Context, tx pgx.Tx, c auth.UserChange) error {
			var email *string
			if a := c.User.NotifyAddress(); a != "" {
				email = &a
			}
			return s.q.UpsertSeller(ctx, tx, dbsqlc.UpsertSellerParams{ID: int64(c.User.ID), Name: c.User.Name, Disabled: c.User.Disabled,
				MemberSince: timePtr(c.User.CreatedAt), Email: email, EmailTopics: auth.TopicNames(c.User.EmailTopics)})
		},
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
