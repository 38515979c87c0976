package service_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
)

func TestService_SetEmailTopics(t *testing.T) {
	t.Parallel()
	ctx, b := setup(t, nil)
	u, s := b.signUp(ctx, t)
	require.Empty(t, u.NotifyAddress(), "not confirmed yet")
	changes := b.changeCount(t, u.ID)

	got, err := b.svc.SetEmailTopics(ctx, u.ID, map[auth.Topic]bool{auth.TopicOrderPlaced: false, auth.TopicOrderDelivered: true})
	require.NoError(t, err)
	want := []auth.Topic{auth.TopicOrderShipped, auth.TopicOrderDelivered, auth.TopicOrderProblem, auth.TopicSalePaid, auth.TopicSaleCancelled, auth.TopicWantMatch}
	require.Equal(t, want, got.EmailTopics, "only the named topics change")
	require.Equal(t, changes+1, b.changeCount(t, u.ID))
	id, err := b.svc.Authenticate(ctx, s.ID)
	require.NoError(t, err)
	require.Equal(t, want, id.User.EmailTopics, "the next request carries them")

	_, err = b.svc.SetEmailTopics(ctx, u.ID, map[auth.Topic]bool{auth.TopicOrderDelivered: true})
	require.NoError(t, err)
	require.Equal(t, changes+1, b.changeCount(t, u.ID), "no change, nothing for the feed")

	none := map[auth.Topic]bool{}
	for _, tp := range auth.Topics {
		none[tp] = false
	}
	got, err = b.svc.SetEmailTopics(ctx, u.ID, none)
	require.NoError(t, err)
	require.Empty(t, got.EmailTopics)
	require.False(t, got.Chooses(auth.TopicWantMatch))

	_, err = b.svc.SetEmailTopics(ctx, u.ID, map[auth.Topic]bool{"newsletter": true, auth.TopicWantMatch: true})
	require.Equal(t, map[string]string{"newsletter": "there is no such email"}, fieldsOf(t, err))
	id, err = b.svc.Authenticate(ctx, s.ID)
	require.NoError(t, err)
	require.Empty(t, id.User.EmailTopics, "a refused edit changes nothing")

	_, err = b.svc.SetEmailTopics(ctx, 1<<40, map[auth.Topic]bool{auth.TopicWantMatch: true})
	require.ErrorIs(t, err, auth.ErrNotFound)
}

// TestService_SetEmailTopicsConcurrently: two requests at once, each
// naming another topic, both start from the same topics; the second must
// apply its topic to the topics the first left, not write back the ones
// it read.
func TestService_SetEmailTopicsConcurrently(t *testing.T) {
	t.Parallel()
	ctx, b := setup(t, nil)
	u, _ := b.signUp(ctx, t)
	set := func(edit map[auth.Topic]bool) <-chan error {
		done := make(chan error, 1)
		go func() {
			_, err := b.svc.SetEmailTopics(ctx, u.ID, edit)
			done <- err
		}()
		return done
	}
	// The first change makes its update, then waits to record it in the
	// feed, as if slow to commit, while the second starts.
	release := b.holdFeed(ctx, t)
	first := set(map[auth.Topic]bool{auth.TopicOrderPlaced: false})
	awaitLockWaiters(ctx, t, b.pool, 1)
	second := set(map[auth.Topic]bool{auth.TopicWantMatch: false})
	awaitLockWaiters(ctx, t, b.pool, 2)
	release()
	for _, done := range []<-chan error{first, second} {
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			require.FailNow(t, "a change did not return")
		}
	}
	got := b.user(t, u.ID).EmailTopics
	require.NotContains(t, got, auth.TopicOrderPlaced, "the first change stays")
	require.NotContains(t, got, auth.TopicWantMatch, "the second change stays")
	require.Contains(t, got, auth.TopicOrderShipped, "a topic neither named stays")
}
