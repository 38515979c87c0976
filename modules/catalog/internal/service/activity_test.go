package service_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/activity"
)

func TestService_ActivityLog(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	list := func() []activity.Entry {
		t.Helper()
		entries, err := b.svc.ActivityLog(ctx, activity.Filter{Limit: 100})
		require.NoError(t, err)
		return entries
	}
	l, err := b.svc.Create(ctx, b.seller, validInput())
	require.NoError(t, err)
	require.ErrorIs(t, b.svc.Hide(ctx, b.other, l.ID, "spam"), service.ErrNotAdmin)
	require.Contains(t, fieldsOf(t, b.svc.Hide(ctx, b.admin, l.ID, "  ")), "reason")
	require.Empty(t, list(), "a refused hide records nothing")

	require.NoError(t, b.svc.Hide(ctx, b.admin, l.ID, " Counterfeit copy "))
	got := list()
	require.Len(t, got, 1)
	id := int64(b.admin.ID)
	require.Equal(t, activity.Entry{ID: got[0].ID, At: got[0].At, ActorID: &id, ActorName: "Ada Admin", Action: activity.ListingHide,
		SubjectKind: "listing", SubjectID: int64(l.ID), SubjectLabel: "Le Petit Prince", Reason: "Counterfeit copy"}, got[0])

	require.ErrorIs(t, b.svc.Hide(ctx, b.admin, l.ID, "Rude description"), service.ErrAlreadyHidden)
	require.Len(t, list(), 1, "hiding a hidden listing (409) records nothing")

	_, _, err = b.svc.Unhide(ctx, b.admin, l.ID)
	require.NoError(t, err)
	_, wasHidden, err := b.svc.Unhide(ctx, b.admin, l.ID)
	require.NoError(t, err)
	require.False(t, wasHidden)
	got = list()
	require.Len(t, got, 2, "showing a listing shown already changes nothing, so records nothing")
	require.Equal(t, []any{activity.ListingUnhide, int64(l.ID), ""}, []any{got[0].Action, got[0].SubjectID, got[0].Reason}, "newest first")
}
