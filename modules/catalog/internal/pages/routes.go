// Package web serves the catalog's pages: browsing and search for everyone,
// "My listings" for sellers, and the admin's hidden-listings page.
package pages

import (
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"testing/fstest"

	"github.com/go-chi/chi/v5"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

//go:embed templates/*.html templates/partials/*.html
var templatesFS embed.FS

type handler struct {
	svc  *service.Service
	view *view.Set
	log  *slog.Logger
}

// Templates parses the catalog's pages; each page also sees the partials
// (the listing card, the listing form), which view.Parse alone would not
// share between pages.
func Templates() (*view.Set, error) {
	partials, err := fs.Glob(templatesFS, "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	var shared strings.Builder
	for _, p := range partials {
		b, err := fs.ReadFile(templatesFS, p)
		if err != nil {
			return nil, err
		}
		shared.Write(b)
		shared.WriteByte('\n')
	}
	pages, err := fs.Glob(templatesFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	merged := fstest.MapFS{}
	for _, p := range pages {
		b, err := fs.ReadFile(templatesFS, p)
		if err != nil {
			return nil, err
		}
		merged[path.Base(p)] = &fstest.MapFile{Data: append(b, shared.String()...)}
	}
	return view.Parse(merged, labels)
}

// Routes returns the catalog's page routes.
func Routes(svc *service.Service, log *slog.Logger) (web.Routes, error) {
	set, err := Templates()
	if err != nil {
		return nil, fmt.Errorf("catalog templates: %w", err)
	}
	h := &handler{svc: svc, view: set, log: log}
	return func(r chi.Router) {
		r.Get("/", h.home)
		r.Get("/books", h.searchBooks)
		r.Get("/books/{id}", h.showBook)
		r.Get("/editions/{isbn}", h.showEdition)
		r.Get("/photos/*", h.servePhoto)
		r.Get("/my/listings", h.myListings)
		r.Get("/my/listings/new", h.newListingForm)
		r.Post("/my/listings", h.createListing)
		r.Get("/my/listings/{id}/edit", h.editListingForm)
		r.Post("/my/listings/{id}", h.updateListing)
		r.Post("/my/listings/{id}/publish", h.setStatus(catalog.StatusActive, "Your listing is now on sale."))
		r.Post("/my/listings/{id}/resume", h.setStatus(catalog.StatusActive, "Your listing is on sale again."))
		r.Post("/my/listings/{id}/pause", h.setStatus(catalog.StatusPaused, "Your listing is paused; shoppers can no longer buy it."))
		r.Get("/my/listings/{id}/delete", h.deleteListingForm)
		r.Post("/my/listings/{id}/delete", h.deleteListing)
		r.Post("/my/listings/{id}/photos", h.addPhoto)
		r.Post("/my/listings/{id}/photos/{photo}/delete", h.deletePhoto)
		r.Get("/admin/listings", h.adminListings)
		r.Post("/admin/listings/hide", h.hideListing)
		r.Post("/admin/listings/{id}/unhide", h.unhideListing)
	}, nil
}

func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, page, title string, data any) {
	if err := h.view.Render(w, r, status, page, view.Page{Title: title, Data: data}); err != nil {
		web.Error(w, r, err)
	}
}

func bookID(r *http.Request) (catalog.BookID, error) {
	id, err := web.PathID(r, "id", catalog.ErrNotFound)
	return catalog.BookID(id), err
}

func redirect(w http.ResponseWriter, r *http.Request, kind, msg, to string) {
	view.SetFlash(w, kind, msg)
	http.Redirect(w, r, to, http.StatusSeeOther)
}
