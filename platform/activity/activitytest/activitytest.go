// Package activitytest gives tests of the Activity page another module's
// activity log without that module.
package activitytest

import (
	"context"
	"strings"

	"github.com/bookstore/bookstore/platform/activity"
)

// Log is module's log holding entries, newest first, which it filters as a
// module's query does (the action; the text in the actor's name or the
// subject's label, any case; the limit).
func Log(module string, entries ...activity.Entry) *activity.LocalLog {
	return activity.NewLocal(module, func(_ context.Context, f activity.Filter) ([]activity.Entry, error) {
		var out []activity.Entry
		for _, e := range entries {
			text := strings.ToLower(e.ActorName + "\n" + e.SubjectLabel)
			if (f.Action == "" || e.Action == f.Action) && strings.Contains(text, strings.ToLower(f.Text)) && len(out) < f.Limit {
				out = append(out, e)
			}
		}
		return out, nil
	})
}
