package authtest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
)

// Feed is the accounts change feed (auth.Service.UserChanges) as a list a
// test writes, for the modules that copy it: any user, in any state, with
// no accounts behind it. ExerciseFeed holds it to the real feed's paging.
type Feed struct{ changes []auth.UserChange }

// Add records a change to u.
func (f *Feed) Add(u auth.User) {
	f.changes = append(f.changes, auth.UserChange{Seq: int64(len(f.changes) + 1), User: u})
}

// UserChanges reads the feed as auth.Service.UserChanges does.
func (f *Feed) UserChanges(_ context.Context, after int64, limit int) ([]auth.UserChange, error) {
	limit = min(max(limit, 1), service.MaxChanges)
	out := []auth.UserChange{}
	for _, c := range f.changes {
		if c.Seq > after && len(out) < limit {
			out = append(out, c)
		}
	}
	return out, nil
}

// ExerciseFeed is the contract of the change feed that the real one and
// Feed share: changes come in order after a position, at most limit of
// them (at least one however small the limit). newFeed returns the feed
// and a function that records a change to a new user with that email.
func ExerciseFeed(t *testing.T, newFeed func(t *testing.T) (changes func(ctx context.Context, after int64, limit int) ([]auth.UserChange, error), add func(email string))) {
	t.Helper()
	ctx := context.Background()
	changes, add := newFeed(t)
	emails := []string{"ann@example.com", "bob@example.com", "cat@example.com"}
	for _, e := range emails {
		add(e)
	}
	all, err := changes(ctx, 0, 100)
	require.NoError(t, err)
	require.Len(t, all, 3)
	for i, c := range all {
		require.Equal(t, emails[i], c.User.Email)
		if i > 0 {
			require.Less(t, all[i-1].Seq, c.Seq, "in order")
		}
	}
	later, err := changes(ctx, all[0].Seq, 100)
	require.NoError(t, err)
	require.Equal(t, all[1:], later, "only the changes after the position")
	first, err := changes(ctx, 0, 2)
	require.NoError(t, err)
	require.Equal(t, all[:2], first, "at most limit")
	one, err := changes(ctx, -5, 0)
	require.NoError(t, err)
	require.Equal(t, all[:1], one, "a limit below one reads one; a position below zero is the start")
	none, err := changes(ctx, all[2].Seq, 10)
	require.NoError(t, err)
	require.Empty(t, none)
}
