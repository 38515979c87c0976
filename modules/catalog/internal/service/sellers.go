package service

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/bookstore/bookstore/modules/catalog/internal/dbsqlc"
	"github.com/bookstore/bookstore/modules/catalog/internal/jobs"
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
				if err := s.q.UpsertSeller(ctx, tx, dbsqlc.UpsertSellerParams{ID: int64(c.User.ID), Name: c.User.Name, Disabled: c.User.Disabled}); err != nil {
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
