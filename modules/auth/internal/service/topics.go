package service

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/dbsqlc"
)

// topicsOf reads the stored choices; a topic the code no longer knows is
// dropped rather than shown or copied.
func topicsOf(stored []string) []auth.Topic {
	out := make([]auth.Topic, 0, len(stored))
	for _, t := range auth.Topics {
		if slices.Contains(stored, string(t)) {
			out = append(out, t)
		}
	}
	return out
}

// SetEmailTopics changes the user's notification emails: a topic set true
// is chosen, false dropped, and a topic the edit does not name stays as it
// was (invariant 7: an edit changes only what it sends). An unknown topic
// is a field error. A real change goes into the users feed, from which the
// catalog and orders learn it.
func (s *Service) SetEmailTopics(ctx context.Context, id auth.UserID, edit map[auth.Topic]bool) (auth.User, error) {
	f := fields{}
	for t := range edit {
		if !slices.Contains(auth.Topics, t) {
			f.check(string(t), "there is no such email")
		}
	}
	if err := f.err(); err != nil {
		return auth.User{}, err
	}
	var u auth.User
	err := s.userTx(ctx, id, "set email topics", func(tx pgx.Tx, row dbsqlc.User) error {
		next := []string{}
		for _, t := range auth.Topics {
			on, named := edit[t]
			if (named && on) || (!named && slices.Contains(row.EmailTopics, string(t))) {
				next = append(next, string(t))
			}
		}
		if !slices.Equal(next, auth.TopicNames(topicsOf(row.EmailTopics))) {
			var err error
			if row, err = s.q.SetEmailTopics(ctx, tx, dbsqlc.SetEmailTopicsParams{EmailTopics: next, Now: s.now(), ID: row.ID}); err != nil {
				return fmt.Errorf("set email topics: %w", err)
			}
			if err := s.recordChange(ctx, tx, row.ID); err != nil {
				return err
			}
		}
		u = toUser(row)
		return nil
	})
	return u, err
}
