package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/activity"
)

func (b *bundle) activity(ctx context.Context, t *testing.T) []activity.Entry {
	t.Helper()
	entries, err := b.svc.ActivityLog(ctx, activity.Filter{Limit: 100})
	require.NoError(t, err)
	return entries
}

// requireFinds checks that a search of the log for each text finds n
// entries.
func (b *bundle) requireFinds(ctx context.Context, t *testing.T, n int, texts ...string) {
	t.Helper()
	for _, q := range texts {
		found, err := b.svc.ActivityLog(ctx, activity.Filter{Text: q, Limit: 10})
		require.NoError(t, err)
		require.Len(t, found, n, q)
	}
}

func TestService_ActivityLog(t *testing.T) {
	t.Parallel()

	t.Run("DisableAndEnable", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		admin := b.admin(ctx, t)
		u, _ := b.signUp(ctx, t)
		_, err := b.svc.Disable(ctx, admin, u.ID, "  spam  ")
		require.NoError(t, err)
		got := b.activity(ctx, t)
		require.Len(t, got, 1)
		id := int64(admin.ID)
		require.Equal(t, activity.Entry{ID: got[0].ID, At: got[0].At, ActorID: &id, ActorName: "Admin", Action: activity.UserDisable,
			SubjectKind: "user", SubjectID: int64(u.ID), SubjectLabel: u.Email, Reason: "spam"}, got[0])

		_, err = b.svc.Disable(ctx, admin, u.ID, "another reason")
		require.NoError(t, err)
		require.Len(t, b.activity(ctx, t), 1, "disabling a disabled account changes nothing, so records nothing")

		_, err = b.svc.Enable(ctx, admin, u.ID)
		require.NoError(t, err)
		got = b.activity(ctx, t)
		require.Len(t, got, 2)
		require.Equal(t, []activity.Action{activity.UserEnable, activity.UserDisable}, []activity.Action{got[0].Action, got[1].Action}, "newest first")
		require.Empty(t, got[0].Reason)
	})

	t.Run("ReasonLineBreaksCountOnce", func(t *testing.T) {
		// A browser sends a text area's line breaks as CRLF and counts each
		// as one character: a reason at the limit by its count is taken,
		// and stored with LF.
		t.Parallel()
		ctx, b := setup(t, nil)
		admin := b.admin(ctx, t)
		u, _ := b.signUp(ctx, t)
		reason := strings.Repeat("Spam\r\n", service.MaxDisableReason/5-1) + "Spam!"
		got, err := b.svc.Disable(ctx, admin, u.ID, reason)
		require.NoError(t, err)
		require.Equal(t, strings.ReplaceAll(reason, "\r\n", "\n"), got.DisabledReason)
	})

	t.Run("RefusedRecordsNothing", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		admin := b.admin(ctx, t)
		u, _ := b.signUp(ctx, t)
		_, err := b.svc.Disable(ctx, admin, admin.ID, "myself")
		require.ErrorIs(t, err, service.ErrSelf)
		_, err = b.svc.Disable(ctx, admin, u.ID, " ")
		require.ErrorIs(t, err, service.ErrInvalid)
		_, err = b.svc.Disable(ctx, u, admin.ID, "revenge")
		require.ErrorIs(t, err, auth.ErrForbidden)
		_, err = b.svc.Disable(ctx, admin, u.ID+1000, "nobody")
		require.ErrorIs(t, err, auth.ErrNotFound)
		require.Empty(t, b.activity(ctx, t))
	})

	t.Run("PromoteIsTheCommandLines", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, _ := b.signUp(ctx, t)
		_, err := b.svc.Promote(ctx, u.Email)
		require.NoError(t, err)
		_, err = b.svc.Promote(ctx, u.Email)
		require.NoError(t, err)
		got := b.activity(ctx, t)
		require.Len(t, got, 1, "promoting an admin changes nothing, so records nothing")
		require.Nil(t, got[0].ActorID, "no account acted")
		require.Equal(t, activity.CommandLine.Name, got[0].ActorName)
		require.Equal(t, []any{activity.UserPromote, int64(u.ID), u.Email}, []any{got[0].Action, got[0].SubjectID, got[0].SubjectLabel})
	})

	t.Run("RolesByAnAdminAndTheCommandLine", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		admin := b.admin(ctx, t)
		b.admin(ctx, t) // who keeps the shop once the command demotes admin
		u, _ := b.signUp(ctx, t)
		_, err := b.svc.SetRole(ctx, admin, u.ID, auth.RoleAdmin)
		require.NoError(t, err)
		_, err = b.svc.SetRole(ctx, admin, u.ID, auth.RoleAdmin)
		require.ErrorIs(t, err, service.ErrRoleConflict)
		_, err = b.svc.SetRole(ctx, admin, admin.ID, auth.RoleMember)
		require.ErrorIs(t, err, service.ErrSelf)
		_, err = b.svc.SetRole(ctx, admin, u.ID, auth.RoleMember)
		require.NoError(t, err)
		_, err = b.svc.Demote(ctx, admin.Email)
		require.NoError(t, err)
		_, err = b.svc.Demote(ctx, admin.Email)
		require.NoError(t, err)

		got := b.activity(ctx, t)
		require.Len(t, got, 3, "refused changes, and a demotion of a member, record nothing")
		id := int64(admin.ID)
		for i, want := range []struct {
			actor  *int64
			name   string
			action activity.Action
			who    auth.User
		}{
			{nil, activity.CommandLine.Name, activity.UserDemote, admin},
			{&id, admin.Name, activity.UserDemote, u},
			{&id, admin.Name, activity.UserPromote, u},
		} {
			require.Equal(t, []any{want.actor, want.name, want.action, int64(want.who.ID), want.who.Email},
				[]any{got[i].ActorID, got[i].ActorName, got[i].Action, got[i].SubjectID, got[i].SubjectLabel}, "entry %d, newest first", i)
		}
	})

	t.Run("AdminCreatedByTheCommandLine", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		b.admin(ctx, t)
		_, err := b.svc.CreateUser(ctx, auth.NewUser{Email: uniqueEmail(), Name: "Member", Password: pw, Actor: activity.CommandLine})
		require.NoError(t, err)
		require.Empty(t, b.activity(ctx, t), "a factory's admin, made by no one, and a member record nothing")

		u, err := b.svc.CreateUser(ctx, auth.NewUser{Email: uniqueEmail(), Name: "Boss", Password: pw, Admin: true, Actor: activity.CommandLine})
		require.NoError(t, err)
		_, err = b.svc.CreateUser(ctx, auth.NewUser{Email: u.Email, Name: "Boss again", Password: pw, Admin: true, Actor: activity.CommandLine})
		require.ErrorIs(t, err, service.ErrInvalid)
		got := b.activity(ctx, t)
		require.Len(t, got, 1, "a refused account records nothing")
		require.Equal(t, activity.Entry{ID: got[0].ID, At: got[0].At, ActorName: activity.CommandLine.Name, Action: activity.UserPromote,
			SubjectKind: "user", SubjectID: int64(u.ID), SubjectLabel: u.Email}, got[0])
	})

	// A member's own change of address is in the log where admins look,
	// once its link is opened: who, when, and from which address to
	// which; a search for either address finds it, a Unicode domain as
	// typed too.
	t.Run("OwnAddressChange", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, _ := b.signUp(ctx, t)
		const typed, stored = "anna@bücher.example", "anna@xn--bcher-kva.example"
		_, err := b.svc.RequestEmailChange(ctx, u.ID, service.ChangeEmailInput{Email: typed, Password: pw})
		require.NoError(t, err)
		require.Empty(t, b.activity(ctx, t), "nothing changed before the link is opened")
		before := time.Now()
		_, _, err = b.svc.ConfirmEmailChange(ctx, service.ConfirmEmailChangeInput{Token: token(t, b.emailsTo(t, stored)[0], service.ChangePath)})
		require.NoError(t, err)

		got := b.activity(ctx, t)
		require.Len(t, got, 1)
		id := int64(u.ID)
		require.Equal(t, activity.Entry{ID: got[0].ID, At: got[0].At, ActorID: &id, ActorName: u.Name, Action: activity.UserChangeEmail,
			SubjectKind: "user", SubjectID: id, SubjectLabel: u.Email + " → " + stored}, got[0])
		require.WithinDuration(t, before, got[0].At, time.Minute)
		b.requireFinds(ctx, t, 1, u.Email, stored, typed, "BÜCHER.example", "Ada")
		found, err := b.svc.ActivityLog(ctx, activity.Filter{Action: activity.UserChangeEmail, Limit: 10})
		require.NoError(t, err)
		require.Len(t, found, 1)
	})

	// An account acted on under a Unicode domain, stored as A-labels, is
	// found by the domain as typed.
	t.Run("FindsAUnicodeDomainAsTyped", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		admin := b.admin(ctx, t)
		u, _, err := b.svc.SignUp(ctx, service.SignUpInput{Email: "müller@bücher.example", Name: "Müller", Password: pw})
		require.NoError(t, err)
		_, err = b.svc.Disable(ctx, admin, u.ID, "spam")
		require.NoError(t, err)
		b.requireFinds(ctx, t, 1, "bücher", "bücher.example", "müller@bücher.example", "MÜLLER@BÜCHER.EXAMPLE", "xn--bcher-kva")
		b.requireFinds(ctx, t, 0, "büchers")
	})

	t.Run("Filters", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		admin := b.admin(ctx, t)
		u, _ := b.signUp(ctx, t)
		v, _ := b.signUp(ctx, t)
		for _, id := range []auth.UserID{u.ID, v.ID} {
			_, err := b.svc.Disable(ctx, admin, id, "spam")
			require.NoError(t, err)
		}
		_, err := b.svc.Enable(ctx, admin, u.ID)
		require.NoError(t, err)
		got, err := b.svc.ActivityLog(ctx, activity.Filter{Action: activity.UserDisable, Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []string{v.Email, u.Email}, []string{got[0].SubjectLabel, got[1].SubjectLabel})
		got, err = b.svc.ActivityLog(ctx, activity.Filter{Text: v.Email[:len(v.Email)-len("@example.com")], Limit: 10})
		require.NoError(t, err)
		require.Len(t, got, 1)
		require.Equal(t, v.Email, got[0].SubjectLabel)
		got, err = b.svc.ActivityLog(ctx, activity.Filter{Text: "ADMIN", Limit: 2})
		require.NoError(t, err)
		require.Len(t, got, 2, "the admin's name, any case, within the limit")
		got, err = b.svc.ActivityLog(ctx, activity.Filter{Text: "%", Limit: 10})
		require.NoError(t, err)
		require.Empty(t, got, "% is a plain character")
	})
}
