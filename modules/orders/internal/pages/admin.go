package pages

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/web"
)

func (h *handler) adminOrders(w http.ResponseWriter, r *http.Request) {
	u, err := requireAdmin(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	status := r.URL.Query().Get("status")
	p, n := listPage(r)
	list, err := h.svc.AllOrders(r.Context(), u, status, p)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	d := trim(r, list, n)
	d.Status, d.Statuses = status, service.Statuses
	h.render(w, r, http.StatusOK, "admin_orders", "All orders", d)
}

type jobRow struct {
	ID       int64
	Kind     string
	State    string
	Attempt  int
	Args     string
	Errors   []string
	Finished *time.Time
}

func (h *handler) adminJobs(w http.ResponseWriter, r *http.Request) {
	if _, err := requireAdmin(r); err != nil {
		web.Error(w, r, err)
		return
	}
	res, err := h.river.JobList(r.Context(), river.NewJobListParams().
		States(rivertype.JobStateRetryable, rivertype.JobStateDiscarded).First(100))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	rows := make([]jobRow, 0, len(res.Jobs))
	for _, j := range res.Jobs {
		jr := jobRow{ID: j.ID, Kind: j.Kind, State: string(j.State), Attempt: j.Attempt, Args: string(j.EncodedArgs), Finished: j.FinalizedAt}
		for _, e := range j.Errors {
			jr.Errors = append(jr.Errors, "attempt "+strconv.Itoa(e.Attempt)+": "+e.Error)
		}
		rows = append(rows, jr)
	}
	h.render(w, r, http.StatusOK, "admin_jobs", "Failed jobs", rows)
}

func (h *handler) jobAction(w http.ResponseWriter, r *http.Request, act func(int64) error, done string) {
	if _, err := requireAdmin(r); err != nil {
		web.Error(w, r, err)
		return
	}
	id, ok := pathID(r, "id")
	if !ok {
		web.Error(w, r, apperr.ErrNotFound)
		return
	}
	if err := act(id); err != nil {
		if errors.Is(err, river.ErrNotFound) {
			web.Error(w, r, apperr.ErrNotFound.WithMessage("job not found"))
			return
		}
		web.Error(w, r, err)
		return
	}
	redirect(w, r, "/admin/jobs", done)
}

func (h *handler) retryJob(w http.ResponseWriter, r *http.Request) {
	h.jobAction(w, r, func(id int64) error { _, err := h.river.JobRetry(r.Context(), id); return err }, "The job will run again shortly.")
}

func (h *handler) cancelJob(w http.ResponseWriter, r *http.Request) {
	h.jobAction(w, r, func(id int64) error { _, err := h.river.JobCancel(r.Context(), id); return err }, "The job was cancelled.")
}

type providersData struct {
	Providers []service.Provider
	EditID    int64
	Form      service.Provider
	Cost      string
	Errors    map[string]string
}

func (h *handler) adminProviders(w http.ResponseWriter, r *http.Request) {
	if _, err := requireAdmin(r); err != nil {
		web.Error(w, r, err)
		return
	}
	h.renderProviders(w, r, http.StatusOK, providersData{})
}

func (h *handler) renderProviders(w http.ResponseWriter, r *http.Request, status int, d providersData) {
	ps, err := h.svc.Providers(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	d.Providers = ps
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	h.render(w, r, status, "admin_providers", "Delivery providers", d)
}

// parseCents reads an amount such as "12.50" into minor units.
func parseCents(s string) (int64, bool) {
	s = strings.NewReplacer("$", "", ",", "", " ", "").Replace(s)
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || len(whole) > 7 || (hasFrac && (len(frac) == 0 || len(frac) > 2)) {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || w < 0 || f < 0 {
		return 0, false
	}
	return w*100 + f, true
}

func (h *handler) updateProvider(w http.ResponseWriter, r *http.Request) {
	u, err := requireAdmin(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	id, ok := pathID(r, "id")
	if !ok {
		web.Error(w, r, orders.ErrProviderNotFound)
		return
	}
	if err := web.ParseForm(r); err != nil {
		web.Error(w, r, err)
		return
	}
	v := r.PostFormValue
	p := service.Provider{ID: id, Name: v("name"), Coverage: v("coverage"), Active: v("active") == "on"}
	d := providersData{EditID: id, Cost: v("cost"), Errors: map[string]string{}}
	cents, ok := parseCents(v("cost"))
	if !ok {
		d.Errors["cost"] = "enter a cost such as 12.50"
	}
	p.CostCents = cents
	p.Days, err = strconv.Atoi(strings.TrimSpace(v("days")))
	if err != nil {
		d.Errors["days"] = "enter a whole number of days"
	}
	d.Form = p
	if len(d.Errors) == 0 {
		err = h.svc.UpdateProvider(r.Context(), u, p)
		if err == nil {
			redirect(w, r, "/admin/providers", "Provider saved.")
			return
		}
		e := apperr.As(err)
		if e == nil || e.Kind != apperr.Invalid {
			web.Error(w, r, err)
			return
		}
		d.Errors = e.Fields
	}
	h.renderProviders(w, r, http.StatusUnprocessableEntity, d)
}
