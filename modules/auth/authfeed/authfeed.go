// Package authfeed copies the accounts change feed (auth.Service.UserChanges)
// into another module's database, as the catalog's sellers and orders'
// recipients are, so those modules read users' names, status, addresses and
// email choices inside their own transactions, without a call to accounts.
//
// The feed may be another process, so a batch is read outside any
// transaction; then the batch and the cursor's move commit together, and
// the move is a compare-and-set from the position the batch was read
// after. Two runners never apply an older change over a newer one (the
// loser's move matches nothing and its batch is dropped), and a crash
// replays at most one batch, so applying a change must be idempotent (an
// upsert is).
package authfeed

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bookstore/bookstore/modules/auth"
)

// ChangesFunc reads the feed: auth.Service.UserChanges, local or remote.
type ChangesFunc func(ctx context.Context, after int64, limit int) ([]auth.UserChange, error)

// Batch is how many changes one transaction applies.
const Batch = 500

// Copy is a follower's side of the feed, in its own database.
type Copy struct {
	Pool *pgxpool.Pool
	// PositionFunc reads the stored cursor, 0 before the first change.
	PositionFunc func(ctx context.Context) (int64, error)
	// MoveFunc moves the cursor in tx from `from` to `to`, reporting
	// whether it was still at from.
	MoveFunc func(ctx context.Context, tx pgx.Tx, from, to int64) (bool, error)
	// ApplyFunc writes one change into the copy in tx.
	ApplyFunc func(ctx context.Context, tx pgx.Tx, c auth.UserChange) error
}

// Behind reports whether the feed holds a change after the stored cursor:
// a read of the cursor and of one change (by the feed's key), so that a
// periodic pass is queued only when there is something to copy.
func (c Copy) Behind(ctx context.Context, changes ChangesFunc) (bool, error) {
	from, err := c.PositionFunc(ctx)
	if err != nil {
		return false, fmt.Errorf("read the feed's cursor: %w", err)
	}
	next, err := changes(ctx, from, 1)
	if err != nil {
		return false, fmt.Errorf("read user changes: %w", err)
	}
	return len(next) > 0, nil
}

// Follow applies the changes after the stored cursor, a batch a
// transaction, and returns how many it applied.
func (c Copy) Follow(ctx context.Context, changes ChangesFunc) (int, error) {
	total := 0
	for {
		from, err := c.PositionFunc(ctx)
		if err != nil {
			return total, fmt.Errorf("read the feed's cursor: %w", err)
		}
		batch, err := changes(ctx, from, Batch)
		if err != nil {
			return total, fmt.Errorf("read user changes: %w", err)
		}
		if len(batch) == 0 {
			return total, nil
		}
		moved := false
		err = pgx.BeginFunc(ctx, c.Pool, func(tx pgx.Tx) error {
			to := from
			for _, ch := range batch {
				to = max(to, ch.Seq)
			}
			if moved, err = c.MoveFunc(ctx, tx, from, to); err != nil || !moved {
				return err
			}
			for _, ch := range batch {
				if err := c.ApplyFunc(ctx, tx, ch); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		if moved {
			total += len(batch)
		}
		if moved && len(batch) < Batch {
			return total, nil
		}
	}
}
