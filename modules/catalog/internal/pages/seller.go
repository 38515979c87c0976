package pages

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/text"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

var zeroTime = timeZero()

// myListingsPerPage is the number of listings a page of a seller's own
// shows.
const myListingsPerPage = 50

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
	list, hasNext, err := h.svc.SellerListings(r.Context(), u, page, myListingsPerPage)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	lenOf := web.CountedPages(myListingsPerPage, func() (int, error) {
		return h.svc.CountSellerListings(r.Context(), u, page*myListingsPerPage)
	})
	if web.PastTheEnd(w, r, "page", page, len(list), lenOf) {
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
	p, status := h.fillFromISBN(r.Context(), readListingForm(r))
	photos, err := h.keepPhotos(r, u)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	photos.show(&p)
	p.Unverified = !u.EmailVerified
	render(w, r, status, "Sell a book", listingNewView(p))
}

// formPhotos is the photos of a new-listing form as kept for it
// (service.StagePhotos): those kept, how many it kept before are lost
// meanwhile, and each one just sent that was refused.
type formPhotos struct {
	staged  []service.StagedPhoto
	gone    int
	refused []service.Refusal
}

// keepPhotos keeps the photos of a new-listing form, so the seller chooses
// none of them again should it come back (a browser never fills a file
// input in): those it kept before, less the ones unticked, and those just
// sent.
func (h *handler) keepPhotos(r *http.Request, u auth.User) (formPhotos, error) {
	staged, gone, refused, err := h.svc.StagePhotos(r.Context(), u, r.PostForm["staged"], r.PostForm["drop_staged"], sentPhotos(r))
	return formPhotos{staged: staged, gone: gone, refused: refused}, err
}

// complete reports whether every photo the form chose is kept.
func (ph formPhotos) complete() bool { return ph.gone == 0 && len(ph.refused) == 0 }

// tokens is the kept photos, in their order, as the form sends them.
func (ph formPhotos) tokens() []string {
	out := make([]string, len(ph.staged))
	for i, p := range ph.staged {
		out[i] = p.Token
	}
	return out
}

// show puts the kept photos on the form that comes back; kept photos lost
// meanwhile, and each photo refused, are told on the photo field.
func (ph formPhotos) show(p *formPage) {
	p.Staged = ph.staged
	var why []string
	if ph.gone > 0 {
		why = append(why, noLongerKept(ph.gone)+": choose "+text.Plural(ph.gone, "it", "them")+" again.")
	}
	for _, f := range ph.refused {
		why = append(why, fmt.Sprintf("%s was not kept: %s.", f.Label(), refusal(f.Err)))
	}
	p.PhotoError = strings.Join(why, " ")
}

// notListed says why a new-listing form whose fields are right came back:
// a photo it chose cannot be added. Listed without it, the book would go
// on sale looking complete, the seller told only afterwards.
func notListed(draft bool) string {
	if draft {
		return "The draft is not saved yet: a photo you chose cannot be added (see Photos below). Choose another file in its place, or save the draft again with the photos shown."
	}
	return "The book is not listed yet: a photo you chose cannot be added (see Photos below). Choose another file in its place, or list the book again with the photos shown."
}

// noLongerKept says that n photos a form kept are gone, which the form
// cannot show: the seller would otherwise find them missing only later.
func noLongerKept(n int) string {
	return fmt.Sprintf("%d %s you chose earlier %s no longer kept", n, text.Plural(n, "photo", "photos"), text.Plural(n, "is", "are"))
}

// sentPhotos is the photos sent with the new-listing form, none when it
// came without any (a form that is not multipart).
func sentPhotos(r *http.Request) []service.Upload {
	if r.MultipartForm == nil {
		return nil
	}
	return service.PhotoUploads(r.MultipartForm.File["photo"], web.ReadUpload)
}

// stagedPhoto sends the thumbnail of a photo kept for the signed-in
// seller's new-listing form; for anyone else it does not exist. The
// sign-in middleware's no-store keeps it out of every cache.
func (h *handler) stagedPhoto(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	f, err := h.svc.OpenStagedPhoto(r.Context(), u, chi.URLParam(r, "token"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "image/jpeg")
	http.ServeContent(w, r, "", zeroTime, f)
}

// stagedPhotoURL is where stagedPhoto serves a staged photo's thumbnail.
func stagedPhotoURL(token string) string { return "/my/photos/staged/" + url.PathEscape(token) }

// parseListingPost reads the new-listing form: multipart, so photos can
// come with the listing, or plain (the API's clients, old pages).
func parseListingPost(r *http.Request) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		return web.ParseMultipart(r)
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
	f := readListingForm(r)
	in, errs := f.input()
	if verr := h.svc.Validate(in); verr != nil && !mergeErrors(errs, verr) {
		web.Error(w, r, verr)
		return
	}
	photos, err := h.keepPhotos(r, u)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if len(errs) == 0 && !photos.complete() {
		errs["form"] = notListed(f.Draft)
	}
	if len(errs) > 0 {
		f.Errors = errs
		h.newListingAgain(w, r, http.StatusUnprocessableEntity, f, false, photos)
		return
	}
	l, err := h.svc.Create(r.Context(), u, in)
	if errors.Is(err, service.ErrUnverified) {
		h.newListingAgain(w, r, web.Status(err), f, true, photos)
		return
	}
	if err != nil {
		if mergeErrors(errs, err) {
			f.Errors = errs
			h.newListingAgain(w, r, http.StatusUnprocessableEntity, f, false, photos)
			return
		}
		web.Error(w, r, err)
		return
	}
	msg := "Your book is listed."
	if l.Status == catalog.StatusDraft {
		msg = "Draft saved; publish it when you are ready."
	}
	edit := fmt.Sprintf("/my/listings/%d/edit", l.ID)
	// Kept above, the photos attach as staged ones; one can still be lost
	// or refused meanwhile (listed from another tab), which is told below.
	added, gone, refused, err := h.svc.AttachPhotos(r.Context(), u, l.ID, photos.tokens(), nil, nil)
	if err != nil {
		// The listing is saved either way; the seller adds the photos on
		// its edit page, where this message waits.
		h.log.ErrorContext(r.Context(), "attach photos", "book", l.ID, "err", err)
		web.Redirect(w, r, "error", msg+" The photos could not be added just now: add them below.", edit)
		return
	}
	switch {
	case len(added)+len(refused) > 0:
		msg += " " + photoOutcome(len(added), refused)
	case gone == 0:
		msg += " Add photos below so shoppers can see the book."
	}
	if gone > 0 {
		msg += " " + noLongerKept(gone) + " (sent from another tab, or kept too long): add " + text.Plural(gone, "it", "them") + " again below."
	}
	kind := "success"
	if len(refused) > 0 || gone > 0 {
		kind = "error"
	}
	web.Redirect(w, r, kind, msg, edit)
}

// newListingAgain shows the new-listing form again, as sent, with its
// photos kept, telling an unverified seller why it was not listed.
func (h *handler) newListingAgain(w http.ResponseWriter, r *http.Request, status int, f listingForm, unverified bool, photos formPhotos) {
	p := h.formPage(r.Context(), f, nil)
	p.Unverified = unverified
	photos.show(&p)
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
	render(w, r, http.StatusOK, "Edit "+text.Quote(l.Title), listingEditView(h.formPage(r.Context(), formFromListing(l), &l)))
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
	render(w, r, http.StatusUnprocessableEntity, "Edit "+text.Quote(l.Title), listingEditView(h.formPage(r.Context(), f, &l)))
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
	render(w, r, http.StatusOK, "Delete "+text.Quote(l.Title), listingDeleteView(l))
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
	msg := text.Quote(l.Title) + " is deleted."
	if archived {
		msg = text.Quote(l.Title) + " is archived rather than deleted, because orders refer to it; its photos are removed."
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
	var added []service.Photo
	var refused []service.Refusal
	if err == nil {
		added, refused, err = h.svc.AddPhotos(r.Context(), u, l.ID, service.PhotoUploads(files, web.ReadUpload))
	}
	msg := photoOutcome(len(added), refused)
	if err != nil {
		// Only the upload's own faults (no file, a form too large) come
		// back on the page; any other is the page's to answer.
		if !service.RefusesPhoto(err) {
			web.Error(w, r, err)
			return
		}
		msg = "The photos were not added: " + refusal(err) + "."
	}
	if err != nil || len(refused) > 0 {
		page := h.formPage(r.Context(), formFromListing(l), &l)
		if fresh, lerr := h.svc.Listing(r.Context(), l.ID); lerr == nil {
			page.Listing = &fresh
		}
		page.PhotoError = msg
		render(w, r, http.StatusUnprocessableEntity, "Edit "+text.Quote(l.Title), listingEditView(page))
		return
	}
	web.Redirect(w, r, "success", msg, fmt.Sprintf("/my/listings/%d/edit", l.ID))
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
	edit := fmt.Sprintf("/my/listings/%d/edit", l.ID)
	err = h.svc.DeletePhoto(r.Context(), u, l.ID, pid)
	if errors.Is(err, service.ErrPhotoNotFound) {
		// A page shown before the photo was removed (another tab, a
		// second click): what the seller asked for holds.
		web.Redirect(w, r, "info", "That photo was already removed.", edit)
		return
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.Redirect(w, r, "success", "The photo is removed.", edit)
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
		switch {
		case errors.Is(err, service.ErrPhotoAtEnd):
			web.Redirect(w, r, "error", "The photo was not moved: "+apperr.As(err).Message+".", edit)
			return
		case errors.Is(err, service.ErrPhotoNotFound):
			web.Redirect(w, r, "error", "The photo was not moved: it has been removed since the page was shown.", edit)
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

// photoOutcome tells the seller what an upload of sent photos did: how
// many were stored and each one refused, by name and why, so a partial
// upload never reads as a failure of all of them.
func photoOutcome(added int, refused []service.Refusal) string {
	switch {
	case len(refused) == 0:
		return fmt.Sprintf("%d %s added.", added, text.Plural(added, "photo", "photos"))
	case added == 0 && len(refused) == 1:
		return "The photo was not added: " + refusal(refused[0].Err) + "."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d photos added", added, added+len(refused))
	for _, f := range refused {
		fmt.Fprintf(&b, "; %s was not: %s", f.Label(), refusal(f.Err))
	}
	return b.String() + "."
}

// refusal is why a photo was refused, in words for the seller.
func refusal(err error) string {
	if e := apperr.As(err); e != nil {
		return e.Message
	}
	return err.Error()
}
