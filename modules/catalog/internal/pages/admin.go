package pages

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

func timeZero() time.Time { return time.Time{} }

const (
	adminListingsPath = "/admin/listings"
	adminPerPage      = 50
)

type adminPage struct {
	Listings []service.Listing
	Filter   service.AdminFilter
	Pager    view.Pager
	// Back is the list as filtered and paged now; the row actions return
	// to it.
	Back   string
	Errors map[string]string
	// HideID is the listing whose hide form was refused: it is shown open,
	// with the reason typed and its error.
	HideID    catalog.BookID
	Reason    string
	HideError string
}

func (h *handler) adminListings(w http.ResponseWriter, r *http.Request) {
	h.renderAdmin(w, r, http.StatusOK, r.URL, adminPage{})
}

// renderAdmin shows the list as list (the page's URL, or the one a row
// action came from) filters and pages it.
func (h *handler) renderAdmin(w http.ResponseWriter, r *http.Request, status int, list *url.URL, p adminPage) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	q := list.Query()
	page := view.PageParam(q)
	p.Filter = service.AdminFilter{Query: q.Get("q"), State: q.Get("state")}
	p.Back = list.RequestURI()
	p.Errors = map[string]string{}
	var hasNext bool
	p.Listings, hasNext, err = h.svc.AdminListings(r.Context(), u, p.Filter, page, adminPerPage)
	if err != nil {
		if !mergeErrors(p.Errors, err) {
			web.Error(w, r, err)
			return
		}
		status = http.StatusUnprocessableEntity
	} else if web.PastTheEnd(w, r, "page", page, len(p.Listings), func(n int) (int, error) {
		list, _, err := h.svc.AdminListings(r.Context(), u, p.Filter, n, adminPerPage)
		return len(list), err
	}) {
		return
	}
	p.Pager = view.NewPager(list, page, hasNext)
	render(w, r, status, "Listings", adminListingsView(p))
}

func (h *handler) hideListing(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	id, err := bookID(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := web.ParseForm(r); err != nil {
		web.Error(w, r, err)
		return
	}
	reason, back := r.PostForm.Get("reason"), web.ListBack(r, adminListingsPath)
	if err := h.svc.Hide(r.Context(), u, id, reason); err != nil {
		if e := apperr.As(err); e != nil && e.Kind == apperr.Invalid {
			h.renderAdmin(w, r, http.StatusUnprocessableEntity, back, adminPage{HideID: id, Reason: reason, HideError: e.Fields["reason"]})
			return
		}
		web.Error(w, r, err)
		return
	}
	web.Redirect(w, r, "success", "Listing #"+view.Itoa(id)+" is hidden; its seller sees your reason.", back.RequestURI())
}

func (h *handler) unhideListing(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	id, err := bookID(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := web.ParseForm(r); err != nil {
		web.Error(w, r, err)
		return
	}
	status, wasHidden, err := h.svc.Unhide(r.Context(), u, id)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	kind, now := "success", "is back in the shop."
	switch {
	case !wasHidden:
		kind, now = "info", "was not hidden."
	case status != catalog.StatusActive:
		now = "is no longer hidden; it stays out of the shop as its seller left it (" + strings.ToLower(stateLabel(status, "", false)) + ")."
	}
	web.Redirect(w, r, kind, "Listing #"+view.Itoa(id)+" "+now, web.ListBack(r, adminListingsPath).RequestURI())
}
