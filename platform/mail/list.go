package mail

import (
	"context"
	"fmt"
	"time"

	"github.com/bookstore/bookstore/platform/mail/internal/dbsqlc"
)

// Cursor is where a page of the outbox ends: the (created_at, id) of its
// last email. Pages are read after it, so an email written meanwhile never
// shifts one page's rows onto the next.
type Cursor struct {
	At time.Time `json:"at"`
	ID int64     `json:"id"`
}

// MaxPage bounds one page of the outbox.
const MaxPage = 100

// List returns up to limit emails older than before (nil: the newest),
// newest first, written by the named modules (none: every module's), as
// the Outbox page of a shop without SMTP shows them: stored emails' links
// in full, every other secret hidden.
func List(ctx context.Context, db dbsqlc.DBTX, modules []string, before *Cursor, limit int) ([]Email, error) {
	return list(ctx, db, modules, before, limit, true)
}

// list is List, showing stored emails' secrets only when reveal.
func list(ctx context.Context, db dbsqlc.DBTX, modules []string, before *Cursor, limit int, reveal bool) ([]Email, error) {
	p := dbsqlc.ListEmailsParams{Modules: modules, MaxRows: int32(min(max(limit, 1), MaxPage))}
	if len(modules) == 0 {
		p.Modules = nil
	}
	if before != nil {
		p.BeforeAt, p.BeforeID = &before.At, &before.ID
	}
	rows, err := dbsqlc.New().ListEmails(ctx, db, p)
	if err != nil {
		return nil, fmt.Errorf("list emails: %w", err)
	}
	out := make([]Email, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r).shown(reveal)
	}
	return out, nil
}
