package pages

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/text"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

// importRefreshSeconds is how often the progress page reloads itself
// (the Refresh header: no script, and it stops once the import is done).
const importRefreshSeconds = "2"

// importPreview is the staged import and a page of its judged rows.
type importPreview struct {
	Import service.Import
	Rows   service.ImportRowsPage
	Pager  view.Pager
	// Unverified is set for a seller whose email address is not
	// confirmed: the import waits for it.
	Unverified bool
}

// importColumns are the columns the preview shows, from the file's own.
var importPreviewColumns = []string{"title", "author", "isbn", "condition", "price", "copies"}

// importsPerPage is how many past imports the upload page lists at once.
const importsPerPage = 20

// importUploadPage is the upload form and the seller's past imports.
type importUploadPage struct {
	FileError string
	Imports   []service.Import
	Pager     view.Pager
}

func (h *handler) importForm(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h.renderUpload(w, r, http.StatusOK, u, "")
}

// renderUpload shows the upload form, with fileError when a file was
// refused as a whole, above the seller's past imports.
func (h *handler) renderUpload(w http.ResponseWriter, r *http.Request, status int, u auth.User, fileError string) {
	page := view.PageParam(r.URL.Query())
	ims, hasNext, err := h.svc.SellerImports(r.Context(), u, page, importsPerPage)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	lenOf := func(n int) (int, error) {
		ims, _, err := h.svc.SellerImports(r.Context(), u, n, importsPerPage)
		return len(ims), err
	}
	if status == http.StatusOK && web.PastTheEnd(w, r, "page", page, len(ims), lenOf) {
		return
	}
	render(w, r, status, "Import listings", importUploadView(importUploadPage{FileError: fileError, Imports: ims, Pager: view.NewPager(r.URL, page, hasNext)}))
}

// stageImport reads the upload; a file refused as a whole, or one past the
// cap on unconfirmed imports, comes back on the form with the reason, a
// readable one goes to its preview.
func (h *handler) stageImport(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	files, err := web.Uploads(r, "file")
	var im service.Import
	if err == nil {
		var data []byte
		data, err = web.ReadUpload(files[0], service.MaxImportBytes, service.ErrImportTooLarge)
		if err == nil {
			im, _, err = h.svc.StageImport(r.Context(), u, files[0].Filename, data)
		}
	}
	if err != nil {
		e := apperr.As(err)
		if e == nil || (e.Kind != apperr.Invalid && e.Kind != apperr.TooLarge && !errors.Is(err, service.ErrTooManyImports)) {
			web.Error(w, r, err)
			return
		}
		msg := e.Message
		if f := e.Fields["file"]; f != "" {
			msg = f
		}
		status := http.StatusUnprocessableEntity
		if errors.Is(err, service.ErrTooManyImports) {
			status = http.StatusConflict
		}
		h.renderUpload(w, r, status, u, msg)
		return
	}
	web.Redirect(w, r, "info", "Check the rows below, then confirm the import.", importURL(im.ID))
}

func importID(r *http.Request) (int64, error) {
	return web.PathID(r, "id", service.ErrImportNotFound)
}

// showImport is the preview while the import is staged, then its progress,
// then its summary.
func (h *handler) showImport(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	id, err := importID(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	im, err := h.svc.Import(r.Context(), u, id)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if im.State != service.ImportStaged {
		if !im.Finished() {
			w.Header().Set("Refresh", importRefreshSeconds)
		}
		render(w, r, http.StatusOK, "Import of "+importTitle(im), importStatusView(im))
		return
	}
	h.renderPreview(w, r, http.StatusOK, u, id)
}

// renderPreview shows a page of the seller's staged import with its rows
// judged.
func (h *handler) renderPreview(w http.ResponseWriter, r *http.Request, status int, u auth.User, id int64) {
	page := view.PageParam(r.URL.Query())
	im, rows, err := h.svc.ImportPreview(r.Context(), u, id, page)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	lenOf := web.CountedPages(service.ImportRowsPerPage, func() (int, error) { return rows.Total, nil })
	if status == http.StatusOK && web.PastTheEnd(w, r, "page", page, len(rows.Rows), lenOf) {
		return
	}
	p := importPreview{Import: im, Rows: rows, Pager: view.NewPager(r.URL, page, rows.HasNext), Unverified: !u.EmailVerified}
	render(w, r, status, "Preview of "+importTitle(im), importPreviewView(p))
}

func (h *handler) confirmImport(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	id, err := importID(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if _, err := h.svc.ConfirmImport(r.Context(), u, id); err != nil {
		switch {
		case errors.Is(err, service.ErrImportState):
			web.Redirect(w, r, "info", service.ErrImportState.Message, importURL(id))
		case errors.Is(err, service.ErrUnverified):
			h.renderPreview(w, r, web.Status(err), u, id)
		default:
			web.Error(w, r, err)
		}
		return
	}
	web.Redirect(w, r, "success", "Your import has started; this page follows it.", importURL(id))
}

// exportListings sends the seller's listings as CSV.
func (h *handler) exportListings(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="my-listings.csv"`)
	if err := h.svc.ExportListings(r.Context(), u, w); err != nil {
		// Headers and perhaps rows are gone already; the log has it.
		h.log.ErrorContext(r.Context(), "export listings", "err", err)
	}
}

// importRowsCaption says which of the file's rows a page of its preview
// holds.
func importRowsCaption(p service.ImportRowsPage) string {
	if len(p.Rows) == 0 {
		return "The file has no rows"
	}
	from := (p.Page-1)*service.ImportRowsPerPage + 1
	return fmt.Sprintf("Rows %d to %d of %d, refused rows first", from, from+len(p.Rows)-1, p.Total)
}

func importURL(id int64) string { return fmt.Sprintf("/my/listings/import/%d", id) }

// importState is how the pages name an import's state, with its tone.
func importState(state string) (view.Tone, string) {
	switch state {
	case service.ImportStaged:
		return view.ToneNeutral, "Not confirmed"
	case service.ImportDone:
		return view.ToneOK, "Done"
	case service.ImportFailed:
		return view.ToneBad, "Failed"
	default:
		return view.ToneWaiting, "Importing"
	}
}

// importTitle is importName within a page's <title>, which cannot hold
// the <bdi> the page sets it in: a file's name is quoted and isolated.
func importTitle(im service.Import) string {
	if im.Filename != "" {
		return text.Quote(im.Filename)
	}
	return importName(im)
}

func importName(im service.Import) string {
	if im.Filename != "" {
		return im.Filename
	}
	return fmt.Sprintf("import #%d", im.ID)
}
