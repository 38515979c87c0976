// Package api serves the catalog's JSON API under /api/v1: the same
// searches as the pages and every seller action, with the same rules
// (they live in the service).
package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

type handler struct{ svc *service.Service }

// Routes returns the catalog's API routes.
func Routes(svc *service.Service) web.Routes {
	h := &handler{svc: svc}
	// Full paths, not a /api/v1 sub-router: chi allows one Mount per
	// prefix, and every module adds routes under /api/v1.
	return func(r chi.Router) {
		r.Get("/api/v1/books", h.listBooks)
		r.Post("/api/v1/books", h.createBook)
		r.Get("/api/v1/books/{id}", h.getBook)
		r.Patch("/api/v1/books/{id}", h.patchBook)
		r.Delete("/api/v1/books/{id}", h.deleteBook)
		r.Post("/api/v1/books/{id}/photos", h.addPhotos)
		r.Put("/api/v1/books/{id}/photos/order", h.orderPhotos)
		r.Delete("/api/v1/books/{id}/photos/{photo}", h.deletePhoto)
		r.Get("/api/v1/editions/{isbn}", h.getEdition)
		r.Get("/api/v1/editions/{isbn}/prices", h.getEditionPrices)
		r.Get("/api/v1/me/books", h.myBooks)
		r.Get("/api/v1/me/imports", h.listImports)
		r.Method(http.MethodPost, "/api/v1/me/imports", web.FileBody(h.stageImport))
		r.Get("/api/v1/me/imports/{id}", h.getImport)
		r.Get("/api/v1/me/imports/{id}/rows", h.importRows)
		r.Post("/api/v1/me/imports/{id}/confirm", h.confirmImport)
		r.Get("/api/v1/me/wants", h.myWants)
		r.Post("/api/v1/me/wants", h.createWant)
		r.Get("/api/v1/me/wants/{id}", h.getWant)
		r.Patch("/api/v1/me/wants/{id}", h.patchWant)
		r.Delete("/api/v1/me/wants/{id}", h.deleteWant)
		r.Get("/api/v1/me/want-matches", h.myWantMatches)
		r.Post("/api/v1/me/want-matches/seen", h.markWantMatchesSeen)
	}
}

// Seller is the seller of a book as the API shows it.
type Seller struct {
	ID   auth.UserID `json:"id"`
	Name string      `json:"name"`
}

// Photo is one photo's addresses.
type Photo struct {
	ID     int64  `json:"id"`
	URL    string `json:"url"`
	Thumb  string `json:"thumbnail_url"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

func photoJSON(p service.Photo) Photo {
	return Photo{ID: p.ID, URL: p.URL("large"), Thumb: p.URL("thumb"), Width: p.Width, Height: p.Height}
}

func photosJSON(ps []service.Photo) []Photo {
	out := make([]Photo, len(ps))
	for i, p := range ps {
		out[i] = photoJSON(p)
	}
	return out
}

// Book is a listing in JSON. Money is integer minor units with its currency.
type Book struct {
	ID            catalog.BookID    `json:"id"`
	Title         string            `json:"title"`
	Author        string            `json:"author"`
	ISBN          *string           `json:"isbn"`
	Condition     catalog.Condition `json:"condition"`
	ConditionNote string            `json:"condition_note"`
	PriceCents    int64             `json:"price_cents"`
	Currency      string            `json:"currency"`
	Copies        int               `json:"copies"`
	Available     int               `json:"available"`
	Status        catalog.Status    `json:"status"`
	SoldOut       bool              `json:"sold_out"`
	Description   string            `json:"description"`
	Language      string            `json:"language"`
	Year          *int              `json:"year"`
	Seller        Seller            `json:"seller"`
	Photos        []Photo           `json:"photos"`
	CreatedAt     string            `json:"created_at"`
	// Seller-only counts and the admin's reason, shown to the seller.
	Held         *int    `json:"held,omitempty"`
	Sold         *int    `json:"sold,omitempty"`
	HiddenReason *string `json:"hidden_reason,omitempty"`
}

func bookJSON(l service.Listing, owner bool) Book {
	b := Book{
		ID: l.ID, Title: l.Title, Author: l.Author, Condition: l.Condition, ConditionNote: l.ConditionNote,
		PriceCents: l.PriceCents, Currency: l.Currency, Copies: l.Copies(), Available: l.Available,
		Status: l.Status, SoldOut: l.SoldOut(), Description: l.Description, Language: l.Language,
		Seller: Seller{ID: l.SellerID, Name: l.SellerName}, Photos: photosJSON(l.Photos),
		CreatedAt: l.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"),
	}
	if l.ISBN != "" {
		isbn := l.ISBN
		b.ISBN = &isbn
	}
	if l.Year != 0 {
		y := l.Year
		b.Year = &y
	}
	if owner {
		held, sold := l.Held, l.Sold
		b.Held, b.Sold = &held, &sold
		if l.HiddenReason != "" {
			r := l.HiddenReason
			b.HiddenReason = &r
		}
	}
	return b
}

func booksJSON(ls []service.Listing, owner bool) []Book {
	out := make([]Book, 0, len(ls))
	for _, l := range ls {
		out = append(out, bookJSON(l, owner))
	}
	return out
}

// Page is a page of books.
type Page struct {
	Books    []Book `json:"books"`
	Page     int    `json:"page"`
	NextPage *int   `json:"next_page"`
}

// SearchPage is a page of a search: how many books match (exactly up to
// 1,000, else the database's estimate, with total_exact false) and, when
// nothing matched, a corrected search to offer.
type SearchPage struct {
	Page
	Total      int    `json:"total"`
	TotalExact bool   `json:"total_exact"`
	Suggestion string `json:"suggestion,omitempty"`
}

func page(ls []service.Listing, n int, hasNext, owner bool) Page {
	return Page{Books: booksJSON(ls, owner), Page: n, NextPage: nextPage(n, hasNext)}
}

// nextPage is a list's next_page: the number after n, or null on the last.
func nextPage(n int, hasNext bool) *int {
	if !hasNext {
		return nil
	}
	next := n + 1
	return &next
}

func (h *handler) listBooks(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	q.Count = true
	res, err := h.svc.Search(r.Context(), q)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, SearchPage{Page: page(res.Listings, res.Page, res.HasNext, false),
		Total: res.Total, TotalExact: res.TotalExact, Suggestion: res.Suggestion})
}

func parseQuery(r *http.Request) (service.Query, error) {
	q, fields := service.ParseQuery(r.URL.Query())
	if len(fields) > 0 {
		return q, apperr.ErrInvalid.WithMessage("some search parameters are not valid").WithFields(fields)
	}
	return q, nil
}

// BookInput is the writable fields of a book; PATCH sends any subset.
type BookInput struct {
	Title         *string            `json:"title" maxLength:"300"`
	Author        *string            `json:"author" maxLength:"300"`
	ISBN          *string            `json:"isbn"`
	Condition     *catalog.Condition `json:"condition"`
	ConditionNote *string            `json:"condition_note" maxLength:"1000"`
	PriceCents    *int64             `json:"price_cents"`
	Copies        *int               `json:"copies"`
	Description   *string            `json:"description" maxLength:"5000"`
	Language      *string            `json:"language"`
	Year          *int               `json:"year"`
	// CopiesBase, on PATCH, is the copies the client read before choosing
	// copies: when they changed since, the PATCH gets a 409 instead of
	// putting sold copies back on sale (service.Edit.CopiesBase).
	CopiesBase *int `json:"copies_base"`
	// Status is draft or active on POST, active or paused on PATCH.
	Status *catalog.Status `json:"status"`
}

// checkLanguage refuses a language sent empty, which the service would
// read as English: in the search an empty language means any, and a
// client clearing the field would not mean English. absent says what
// leaving the field out means instead: English on POST, the listing's
// language on PATCH.
func (b BookInput) checkLanguage(absent string) error {
	if b.Language != nil && strings.TrimSpace(*b.Language) == "" {
		return apperr.ErrInvalid.WithFields(map[string]string{"language": "choose a language code from the list, or leave the field out for " + absent})
	}
	return nil
}

// edit is the change the body asks for: only the fields it names.
func (b BookInput) edit() service.Edit {
	return service.Edit{
		Title: b.Title, Author: b.Author, ISBN: b.ISBN, Condition: b.Condition, ConditionNote: b.ConditionNote,
		PriceCents: b.PriceCents, Copies: b.Copies, Description: b.Description, Language: b.Language, Year: b.Year,
		CopiesBase: b.CopiesBase,
	}
}

func (h *handler) createBook(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var body BookInput
	if err := web.DecodeJSON(w, r, &body); err != nil {
		web.Error(w, r, err)
		return
	}
	if err := body.checkLanguage("English"); err != nil {
		web.Error(w, r, err)
		return
	}
	in := service.Input{}
	body.edit().Apply(&in)
	if body.Status != nil {
		switch *body.Status {
		case catalog.StatusDraft:
			in.Draft = true
		case catalog.StatusActive:
		default:
			web.Error(w, r, apperr.ErrInvalid.WithFields(map[string]string{"status": "must be draft or active"}))
			return
		}
	}
	l, err := h.svc.Create(r.Context(), u, in)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/books/"+strconv.FormatInt(int64(l.ID), 10))
	web.JSON(w, http.StatusCreated, bookJSON(l, true))
}

func bookID(r *http.Request) (catalog.BookID, error) {
	id, err := web.PathID(r, "id", catalog.ErrNotFound)
	return catalog.BookID(id), err
}

func (h *handler) getBook(w http.ResponseWriter, r *http.Request) {
	id, err := bookID(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	l, err := h.svc.ListingFor(r.Context(), id)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	u, _ := auth.UserFrom(r.Context())
	web.JSON(w, http.StatusOK, bookJSON(l, l.OwnedBy(u)))
}

// ownBook loads a listing for a change: 403 for anyone but its seller,
// before anything in the request is looked at.
func (h *handler) ownBook(r *http.Request) (auth.User, service.Listing, error) {
	id, err := bookID(r)
	if err != nil {
		return auth.User{}, service.Listing{}, err
	}
	return h.svc.SignedInOwner(r.Context(), id)
}

func (h *handler) patchBook(w http.ResponseWriter, r *http.Request) {
	u, l, err := h.ownBook(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var body BookInput
	if err := web.DecodeJSON(w, r, &body); err != nil {
		web.Error(w, r, err)
		return
	}
	if err := body.checkLanguage("the listing's language"); err != nil {
		web.Error(w, r, err)
		return
	}
	if body.Status != nil && *body.Status != catalog.StatusActive && *body.Status != catalog.StatusPaused {
		web.Error(w, r, apperr.ErrInvalid.WithFields(map[string]string{"status": "must be active or paused; DELETE archives"}))
		return
	}
	if l, err = h.svc.Update(r.Context(), u, l.ID, body.edit()); err != nil {
		web.Error(w, r, err)
		return
	}
	if body.Status != nil {
		if l, err = h.svc.SetStatus(r.Context(), u, l.ID, *body.Status); err != nil {
			web.Error(w, r, err)
			return
		}
	}
	web.JSON(w, http.StatusOK, bookJSON(l, true))
}

func (h *handler) deleteBook(w http.ResponseWriter, r *http.Request) {
	u, l, err := h.ownBook(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	archived, err := h.svc.Delete(r.Context(), u, l.ID)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if !archived {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	l, err = h.svc.Listing(r.Context(), l.ID)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, bookJSON(l, true))
}

// addPhotos takes one or more files in the multipart field "photo"; each
// is checked and stored in turn, a refused one (not an image, too large,
// past the listing's limit) named in "refused" while the others are still
// added. Only when none is added does the answer fail, with the refusals'
// reasons, lest a client take a partial upload for nothing done.
func (h *handler) addPhotos(w http.ResponseWriter, r *http.Request) {
	u, l, err := h.ownBook(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	files, err := web.Uploads(r, "photo")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	added, refused, err := h.svc.AddPhotos(r.Context(), u, l.ID, service.PhotoUploads(files, web.ReadUpload))
	if err == nil && len(added) == 0 && len(refused) > 0 {
		err = noneAdded(refused)
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	out := PhotosAdded{Photos: photosJSON(added), Refused: make([]RefusedPhoto, len(refused))}
	for i, f := range refused {
		out.Refused[i] = RefusedPhoto{File: f.Name, Number: f.N, Message: apperr.As(f.Err).Message}
	}
	web.JSON(w, http.StatusCreated, out)
}

// PhotosAdded answers an upload of which at least one photo was added.
type PhotosAdded struct {
	Photos  []Photo        `json:"photos"`
	Refused []RefusedPhoto `json:"refused"`
}

// RefusedPhoto is a file of an upload that was not added, and why. Number
// is its place among the files sent, from 1, given only when another file
// sent has the same name.
type RefusedPhoto struct {
	File    string `json:"file"`
	Number  int    `json:"number,omitempty"`
	Message string `json:"message"`
}

// noneAdded is the error of an upload whose every photo was refused: the
// first refusal's, naming each file and its reason when there were several.
func noneAdded(refused []service.Refusal) error {
	e := apperr.As(refused[0].Err)
	if len(refused) == 1 {
		return e
	}
	why := make([]string, len(refused))
	for i, f := range refused {
		why[i] = f.Label() + ": " + apperr.As(f.Err).Message
	}
	return e.WithMessage(fmt.Sprintf("none of the %d photos were added; %s", len(refused), strings.Join(why, "; ")))
}

func (h *handler) deletePhoto(w http.ResponseWriter, r *http.Request) {
	u, l, err := h.ownBook(r)
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
	w.WriteHeader(http.StatusNoContent)
}

// PhotoOrderInput is the new order of a listing's photos, the cover first.
type PhotoOrderInput struct {
	PhotoIDs []int64 `json:"photo_ids"`
}

// orderPhotos sets the order of the listing's photos as a whole: a PUT of
// the list the client sees, which a repeat leaves as it is, and which is
// refused, not half-applied, when a photo was added or removed since.
func (h *handler) orderPhotos(w http.ResponseWriter, r *http.Request) {
	u, l, err := h.ownBook(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var body PhotoOrderInput
	if err := web.DecodeJSON(w, r, &body); err != nil {
		web.Error(w, r, err)
		return
	}
	if body.PhotoIDs == nil {
		web.Error(w, r, apperr.ErrInvalid.WithFields(map[string]string{"photo_ids": "required"}))
		return
	}
	_, after, err := h.svc.ReorderPhotos(r.Context(), u, l.ID, service.PhotoIDs(body.PhotoIDs))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"photos": photosJSON(after)})
}

func (h *handler) myBooks(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	n := view.PageParam(r.URL.Query())
	list, hasNext, err := h.svc.SellerListings(r.Context(), u, n, 50)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, page(list, n, hasNext, true))
}
