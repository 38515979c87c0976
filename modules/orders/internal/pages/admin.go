package pages

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/riverfx"
	"github.com/bookstore/bookstore/platform/text"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

func (h *handler) adminOrders(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	status := r.URL.Query().Get("status")
	p, n := listPage(r)
	list, err := h.svc.AllOrders(r.Context(), u, status, p)
	if e := apperr.As(err); err != nil && e != nil && e.Kind == apperr.Invalid && len(e.Fields) > 0 {
		render(w, r, http.StatusUnprocessableEntity, "All orders", adminOrdersView(listData[service.Order]{Status: status, Errors: e.Fields}))
		return
	} else if err != nil {
		web.Error(w, r, err)
		return
	}
	lenOf := func(n int) (int, error) {
		list, err := h.svc.AllOrders(r.Context(), u, status, pageOf(n))
		return len(list), err
	}
	if web.PastTheEnd(w, r, "page", n, len(list), lenOf) {
		return
	}
	d := trim(r, list, n)
	d.Status = status
	render(w, r, http.StatusOK, "All orders", adminOrdersView(d))
}

// jobsData is the admin's jobs page: the filter, a page of jobs of every
// queue, and where a row's action returns (the list as filtered).
type jobsData struct {
	Filter riverfx.JobFilter
	Jobs   service.Jobs
	Pager  view.Pager
	Back   string
	Errors map[string]string
}

const adminJobsPath = "/admin/jobs"

func (h *handler) adminJobs(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	d := jobsData{Filter: riverfx.JobFilter{State: q.Get("state"), Kind: strings.TrimSpace(q.Get("kind"))}, Back: r.URL.RequestURI(), Errors: map[string]string{}}
	p, n := listPage(r)
	status := http.StatusOK
	d.Jobs, err = h.svc.Jobs(r.Context(), u, d.Filter, p)
	if e := apperr.As(err); err != nil && e != nil && e.Kind == apperr.Invalid && len(e.Fields) > 0 {
		d.Errors, status = e.Fields, http.StatusUnprocessableEntity
	} else if err != nil {
		web.Error(w, r, err)
		return
	}
	lenOf := func(n int) (int, error) {
		jobs, err := h.svc.Jobs(r.Context(), u, d.Filter, pageOf(n))
		return len(jobs.Jobs), err
	}
	if status == http.StatusOK && web.PastTheEnd(w, r, "page", n, len(d.Jobs.Jobs), lenOf) {
		return
	}
	l := trim(r, d.Jobs.Jobs, n)
	d.Jobs.Jobs, d.Pager = l.Items, l.Pager
	render(w, r, status, "Jobs", adminJobsView(d))
}

// activityData is the admin's Activity page: the filter and a page of
// every module's log.
type activityData struct {
	Filter   activity.Filter
	Activity service.Activity
	Pager    view.Pager
	Errors   map[string]string
}

func (h *handler) adminActivity(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	d := activityData{Filter: activity.QueryFilter(r.URL.Query()), Errors: map[string]string{}}
	p, n := listPage(r)
	status := http.StatusOK
	d.Activity, err = h.svc.Activity(r.Context(), u, d.Filter, p)
	if e := apperr.As(err); err != nil && e != nil && e.Kind == apperr.Invalid && len(e.Fields) > 0 {
		d.Errors, status = e.Fields, http.StatusUnprocessableEntity
	} else if err != nil {
		web.Error(w, r, err)
		return
	}
	lenOf := func(n int) (int, error) {
		a, err := h.svc.Activity(r.Context(), u, d.Filter, pageOf(n))
		return len(a.Entries), err
	}
	if status == http.StatusOK && web.PastTheEnd(w, r, "page", n, len(d.Activity.Entries), lenOf) {
		return
	}
	l := trim(r, d.Activity.Entries, n)
	d.Activity.Entries, d.Pager = l.Items, l.Pager
	render(w, r, status, "Activity", adminActivityView(d))
}

func (h *handler) jobAction(w http.ResponseWriter, r *http.Request, act func(context.Context, auth.User, string, int64) error, done string) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	id, err := web.PathID(r, "id", riverfx.ErrJobNotFound)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	queue := chi.URLParam(r, "queue")
	switch err := act(r.Context(), u, queue, id); {
	// The job did change: an error page would have the admin try again.
	// These come first, since what failed after the action (the job gone
	// since) may wrap the queue's errors.
	case errors.Is(err, service.ErrUnrecorded):
		web.Logger(r.Context()).Error("admin's job action not recorded", "queue", queue, "job", id, "admin", u.ID, "err", err)
		web.Redirect(w, r, "error", done+" But the activity log could not record it: the shop's log has the details.", web.ListBack(r, adminJobsPath).RequestURI())
	case errors.Is(err, service.ErrUnlabelled):
		web.Logger(r.Context()).Warn("admin's job action recorded without the job's kind", "queue", queue, "job", id, "err", err)
		web.Redirect(w, r, "success", done, web.ListBack(r, adminJobsPath).RequestURI())
	case errors.Is(err, riverfx.ErrJobState):
		// The list it came from is out of date: it says so, up to date.
		web.Redirect(w, r, "error", apperr.As(err).Message+".", web.ListBack(r, adminJobsPath).RequestURI())
	case errors.Is(err, riverfx.ErrJobNotFound):
		// So is a list that still shows a job its queue has since cleaned
		// up (River deletes ended jobs after a day).
		web.Redirect(w, r, "error", fmt.Sprintf("Job %d was not found in the %s queue: it may have been cleaned up since the list was shown.", id, queue),
			web.ListBack(r, adminJobsPath).RequestURI())
	case err != nil:
		web.Error(w, r, err)
	default:
		web.Redirect(w, r, "success", done, web.ListBack(r, adminJobsPath).RequestURI())
	}
}

func (h *handler) retryJob(w http.ResponseWriter, r *http.Request) {
	h.jobAction(w, r, h.svc.RetryJob, "The job will run again shortly.")
}

func (h *handler) cancelJob(w http.ResponseWriter, r *http.Request) {
	h.jobAction(w, r, h.svc.CancelJob, "The job was cancelled.")
}

type providersData struct {
	Providers []service.Provider
	// EditID is the provider whose form was refused, newProviderID for
	// the form that adds one.
	EditID int64
	Form   service.Provider
	// Cost and Days are the form's as typed, shown back as they were.
	Cost, Days string
	Errors     map[string]string
}

func (h *handler) adminProviders(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h.renderProviders(w, r, http.StatusOK, u, providersData{})
}

func (h *handler) renderProviders(w http.ResponseWriter, r *http.Request, status int, u auth.User, d providersData) {
	ps, err := h.svc.Providers(r.Context(), u)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	d.Providers = ps
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	render(w, r, status, "Delivery providers", adminProvidersView(d))
}

func (h *handler) updateProvider(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r, "id", orders.ErrProviderNotFound)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h.saveProvider(w, r, id, func(u auth.User, p service.Provider) (string, error) {
		return "Provider saved.", h.svc.UpdateProvider(r.Context(), u, p)
	})
}

func (h *handler) createProvider(w http.ResponseWriter, r *http.Request) {
	h.saveProvider(w, r, newProviderID, func(u auth.User, p service.Provider) (string, error) {
		created, err := h.svc.CreateProvider(r.Context(), u, p)
		switch {
		case err != nil:
			return "", err
		case !created.Active:
			return text.Isolate(created.Name) + " added; checkouts do not offer it until you tick Offered at checkout.", nil
		}
		return text.Isolate(created.Name) + " added; checkouts offer it for " + created.Coverage + " addresses.", nil
	})
}

// saveProvider reads the provider form of provider id (newProviderID for
// the one that adds a provider) and saves it with save, which says what it
// did; a refused form comes back with what was typed and every field's
// message.
func (h *handler) saveProvider(w http.ResponseWriter, r *http.Request, id int64, save func(auth.User, service.Provider) (string, error)) {
	u, err := auth.RequireUser(r.Context())
	if err == nil {
		err = web.ParseForm(r)
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	v := r.PostFormValue
	p := service.Provider{ID: id, Name: v("name"), Coverage: v("coverage"), Active: v("active") == "on"}
	d := providersData{EditID: id, Cost: v("cost"), Days: v("days"), Errors: map[string]string{}}
	if p.CostCents, err = text.ParseMoney(v("cost"), text.DecimalPoint); err != nil && !errors.Is(err, text.ErrMoneyRange) {
		d.Errors["cost"] = "enter a cost such as 12.50"
	}
	if p.Days, err = strconv.Atoi(strings.TrimSpace(v("days"))); err != nil {
		d.Errors["days"] = "enter a whole number of days"
	}
	d.Form = p
	if len(d.Errors) > 0 {
		// What did parse is judged all the same, so every message shows.
		for k, msg := range service.ValidateProvider(p) {
			if _, ok := d.Errors[k]; !ok {
				d.Errors[k] = msg
			}
		}
	} else {
		done, err := save(u, p)
		if err == nil {
			web.Redirect(w, r, "success", done, "/admin/providers")
			return
		}
		e := apperr.As(err)
		if e == nil || e.Kind != apperr.Invalid {
			web.Error(w, r, err)
			return
		}
		d.Errors = e.Fields
	}
	h.renderProviders(w, r, http.StatusUnprocessableEntity, u, d)
}

func (h *handler) adminOutbox(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	var before *mail.Cursor
	if err == nil {
		before, err = mail.ParseCursor(r.URL.Query())
	}
	var page mail.Page
	if err == nil {
		page, err = h.svc.Outbox(r.Context(), u, before)
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	d := outboxData{Page: page}
	if page.Next != nil {
		d.Next = "/admin/outbox?" + page.Next.Query()
	}
	render(w, r, http.StatusOK, "Outbox", adminOutboxView(d))
}

// outboxTone colours an email's status.
func outboxTone(s mail.Status) view.Tone {
	switch s {
	case mail.StatusSent:
		return view.ToneOK
	case mail.StatusFailed:
		return view.ToneBad
	case mail.StatusQueued:
		return view.ToneWaiting
	default:
		return view.ToneNeutral
	}
}
