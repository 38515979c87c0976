package service

import (
	"context"
	"fmt"

	"github.com/bookstore/bookstore/modules/auth/internal/dbsqlc"
	"github.com/bookstore/bookstore/platform/activity"
)

// recordAction writes what an admin did to accounts, or a member to their
// own address, into the module's activity log. Call it with the transaction of the action itself, after
// the change, so that an action that fails or is refused records nothing
// and one that commits is always recorded.
func (s *Service) recordAction(ctx context.Context, tx dbsqlc.DBTX, r activity.Record) error {
	if err := s.q.RecordAdminAction(ctx, tx, dbsqlc.RecordAdminActionParams(r.Params())); err != nil {
		return fmt.Errorf("record %s of %s %d: %w", r.Action, r.Action.SubjectKind(), r.SubjectID, err)
	}
	return nil
}

// ActivityLog lists the module's activity log as f selects it, newest
// first: the module's activity.Log, which the Activity page's service
// reads for admins only (and other processes through the internal
// endpoint, with the shop's token). A text naming a Unicode domain also
// finds the labels that store it as A-labels, as the users' search does.
func (s *Service) ActivityLog(ctx context.Context, f activity.Filter) ([]activity.Entry, error) {
	rows, err := s.q.AdminActions(ctx, s.pool, dbsqlc.AdminActionsParams{Action: string(f.Action), Text: f.Text,
		Address: addressQuery(f.Text), Lim: int32(f.Limit)})
	if err != nil {
		return nil, fmt.Errorf("list the activity log: %w", err)
	}
	out := make([]activity.Entry, len(rows))
	for i, r := range rows {
		out[i] = activity.Row(r).Entry()
	}
	return out, nil
}
