package service_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/activity/activitytest"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/riverfx"
)

// activity is the orders module's own log, newest first.
func (b *bundle) activity(t *testing.T) []activity.Entry {
	t.Helper()
	entries, err := b.svc.ActivityLog(context.Background(), activity.Filter{Limit: 100})
	require.NoError(t, err)
	return entries
}

// requireEntry checks the newest entry of the module's log, and that the
// log holds n.
func (b *bundle) requireEntry(t *testing.T, n int, action activity.Action, subjectID int64, label, reason string) {
	t.Helper()
	got := b.activity(t)
	require.Len(t, got, n)
	id := int64(b.admin.ID)
	require.Equal(t, activity.Entry{ID: got[0].ID, At: got[0].At, ActorID: &id, ActorName: "Admin", Action: action,
		SubjectKind: action.SubjectKind(), SubjectID: subjectID, SubjectLabel: label, Reason: reason}, got[0])
}

func TestService_ActivityLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("ShopCancel", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.place(t, "k", 1, validCard("4242424242424242"))
		require.ErrorIs(t, errOf(b.svc.Cancel(ctx, b.admin, o.ID, " ")), apperr.ErrInvalid)
		require.Empty(t, b.activity(t), "a refused cancel records nothing")
		require.NoError(t, errOf(b.svc.Cancel(ctx, b.admin, o.ID, " Counterfeit listing ")))
		b.requireEntry(t, 1, activity.OrderCancel, o.ID, fmt.Sprintf("order #%d", o.ID), "Counterfeit listing")
		require.ErrorIs(t, errOf(b.svc.Cancel(ctx, b.admin, o.ID, "Again")), orders.ErrAlreadyCancelled)
		require.Len(t, b.activity(t), 1, "cancelling a cancelled order (409) records nothing")

		mine := b.place(t, "k2", 1, validCard("4242424242424242"))
		require.NoError(t, errOf(b.svc.Cancel(ctx, b.buyer, mine.ID, "")))
		require.Len(t, b.activity(t), 1, "a buyer's own cancel is not an admin's action")
	})

	t.Run("Reviews", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.place(t, "k", 1, validCard("4242424242424242"))
		b.deliver(t, o.ID, true)
		r, err := b.svc.Review(ctx, b.buyer, o.ID, service.ReviewInput{SellerID: b.seller.ID, Rating: 1, Comment: "Rude."})
		require.NoError(t, err)
		label := fmt.Sprintf("review #%d of order #%d", r.ID, o.ID)
		_, err = b.svc.HideReview(ctx, b.seller, r.ID, "I do not like it")
		require.ErrorIs(t, err, auth.ErrForbidden)
		_, err = b.svc.HideReview(ctx, b.admin, r.ID, "Insults the seller")
		require.NoError(t, err)
		b.requireEntry(t, 1, activity.ReviewHide, r.ID, label, "Insults the seller")
		_, err = b.svc.HideReview(ctx, b.admin, r.ID, "Another reason")
		require.ErrorIs(t, err, service.ErrAlreadyHidden)
		_, err = b.svc.UnhideReview(ctx, b.admin, r.ID)
		require.NoError(t, err)
		b.requireEntry(t, 2, activity.ReviewUnhide, r.ID, label, "")
		_, err = b.svc.UnhideReview(ctx, b.admin, r.ID)
		require.ErrorIs(t, err, service.ErrNotHidden)
		require.Len(t, b.activity(t), 2, "refused hides and unhides record nothing")
	})

	t.Run("Provider", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		all, err := b.svc.Providers(ctx, b.admin)
		require.NoError(t, err)
		p := all[0]
		p.Name, p.CostCents = "  Renamed  ", 1234
		require.NoError(t, b.svc.UpdateProvider(ctx, b.admin, p))
		b.requireEntry(t, 1, activity.ProviderEdit, p.ID, "Renamed", "")
		require.NoError(t, b.svc.UpdateProvider(ctx, b.admin, p))
		require.Len(t, b.activity(t), 1, "a form saved as it was is no edit")

		taken := p
		taken.Name = all[1].Name
		require.ErrorIs(t, b.svc.UpdateProvider(ctx, b.admin, taken), apperr.ErrInvalid)
		gone := p
		gone.ID = 1 << 40
		require.ErrorIs(t, b.svc.UpdateProvider(ctx, b.admin, gone), orders.ErrProviderNotFound)
		require.ErrorIs(t, b.svc.UpdateProvider(ctx, b.buyer, p), auth.ErrForbidden)
		require.Len(t, b.activity(t), 1, "refused edits record nothing")

		added, err := b.svc.CreateProvider(ctx, b.admin, service.Provider{Name: " Rappi ", Coverage: "national", CostCents: 300, Days: 1, Active: true})
		require.NoError(t, err)
		b.requireEntry(t, 2, activity.ProviderAdd, added.ID, "Rappi", "")
		_, err = b.svc.CreateProvider(ctx, b.admin, service.Provider{Name: "Rappi", Coverage: "national", CostCents: 300, Days: 1})
		require.ErrorIs(t, err, apperr.ErrInvalid)
		_, err = b.svc.CreateProvider(ctx, b.buyer, service.Provider{Name: "Mine", Coverage: "national", CostCents: 1, Days: 1})
		require.ErrorIs(t, err, auth.ErrForbidden)
		require.Len(t, b.activity(t), 2, "refused additions record nothing")
	})

	t.Run("Jobs", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.place(t, "k", 1, service.PaymentInput{Method: orders.MethodWallet})
		jobs, err := b.svc.Jobs(ctx, b.admin, riverfx.JobFilter{Kind: "orders.charge_payment"}, service.Page{})
		require.NoError(t, err)
		require.NotEmpty(t, jobs.Jobs, "order %d's charge waits for a worker", o.ID)
		id := jobs.Jobs[0].ID
		label := fmt.Sprintf("orders.charge_payment job #%d (local queue)", id)
		require.NoError(t, b.svc.CancelJob(ctx, b.admin, "local", id))
		b.requireEntry(t, 1, activity.JobCancel, id, label, "")
		require.ErrorIs(t, b.svc.CancelJob(ctx, b.admin, "local", id), riverfx.ErrJobState)
		require.ErrorIs(t, b.svc.CancelJob(ctx, b.admin, "nowhere", id), riverfx.ErrJobNotFound)
		require.ErrorIs(t, b.svc.RetryJob(ctx, b.buyer, "local", id), auth.ErrForbidden)
		require.Len(t, b.activity(t), 1, "an action the queue refuses records nothing")
		require.NoError(t, b.svc.RetryJob(ctx, b.admin, "local", id))
		b.requireEntry(t, 2, activity.JobRetry, id, label, "")

		// The queue acted, and then could not be read: the entry names the
		// job without its kind rather than the action failing, and the
		// error says why for the caller to log.
		b.svc = service.New(b.pool, b.cat, riverClient(t, b.pool), &service.Options{Queues: []riverfx.Queue{blindQueue{riverfx.NewLocalQueue(riverClient(t, b.pool))}}})
		err = b.svc.CancelJob(ctx, b.admin, "local", id)
		require.ErrorIs(t, err, service.ErrUnlabelled)
		require.NotErrorIs(t, err, service.ErrUnrecorded)
		require.ErrorContains(t, err, fmt.Sprintf("job %d of the local queue: catalog is unavailable", id))
		b.requireEntry(t, 3, activity.JobCancel, id, fmt.Sprintf("job #%d (local queue)", id), "")
	})

	t.Run("JobEntryOutlivesTheRequest", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		id := b.chargeJob(t)
		label := fmt.Sprintf("orders.charge_payment job #%d (local queue)", id)
		q := &leavingQueue{Queue: riverfx.NewLocalQueue(riverClient(t, b.pool))}
		b.svc = service.New(b.pool, b.cat, riverClient(t, b.pool), &service.Options{Queues: []riverfx.Queue{q}})
		for n, c := range []struct {
			act    func(context.Context, auth.User, string, int64) error
			action activity.Action
		}{{b.svc.CancelJob, activity.JobCancel}, {b.svc.RetryJob, activity.JobRetry}} {
			req, leave := context.WithCancel(ctx)
			q.leave = leave
			require.NoError(t, c.act(req, b.admin, "local", id), c.action)
			require.ErrorIs(t, req.Err(), context.Canceled, "the request ended once the queue had acted")
			b.requireEntry(t, n+1, c.action, id, label, "")
		}
	})

	t.Run("JobUnrecorded", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		id := b.chargeJob(t)
		_, err := b.pool.Exec(ctx, "ALTER TABLE orders.admin_actions ADD CONSTRAINT refuse_all CHECK (false) NOT VALID")
		require.NoError(t, err)
		err = b.svc.CancelJob(ctx, b.admin, "local", id)
		require.ErrorIs(t, err, service.ErrUnrecorded, "the queue cancelled the job, and the log refused its entry")
		require.ErrorContains(t, err, fmt.Sprintf("record job.cancel of job %d", id))
		var state string
		require.NoError(t, b.pool.QueryRow(ctx, "SELECT state FROM river.river_job WHERE id = $1", id).Scan(&state))
		require.Equal(t, "cancelled", state)
	})
}

// blindQueue acts on its jobs but cannot read one, as a queue whose process
// went down between the two.
type blindQueue struct{ riverfx.Queue }

func (blindQueue) Get(context.Context, int64) (riverfx.Job, error) {
	return riverfx.Job{}, errors.New("catalog is unavailable")
}

// chargeJob places an order paid from the wallet and returns the id of
// its charge's job, which waits for a worker.
func (b *bundle) chargeJob(t *testing.T) int64 {
	t.Helper()
	b.place(t, "k", 1, service.PaymentInput{Method: orders.MethodWallet})
	jobs, err := b.svc.Jobs(context.Background(), b.admin, riverfx.JobFilter{Kind: "orders.charge_payment"}, service.Page{})
	require.NoError(t, err)
	require.NotEmpty(t, jobs.Jobs)
	return jobs.Jobs[0].ID
}

// leavingQueue is a real queue whose request ends (the admin's browser
// leaving) as soon as it has acted on a job.
type leavingQueue struct {
	riverfx.Queue
	leave context.CancelFunc
}

func (q *leavingQueue) Retry(ctx context.Context, id int64) error {
	defer q.leave()
	return q.Queue.Retry(ctx, id)
}

func (q *leavingQueue) Cancel(ctx context.Context, id int64) error {
	defer q.leave()
	return q.Queue.Cancel(ctx, id)
}

// brokenLog is a log whose process is down.
type brokenLog struct{}

func (brokenLog) Name() string { return "catalog" }
func (brokenLog) List(context.Context, activity.Filter) ([]activity.Entry, error) {
	return nil, errors.New("catalog is unavailable")
}

func TestService_Activity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	t0 := time.Now().Add(-time.Hour)
	b.svc = service.New(b.pool, b.cat, riverClient(t, b.pool), &service.Options{Logs: []activity.Log{
		activitytest.Log("auth",
			activity.Entry{ID: 2, At: t0.Add(3 * time.Minute), ActorName: activity.CommandLine.Name, Action: activity.UserPromote, SubjectKind: "user", SubjectID: 9, SubjectLabel: "ann@example.com"},
			activity.Entry{ID: 1, At: t0.Add(time.Minute), ActorName: "Admin", Action: activity.UserDisable, SubjectKind: "user", SubjectID: 8, SubjectLabel: "bob@example.com", Reason: "spam"}),
		activitytest.Log("catalog",
			activity.Entry{ID: 1, At: t0.Add(2 * time.Minute), ActorName: "Admin", Action: activity.ListingHide, SubjectKind: "listing", SubjectID: 7, SubjectLabel: "Dune", Reason: "counterfeit"}),
	}})
	all, err := b.svc.Providers(ctx, b.admin)
	require.NoError(t, err)
	edited := all[0]
	edited.CostCents++
	require.NoError(t, b.svc.UpdateProvider(ctx, b.admin, edited))

	labels := func(f activity.Filter, p service.Page) []string {
		t.Helper()
		a, err := b.svc.Activity(ctx, b.admin, f, p)
		require.NoError(t, err)
		require.Empty(t, a.Unreadable)
		var out []string
		for _, e := range a.Entries {
			out = append(out, e.Module+" "+e.SubjectLabel)
		}
		return out
	}
	require.Equal(t, []string{"orders " + all[0].Name, "auth ann@example.com", "catalog Dune", "auth bob@example.com"}, labels(activity.Filter{}, service.Page{}),
		"every module's entries, newest first")
	require.Equal(t, []string{"auth ann@example.com", "catalog Dune"}, labels(activity.Filter{}, service.Page{Limit: 2, Offset: 1}))
	require.Equal(t, []string{"auth bob@example.com"}, labels(activity.Filter{Action: activity.UserDisable}, service.Page{}))
	require.Equal(t, []string{"catalog Dune"}, labels(activity.Filter{Text: "dUNE"}, service.Page{}))
	require.Len(t, labels(activity.Filter{Text: "admin"}, service.Page{}), 3, "the admin's name")

	_, err = b.svc.Activity(ctx, b.buyer, activity.Filter{}, service.Page{})
	require.ErrorIs(t, err, auth.ErrForbidden)
	_, err = b.svc.Activity(ctx, b.admin, activity.Filter{Action: "user.delete", Text: strings.Repeat("x", 101)}, service.Page{})
	require.ErrorIs(t, err, apperr.ErrInvalid)
	_, err = b.svc.Activity(ctx, b.admin, activity.Filter{}, service.Page{Limit: 20, Offset: activity.MaxListed})
	require.ErrorIs(t, err, apperr.ErrInvalid, "past the entries each log lists")

	b.svc = service.New(b.pool, b.cat, riverClient(t, b.pool), &service.Options{Logs: []activity.Log{brokenLog{}}})
	a, err := b.svc.Activity(ctx, b.admin, activity.Filter{}, service.Page{})
	require.NoError(t, err)
	require.Len(t, a.Entries, 1, "the logs that can be read still list")
	require.Equal(t, []string{"catalog: catalog is unavailable"}, a.Unreadable)
}
