package service

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog/internal/dbsqlc"
)

// UserChangesFunc reads the accounts module's change feed
// (auth.Service.UserChanges).
type UserChangesFunc func(ctx context.Context, after int64, limit int) ([]auth.UserChange, error)

const sellersCursor = "auth.user_changes"

// syncBatch is how many changes one transaction applies.
const syncBatch = 500

// SyncSellers copies users' names and disabled flags from the change feed
// into catalog.sellers, from the stored cursor on. Each batch and its
// cursor move commit together while the cursor row is locked, so two
// runners never apply an older change over a newer one, and a crash
// replays at most one batch (upserts are idempotent). It returns how many
// changes it applied.
func (s *Service) SyncSellers(ctx context.Context, changes UserChangesFunc) (int, error) {
	total := 0
	for {
		n := 0
		err := s.inTx(ctx, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO catalog.cursors (name, position) VALUES ($1, 0) ON CONFLICT DO NOTHING", sellersCursor); err != nil {
				return err
			}
			pos, err := s.q.GetCursor(ctx, tx, sellersCursor)
			if err != nil {
				return err
			}
			batch, err := changes(ctx, pos, syncBatch)
			if err != nil {
				return fmt.Errorf("read user changes: %w", err)
			}
			for _, c := range batch {
				if err := s.q.UpsertSeller(ctx, tx, dbsqlc.UpsertSellerParams{ID: int64(c.User.ID), Name: c.User.Name, Disabled: c.User.Disabled}); err != nil {
					return err
				}
				pos = max(pos, c.Seq)
			}
			n = len(batch)
			return s.q.SetCursor(ctx, tx, dbsqlc.SetCursorParams{Name: sellersCursor, Position: pos})
		})
		if err != nil {
			return total, fmt.Errorf("sync sellers: %w", err)
		}
		total += n
		if n < syncBatch {
			return total, nil
		}
	}
}
