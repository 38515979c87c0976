package pages

import (
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"

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
	if web.PastTheEnd(w, r, "page", page, len(list)) {
		return
	}
	render(w, r, http.StatusOK, "My listings", myListingsView(myListingsPage{Listings: list, Pager: view.NewPager(r.URL, page, hasNext)}))
}

func (h *handler) newListingForm(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	f := newListingFromQuery(r.URL.Query())
	p, status := h.formPage(r.Context(), f, nil), http.StatusOK
	if f.ISBN != "" {
		p, status = h.fillFromISBN(r.Context(), f)
	}
	p.Unverified = !u.EmailVerified
	render(w, r, status, "Sell a book", listingNewView(p))
}

// fillListing is the new-listing form's "Fill from ISBN" button without
// JavaScript: the form comes back prefilled, keeping what was typed.
func (h *handler) fillListing(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := parseListingPost(r); err != nil {
		web.Error(w, r, err)
		return
	}
	if r.MultipartForm != nil {
		defer func() { _ = r.MultipartForm.RemoveAll() }()
	}
	p, status := h.fillFromISBN(r.Context(), readListingForm(r))
	photosNotKept(r, &p)
	p.Unverified = !u.EmailVerified
	render(w, r, status, "Sell a book", listingNewView(p))
}

// photosNotKept asks the seller to choose again the photos sent with a
// new-listing form that comes back: a browser never fills a file input in.
func photosNotKept(r *http.Request, p *formPage) {
	if r.MultipartForm != nil && len(r.MultipartForm.File["photo"]) > 0 {
		p.PhotoError = "Choose your photos again: a page that reloads cannot keep them."
	}
}

// parseListingPost reads the new-listing form: multipart, so photos can
// come with the listing, or plain (the API's clients, old pages).
func parseListingPost(r *http.Request) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return apperr.ErrBadRequest.WithMessage("the form could not be read")
		}
		return nil
	}
	return web.ParseForm(r)
}

func (h *handler) createListing(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := parseListingPost(r); err != nil {
		web.Error(w, r, err)
		return
	}
	if r.MultipartForm != nil {
		defer func() { _ = r.MultipartForm.RemoveAll() }()
	}
	f := readListingForm(r)
	in, errs := f.input()
	if verr := h.svc.Validate(in); len(errs) > 0 || verr != nil {
		if verr != nil && !mergeErrors(errs, verr) {
			web.Error(w, r, verr)
			return
		}
		f.Errors = errs
		h.newListingAgain(w, r, http.StatusUnprocessableEntity, f, false)
		return
	}
	l, err := h.svc.Create(r.Context(), u, in)
	if errors.Is(err, service.ErrUnverified) {
		h.newListingAgain(w, r, web.Status(err), f, true)
		return
	}
	if err != nil {
		if mergeErrors(errs, err) {
			f.Errors = errs
			h.newListingAgain(w, r, http.StatusUnprocessableEntity, f, false)
			return
		}
		web.Error(w, r, err)
		return
	}
	msg := "Your book is listed."
	if l.Status == catalog.StatusDraft {
		msg = "Draft saved; publish it when you are ready."
	}
	var files []*multipart.FileHeader
	if r.MultipartForm != nil {
		files = r.MultipartForm.File["photo"]
	}
	if len(files) == 0 {
		msg += " Add photos below so shoppers can see the book."
	} else if added, err := h.addPhotos(r, u, l.ID, files); err != nil {
		// The listing is saved either way; the seller fixes the photos on
		// its edit page, where this message waits.
		web.Redirect(w, r, "error", msg+" "+photoOutcome(added, files, err), fmt.Sprintf("/my/listings/%d/edit", l.ID))
		return
	} else {
		msg += " " + photoOutcome(added, files, nil)
	}
	web.Redirect(w, r, "success", msg, fmt.Sprintf("/my/listings/%d/edit", l.ID))
}

// newListingAgain shows the new-listing form again, as sent, telling an
// unverified seller why it was not listed.
func (h *handler) newListingAgain(w http.ResponseWriter, r *http.Request, status int, f listingForm, unverified bool) {
	p := h.formPage(r.Context(), f, nil)
	p.Unverified = unverified
	photosNotKept(r, &p)
	render(w, r, status, "Sell a book", listingNewView(p))
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
		web.Redirect(w, r, "error", service.ErrArchived.Message, "/my/listings")
		return
	}
	render(w, r, http.StatusOK, "Edit "+l.Title, listingEditView(h.formPage(r.Context(), formFromListing(l), &l)))
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
	if _, ok := f.copiesBase(); !ok && errs["copies"] == "" {
		// The form always carries the copies it was opened with; saved
		// without them, a sale since could be undone, so the seller checks
		// the copies of now and saves again.
		errs["copies"] = fmt.Sprintf("check the copies and save again: you have %d now", l.Copies())
		f.CopiesBase = strconv.Itoa(l.Copies())
	}
	verr := h.svc.ValidateEdit(in)
	if len(errs) == 0 && verr == nil {
		_, verr = h.svc.Update(r.Context(), u, l.ID, f.edit(in))
		if verr == nil {
			web.Redirect(w, r, "success", "Your listing is saved.", "/my/listings")
			return
		}
		if errors.Is(verr, service.ErrStaleCopies) {
			// The form comes back based on the copies of now, so saving it
			// again is the seller's answer.
			f.CopiesBase = strconv.Itoa(l.Copies())
		}
	}
	if verr != nil && !mergeErrors(errs, verr) {
		web.Error(w, r, verr)
		return
	}
	f.Errors = errs
	render(w, r, http.StatusUnprocessableEntity, "Edit "+l.Title, listingEditView(h.formPage(r.Context(), f, &l)))
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
				web.Redirect(w, r, "error", apperr.As(err).Message, "/my/listings")
				return
			}
			web.Error(w, r, err)
			return
		}
		web.Redirect(w, r, "success", msg, "/my/listings")
	}
}

func (h *handler) deleteListingForm(w http.ResponseWriter, r *http.Request) {
	_, l, err := h.ownListing(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	render(w, r, http.StatusOK, "Delete "+l.Title, listingDeleteView(l))
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
			web.Redirect(w, r, "error", apperr.As(err).Message, "/my/listings")
			return
		}
		web.Error(w, r, err)
		return
	}
	msg := fmt.Sprintf("%q is deleted.", l.Title)
	if archived {
		msg = fmt.Sprintf("%q is archived rather than deleted, because orders refer to it.", l.Title)
	}
	web.Redirect(w, r, "success", msg, "/my/listings")
}

func (h *handler) addPhoto(w http.ResponseWriter, r *http.Request) {
	u, l, err := h.ownListing(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	files, err := web.Uploads(r, "photo")
	if r.MultipartForm != nil {
		defer func() { _ = r.MultipartForm.RemoveAll() }()
	}
	added := 0
	if err == nil {
		added, err = h.addPhotos(r, u, l.ID, files)
	}
	if err != nil {
		e := apperr.As(err)
		if e == nil || (e.Kind != apperr.Invalid && e.Kind != apperr.TooLarge && e.Kind != apperr.BadRequest) {
			web.Error(w, r, err)
			return
		}
		page := h.formPage(r.Context(), formFromListing(l), &l)
		if fresh, lerr := h.svc.Listing(r.Context(), l.ID); lerr == nil {
			page.Listing = &fresh
		}
		page.PhotoError = photoOutcome(added, files, err)
		render(w, r, http.StatusUnprocessableEntity, "Edit "+l.Title, listingEditView(page))
		return
	}
	web.Redirect(w, r, "success", photoOutcome(added, files, nil), fmt.Sprintf("/my/listings/%d/edit", l.ID))
}

// ownPhoto is ownListing, and the id of the photo the path names.
func (h *handler) ownPhoto(r *http.Request) (auth.User, service.Listing, int64, error) {
	u, l, err := h.ownListing(r)
	if err != nil {
		return u, l, 0, err
	}
	pid, err := web.PathID(r, "photo", service.ErrPhotoNotFound)
	return u, l, pid, err
}

func (h *handler) deletePhoto(w http.ResponseWriter, r *http.Request) {
	u, l, pid, err := h.ownPhoto(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := h.svc.DeletePhoto(r.Context(), u, l.ID, pid); err != nil {
		web.Error(w, r, err)
		return
	}
	web.Redirect(w, r, "success", "The photo is removed.", fmt.Sprintf("/my/listings/%d/edit", l.ID))
}

// movePhoto answers the edit page's buttons that move one photo: order
// makes the move, and done says what it did to the photo the page numbered
// n. A move the photo's place forbids (a page shown before another move)
// comes back to the page with the reason.
func (h *handler) movePhoto(order func(photo int64) service.PhotoOrder, done func(n int) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, l, pid, err := h.ownPhoto(r)
		if err != nil {
			web.Error(w, r, err)
			return
		}
		edit := fmt.Sprintf("/my/listings/%d/edit", l.ID)
		before, _, err := h.svc.ReorderPhotos(r.Context(), u, l.ID, order(pid))
		if errors.Is(err, service.ErrPhotoAtEnd) {
			web.Redirect(w, r, "error", "The photo was not moved: "+apperr.As(err).Message+".", edit)
			return
		}
		if err != nil {
			web.Error(w, r, err)
			return
		}
		n := slices.IndexFunc(before, func(p service.Photo) bool { return p.ID == pid }) + 1
		web.Redirect(w, r, "success", done(n), edit)
	}
}

// addPhotos stores the uploaded photos in order until one is refused, and
// reports how many were stored before it.
func (h *handler) addPhotos(r *http.Request, u auth.User, id catalog.BookID, files []*multipart.FileHeader) (int, error) {
	added, err := h.svc.AddPhotos(r.Context(), u, id, web.UploadReaders(files, service.MaxPhotoBytes, service.ErrPhotoTooLarge))
	return len(added), err
}

// photoOutcome tells the seller what an upload of sent photos did: how
// many were stored and, when one was refused, which and why, so a partial
// upload never reads as a failure of all of them.
func photoOutcome(added int, files []*multipart.FileHeader, err error) string {
	if err == nil {
		return fmt.Sprintf("%d %s added.", added, text.Plural(added, "photo", "photos"))
	}
	why := err.Error()
	if e := apperr.As(err); e != nil {
		why = e.Message
	}
	if len(files) <= 1 {
		return "The photo was not added: " + why + "."
	}
	return fmt.Sprintf("%d of %d photos added; %s and any after it were not: %s.", added, len(files), files[added].Filename, why)
}
