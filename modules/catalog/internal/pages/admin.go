package pages

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/web"
)

func timeZero() time.Time { return time.Time{} }

type adminPage struct {
	Hidden []service.Listing
	BookID string
	Reason string
	Errors map[string]string
}

func (h *handler) admin(r *http.Request) (auth.User, error) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		return u, err
	}
	if !u.IsAdmin() {
		return u, service.ErrNotAdmin
	}
	return u, nil
}

func (h *handler) adminListings(w http.ResponseWriter, r *http.Request) {
	h.renderAdmin(w, r, http.StatusOK, adminPage{})
}

func (h *handler) renderAdmin(w http.ResponseWriter, r *http.Request, status int, p adminPage) {
	u, err := h.admin(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.Hidden, err = h.svc.HiddenListings(r.Context(), u)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	render(w, r, status, "Hidden listings", adminListingsView(p))
}

func (h *handler) hideListing(w http.ResponseWriter, r *http.Request) {
	u, err := h.admin(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := web.ParseForm(r); err != nil {
		web.Error(w, r, err)
		return
	}
	p := adminPage{BookID: r.PostForm.Get("book_id"), Reason: r.PostForm.Get("reason"), Errors: map[string]string{}}
	id, perr := strconv.ParseInt(strings.TrimSpace(p.BookID), 10, 64)
	if perr != nil || id < 1 {
		p.Errors["book_id"] = "must be the number of a listing"
		h.renderAdmin(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	if err := h.svc.Hide(r.Context(), u, catalog.BookID(id), p.Reason); err != nil {
		switch apperr.KindOf(err) {
		case apperr.Invalid:
			mergeErrors(p.Errors, err)
		case apperr.NotFound:
			p.Errors["book_id"] = "no listing has this number"
		default:
			web.Error(w, r, err)
			return
		}
		h.renderAdmin(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	redirect(w, r, "success", "The listing is hidden; its seller sees your reason.", "/admin/listings")
}

func (h *handler) unhideListing(w http.ResponseWriter, r *http.Request) {
	u, err := h.admin(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	id, err := bookID(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := h.svc.Unhide(r.Context(), u, id); err != nil {
		web.Error(w, r, err)
		return
	}
	redirect(w, r, "success", "The listing is back in the shop.", "/admin/listings")
}
