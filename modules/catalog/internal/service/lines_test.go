package service_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog/internal/service"
)

// TestService_LineBreaksCountOnce: a browser sends a text area's line
// breaks as CRLF and counts each as one character, as it counts 😀 as
// one; the shop counts them so, and stores LF, so that a text the browser
// let through at the limit is not refused.
func TestService_LineBreaksCountOnce(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	in := validInput()
	in.Description = strings.Repeat("😀😀😀\r\n", service.MaxDescription/4-1) + "😀😀😀😀"
	in.ConditionNote = strings.Repeat("ab\r", service.MaxNote/3) + strings.Repeat("x", service.MaxNote%3)
	l, err := b.svc.Create(ctx, b.seller, in)
	require.NoError(t, err)
	require.Equal(t, strings.ReplaceAll(in.Description, "\r\n", "\n"), l.Description)
	require.Equal(t, strings.ReplaceAll(in.ConditionNote, "\r", "\n"), l.ConditionNote, "a lone CR is a line break too")

	reason := strings.Repeat("Fake\r\n", service.MaxHideReason/5)
	reason = reason[:len(reason)-2] + "!"
	require.NoError(t, b.svc.Hide(ctx, b.admin, l.ID, reason))
	got, err := b.svc.Listing(ctx, l.ID)
	require.NoError(t, err)
	require.Equal(t, strings.ReplaceAll(reason, "\r\n", "\n"), got.HiddenReason)
	require.Len(t, []rune(got.HiddenReason), service.MaxHideReason, "at the limit exactly")
}
