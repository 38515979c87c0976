package service

import (
	"context"
	"fmt"
	"time"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/orders/internal/dbsqlc"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/apperr"
)

// recordAction writes what an admin did to orders, reviews, delivery
// providers and jobs into the module's activity log. Call it with the
// transaction of the action itself, after the change, so that an action
// that fails or is refused records nothing and one that commits is always
// recorded (a job's action, in its queue's database, with the pool once
// the queue confirmed it).
func (s *Service) recordAction(ctx context.Context, tx dbsqlc.DBTX, r activity.Record) error {
	if err := s.q.RecordAdminAction(ctx, tx, dbsqlc.RecordAdminActionParams(r.Params())); err != nil {
		return fmt.Errorf("record %s of %s %d: %w", r.Action, r.Action.SubjectKind(), r.SubjectID, err)
	}
	return nil
}

// ActivityLog lists the module's activity log as f selects it, newest
// first: the module's activity.Log, which the Activity page's service
// reads for admins only (and other processes through the internal
// endpoint, with the shop's token).
func (s *Service) ActivityLog(ctx context.Context, f activity.Filter) ([]activity.Entry, error) {
	rows, err := s.q.AdminActions(ctx, s.pool, dbsqlc.AdminActionsParams{Action: string(f.Action), Text: f.Text, Lim: int32(f.Limit)})
	if err != nil {
		return nil, fmt.Errorf("list the activity log: %w", err)
	}
	out := make([]activity.Entry, len(rows))
	for i, r := range rows {
		out[i] = activity.Row(r).Entry()
	}
	return out, nil
}

// Activity is a page of every module's activity log, newest first, and the
// logs that could not be read (another process of a split shop down), so
// that one unreachable module does not hide the others' entries.
type Activity struct {
	Entries    []activity.Entry
	Unreadable []string
}

// Activity lists, for admins, what admins did in every module as f selects
// it (its Limit is set from p), newest first: this module's log and the
// others' (Options.Logs), in a split shop asked over their internal
// endpoints, since each module keeps its log in its own database. A page
// is cut from their merged lists, as the jobs page's is.
func (s *Service) Activity(ctx context.Context, user auth.User, f activity.Filter, p Page) (Activity, error) {
	var out Activity
	if !user.IsAdmin() {
		return out, auth.ErrForbidden
	}
	lim, off := p.norm()
	f.Limit = int(off + lim)
	if f.Limit > activity.MaxListed {
		// Named "offset", the API's parameter; the page shows it above the
		// list, whatever its name.
		return out, apperr.ErrInvalid.WithFields(map[string]string{"offset": fmt.Sprintf("only the newest %d entries of each module are listed", activity.MaxListed)})
	}
	if err := f.Validate(); err != nil {
		return out, err
	}
	var lists [][]activity.Entry
	for _, l := range s.logs {
		entries, err := l.List(ctx, f)
		if err != nil {
			out.Unreadable = append(out.Unreadable, fmt.Sprintf("%s: %v", l.Name(), err))
			continue
		}
		lists = append(lists, entries)
	}
	out.Entries = newestFirst(lists, func(e activity.Entry) time.Time { return e.At }, int(off), int(lim))
	return out, nil
}
