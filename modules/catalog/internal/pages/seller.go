package pages

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/text"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

var zeroTime = timeZero()

type myListingsPage struct {
	Listings []service.Listing
	Pager    view.Pager
}

func (h *handler) myListings(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	page := view.PageParam(r.URL.Query())
	list, hasNext, err := h.svc.SellerListings(r.Context(), u, page, 50)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "my_listings", "My listings", myListingsPage{Listings: list, Pager: view.NewPager(r.URL, page, hasNext)})
}

func (h *handler) newListingForm(w http.ResponseWriter, r *http.Request) {
	if _, err := auth.RequireUser(r.Context()); err != nil {
		web.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "listing_new", "Sell a book", h.formPage(listingForm{Copies: "1", Language: "en", Condition: string(catalog.ConditionGood)}, nil))
}

func (h *handler) createListing(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := web.ParseForm(r); err != nil {
		web.Error(w, r, err)
		return
	}
	f := readListingForm(r)
	in, errs := f.input()
	if verr := h.svc.Validate(in); len(errs) > 0 || verr != nil {
		if verr != nil && !mergeErrors(errs, verr) {
			web.Error(w, r, verr)
			return
		}
		f.Errors = errs
		h.render(w, r, http.StatusUnprocessableEntity, "listing_new", "Sell a book", h.formPage(f, nil))
		return
	}
	l, err := h.svc.Create(r.Context(), u, in)
	if err != nil {
		if mergeErrors(errs, err) {
			f.Errors = errs
			h.render(w, r, http.StatusUnprocessableEntity, "listing_new", "Sell a book", h.formPage(f, nil))
			return
		}
		web.Error(w, r, err)
		return
	}
	msg := "Your book is listed. Add photos below so shoppers can see it."
	if l.Status == catalog.StatusDraft {
		msg = "Draft saved. Add photos, then publish it when you are ready."
	}
	redirect(w, r, "success", msg, fmt.Sprintf("/my/listings/%d/edit", l.ID))
}

// ownListing loads a listing for a change: 403 for anyone but its seller,
// before anything in the request is looked at.
func (h *handler) ownListing(r *http.Request) (auth.User, service.Listing, error) {
	id, err := bookID(r)
	if err != nil {
		return auth.User{}, service.Listing{}, err
	}
	return h.svc.SignedInOwner(r.Context(), id)
}

func (h *handler) editListingForm(w http.ResponseWriter, r *http.Request) {
	_, l, err := h.ownListing(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if l.Status == catalog.StatusArchived {
		redirect(w, r, "error", service.ErrArchived.Message, "/my/listings")
		return
	}
	h.render(w, r, http.StatusOK, "listing_edit", "Edit "+l.Title, h.formPage(formFromListing(l), &l))
}

func (h *handler) updateListing(w http.ResponseWriter, r *http.Request) {
	u, l, err := h.ownListing(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := web.ParseForm(r); err != nil {
		web.Error(w, r, err)
		return
	}
	f := readListingForm(r)
	f.ID = l.ID
	in, errs := f.input()
	verr := h.svc.Validate(in)
	if len(errs) == 0 && verr == nil {
		_, verr = h.svc.Update(r.Context(), u, l.ID, in)
		if verr == nil {
			redirect(w, r, "success", "Your listing is saved.", "/my/listings")
			return
		}
	}
	if verr != nil && !mergeErrors(errs, verr) {
		web.Error(w, r, verr)
		return
	}
	f.Errors = errs
	h.render(w, r, http.StatusUnprocessableEntity, "listing_edit", "Edit "+l.Title, h.formPage(f, &l))
}

func (h *handler) setStatus(to catalog.Status, msg string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, l, err := h.ownListing(r)
		if err != nil {
			web.Error(w, r, err)
			return
		}
		if _, err := h.svc.SetStatus(r.Context(), u, l.ID, to); err != nil {
			if apperr.KindOf(err) == apperr.Conflict {
				redirect(w, r, "error", apperr.As(err).Message, "/my/listings")
				return
			}
			web.Error(w, r, err)
			return
		}
		redirect(w, r, "success", msg, "/my/listings")
	}
}

func (h *handler) deleteListingForm(w http.ResponseWriter, r *http.Request) {
	_, l, err := h.ownListing(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "listing_delete", "Delete "+l.Title, l)
}

func (h *handler) deleteListing(w http.ResponseWriter, r *http.Request) {
	u, l, err := h.ownListing(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	archived, err := h.svc.Delete(r.Context(), u, l.ID)
	if err != nil {
		if errors.Is(err, service.ErrArchived) {
			redirect(w, r, "error", apperr.As(err).Message, "/my/listings")
			return
		}
		web.Error(w, r, err)
		return
	}
	msg := fmt.Sprintf("%q is deleted.", l.Title)
	if archived {
		msg = fmt.Sprintf("%q is archived rather than deleted, because orders refer to it.", l.Title)
	}
	redirect(w, r, "success", msg, "/my/listings")
}

func (h *handler) addPhoto(w http.ResponseWriter, r *http.Request) {
	u, l, err := h.ownListing(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	files, err := web.Uploads(r, "photo")
	added := 0
	for i := 0; err == nil && i < len(files); i++ {
		var data []byte
		if data, err = web.ReadUpload(files[i], service.MaxPhotoBytes, service.ErrPhotoTooLarge); err == nil {
			_, err = h.svc.AddPhoto(r.Context(), u, l.ID, data)
		}
		if err == nil {
			added++
		}
	}
	if r.MultipartForm != nil {
		_ = r.MultipartForm.RemoveAll()
	}
	if err != nil {
		e := apperr.As(err)
		if e == nil || (e.Kind != apperr.Invalid && e.Kind != apperr.TooLarge && e.Kind != apperr.BadRequest) {
			web.Error(w, r, err)
			return
		}
		page := h.formPage(formFromListing(l), &l)
		if fresh, lerr := h.svc.Listing(r.Context(), l.ID); lerr == nil {
			page.Listing = &fresh
		}
		page.PhotoError = e.Message
		if added > 0 {
			page.PhotoError = fmt.Sprintf("%d %s added; the next one was refused: %s", added, text.Plural(added, "photo", "photos"), e.Message)
		}
		h.render(w, r, http.StatusUnprocessableEntity, "listing_edit", "Edit "+l.Title, page)
		return
	}
	redirect(w, r, "success", fmt.Sprintf("%d %s added.", added, text.Plural(added, "photo", "photos")), fmt.Sprintf("/my/listings/%d/edit", l.ID))
}

func (h *handler) deletePhoto(w http.ResponseWriter, r *http.Request) {
	u, l, err := h.ownListing(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	pid, err := web.PathID(r, "photo", service.ErrPhotoNotFound)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := h.svc.DeletePhoto(r.Context(), u, l.ID, pid); err != nil {
		web.Error(w, r, err)
		return
	}
	redirect(w, r, "success", "The photo is removed.", fmt.Sprintf("/my/listings/%d/edit", l.ID))
}
