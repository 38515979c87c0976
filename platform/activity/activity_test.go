package activity_test

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/activity/activitytest"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

// TestLog_Contract runs the Activity page's view of a module's log against
// the module's own and against another process's over its internal
// endpoint.
func TestLog_Contract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	at := time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.UTC)
	admin := int64(3)
	entries := []activity.Entry{
		{ID: 2, At: at, ActorID: &admin, ActorName: "Ada", Action: activity.ListingHide, SubjectKind: "listing", SubjectID: 7, SubjectLabel: "Dune", Reason: "Counterfeit"},
		{ID: 1, At: at.Add(-time.Hour), ActorName: activity.CommandLine.Name, Action: activity.UserPromote, SubjectKind: "user", SubjectID: 9, SubjectLabel: "ann@example.com"},
	}
	for name, remote := range map[string]bool{"Local": false, "Remote": true} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			local := activitytest.Log("catalog", entries...)
			var l activity.Log = local
			if remote {
				srv := webtest.New(t, webtest.Opts{Routes: []web.Routes{activity.Routes(local)}, InternalToken: webtest.InternalToken})
				l = activity.NewRemote(rpc.New("catalog", srv.URL, webtest.InternalToken, nil))
			}
			require.Equal(t, "catalog", l.Name())

			got, err := l.List(ctx, activity.Filter{Limit: 10})
			require.NoError(t, err)
			want := []activity.Entry{entries[0], entries[1]}
			for i := range want {
				want[i].Module = "catalog"
			}
			require.Len(t, got, 2)
			for i := range got {
				require.True(t, want[i].At.Equal(got[i].At))
				got[i].At = want[i].At
			}
			require.Equal(t, want, got, "every field, an actor without an account included")

			got, err = l.List(ctx, activity.Filter{Action: activity.UserPromote, Text: "ANN", Limit: 10})
			require.NoError(t, err)
			require.Len(t, got, 1)
			require.Equal(t, int64(9), got[0].SubjectID)
			got, err = l.List(ctx, activity.Filter{Limit: 1})
			require.NoError(t, err)
			require.Len(t, got, 1)

			_, err = l.List(ctx, activity.Filter{Action: "user.delete", Limit: activity.MaxListed + 1})
			require.Equal(t, apperr.Invalid, apperr.KindOf(err))
			require.Equal(t, []string{"action", "limit"}, slices.Sorted(maps.Keys(apperr.As(err).Fields)), "a bad filter is refused field by field, across the wire too")
			_, err = l.List(ctx, activity.Filter{Text: "a\x00b", Limit: 1})
			require.Contains(t, apperr.As(err).Fields, "q")
		})
	}
}
