// Package web serves the catalog's pages.
package web

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/bookstore/bookstore/platform/view"
	platformweb "github.com/bookstore/bookstore/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

type handler struct {
	view *view.Set
}

// Routes returns the catalog's routes.
func Routes() (platformweb.Routes, error) {
	sub, err := fs.Sub(templatesFS, "templates")
	if err != nil {
		return nil, err
	}
	set, err := view.Parse(sub)
	if err != nil {
		return nil, err
	}
	h := &handler{view: set}
	return func(r chi.Router) {
		r.Get("/", h.home)
	}, nil
}

func (h *handler) home(w http.ResponseWriter, r *http.Request) {
	if err := h.view.Render(w, r, http.StatusOK, "home", view.Page{Title: "Second-hand books"}); err != nil {
		platformweb.Error(w, r, err)
	}
}
