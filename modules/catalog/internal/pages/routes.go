// Package pages serves the catalog's pages: browsing and search for everyone,
// "My listings" for sellers, "My wants" for shoppers, and the admin's
// hidden-listings page.
package pages

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

type handler struct {
	svc *service.Service
	log *slog.Logger
}

// Routes returns the catalog's page routes.
func Routes(svc *service.Service, log *slog.Logger) web.Routes {
	h := &handler{svc: svc, log: log}
	return func(r chi.Router) {
		r.Get("/", h.home)
		r.Get("/books", h.searchBooks)
		r.Get("/books/{id}", h.showBook)
		r.Get("/books/{id}/cover", h.cover)
		r.Get("/editions/{isbn}", h.showEdition)
		r.Get("/photos/*", h.servePhoto)
		r.Get("/my/listings", h.myListings)
		r.Get("/my/listings.csv", h.exportListings)
		r.Get("/my/listings/import", h.importForm)
		r.Post("/my/listings/import", h.stageImport)
		r.Get("/my/listings/import/{id}", h.showImport)
		r.Post("/my/listings/import/{id}/confirm", h.confirmImport)
		r.Get("/my/listings/new", h.newListingForm)
		r.Post("/my/listings/new", h.fillListing)
		r.Post("/my/listings", h.createListing)
		r.Get("/my/photos/staged/{token}", h.stagedPhoto)
		r.Get("/my/listings/{id}/edit", h.editListingForm)
		r.Post("/my/listings/{id}", h.updateListing)
		r.Post("/my/listings/{id}/publish", h.setStatus(catalog.StatusActive, "Your listing is now on sale."))
		r.Post("/my/listings/{id}/resume", h.setStatus(catalog.StatusActive, "Your listing is on sale again."))
		r.Post("/my/listings/{id}/pause", h.setStatus(catalog.StatusPaused, "Your listing is paused; shoppers can no longer buy it."))
		r.Get("/my/listings/{id}/delete", h.deleteListingForm)
		r.Post("/my/listings/{id}/delete", h.deleteListing)
		r.Post("/my/listings/{id}/photos", h.addPhoto)
		r.Post("/my/listings/{id}/photos/{photo}/delete", h.deletePhoto)
		r.Post("/my/listings/{id}/photos/{photo}/cover", h.movePhoto(service.PhotoToCover, func(n int) string { return fmt.Sprintf("Photo %d is now the cover.", n) }))
		r.Post("/my/listings/{id}/photos/{photo}/earlier", h.movePhoto(service.PhotoEarlier, func(n int) string { return fmt.Sprintf("Photo %d moved earlier.", n) }))
		r.Post("/my/listings/{id}/photos/{photo}/later", h.movePhoto(service.PhotoLater, func(n int) string { return fmt.Sprintf("Photo %d moved later.", n) }))
		r.Get("/my/wants", h.myWants)
		r.Post("/my/wants", h.createWant)
		r.Get("/my/wants/{id}/edit", h.editWantForm)
		r.Post("/my/wants/{id}", h.updateWant)
		r.Post("/my/wants/{id}/delete", h.deleteWant)
		r.Get("/admin/listings", h.adminListings)
		r.Post("/admin/listings/{id}/hide", h.hideListing)
		r.Post("/admin/listings/{id}/unhide", h.unhideListing)
	}
}

func render(w http.ResponseWriter, r *http.Request, status int, title string, body templ.Component) {
	web.Render(w, r, status, view.Page{Title: title, Body: body})
}

func bookID(r *http.Request) (catalog.BookID, error) {
	id, err := web.PathID(r, "id", catalog.ErrNotFound)
	return catalog.BookID(id), err
}
