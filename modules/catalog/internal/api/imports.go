package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

// Import is a CSV import in JSON: its state, progress and summary.
type Import struct {
	ID       int64                   `json:"id"`
	Filename string                  `json:"filename"`
	State    string                  `json:"state"`
	Total    int                     `json:"total"`
	Done     int                     `json:"done"`
	Created  int                     `json:"created"`
	Updated  int                     `json:"updated"`
	Refused  []service.ImportRefusal `json:"refused"`
	Error    string                  `json:"error"`
}

func importJSON(im service.Import) Import {
	refused := im.Refused
	if refused == nil {
		refused = []service.ImportRefusal{}
	}
	return Import{ID: im.ID, Filename: im.Filename, State: im.State, Total: im.Total, Done: im.Done,
		Created: im.Created, Updated: im.Updated, Refused: refused, Error: im.Error}
}

// ImportListItem is an import in the seller's list: its state and counts;
// its refused rows are in the import itself.
type ImportListItem struct {
	ID        int64     `json:"id"`
	Filename  string    `json:"filename"`
	State     string    `json:"state"`
	Total     int       `json:"total"`
	Done      int       `json:"done"`
	Created   int       `json:"created"`
	Updated   int       `json:"updated"`
	Refused   int       `json:"refused"`
	CreatedAt time.Time `json:"created_at"`
}

// ImportPage is a page of the seller's imports, newest first.
type ImportPage struct {
	Imports  []ImportListItem `json:"imports"`
	Page     int              `json:"page"`
	NextPage *int             `json:"next_page"`
}

// importsPerPage is how many imports a page of the list holds.
const importsPerPage = 20

func (h *handler) listImports(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	n := view.PageParam(r.URL.Query())
	ims, hasNext, err := h.svc.SellerImports(r.Context(), u, n, importsPerPage)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	out := ImportPage{Imports: make([]ImportListItem, len(ims)), Page: n, NextPage: nextPage(n, hasNext)}
	for i, im := range ims {
		out.Imports[i] = ImportListItem{ID: im.ID, Filename: im.Filename, State: im.State, Total: im.Total, Done: im.Done,
			Created: im.Created, Updated: im.Updated, Refused: im.RefusedCount, CreatedAt: im.CreatedAt}
	}
	web.JSON(w, http.StatusOK, out)
}

// ImportRow is one row of a staged import as the preview judges it.
type ImportRow struct {
	Line   int               `json:"line"`
	Valid  bool              `json:"valid"`
	Errors map[string]string `json:"errors"`
	// PriceCents is the price as read, nil when it could not be; a
	// client shows it, so a misread amount shows before the import is
	// confirmed.
	PriceCents *int64          `json:"price_cents"`
	Updates    *catalog.BookID `json:"updates_book_id"`
}

// ImportRows is a page of a staged import's judged rows, the refused
// ones first, with the counts of the whole file.
type ImportRows struct {
	Rows     []ImportRow `json:"rows"`
	Valid    int         `json:"valid"`
	Refused  int         `json:"refused"`
	Page     int         `json:"page"`
	NextPage *int        `json:"next_page"`
}

// ImportPreview is a staged import with the first page of its rows.
type ImportPreview struct {
	Import Import `json:"import"`
	ImportRows
}

func importRowsJSON(p service.ImportRowsPage) ImportRows {
	out := ImportRows{Rows: make([]ImportRow, len(p.Rows)), Valid: p.Valid, Refused: p.Total - p.Valid, Page: p.Page, NextPage: nextPage(p.Page, p.HasNext)}
	for i, row := range p.Rows {
		out.Rows[i] = ImportRow{Line: row.Line, Valid: row.Valid(), Errors: row.Errors}
		if cents, ok := row.Price(); ok {
			out.Rows[i].PriceCents = &cents
		}
		if row.Updates != 0 {
			id := row.Updates
			out.Rows[i].Updates = &id
		}
	}
	return out
}

// errNotCSV refuses an import whose body is not sent as CSV: the body of a
// file upload (multipart) or of a JSON call is not the file, and reading
// it as one gave a false verdict on the file (empty, or rows of JSON). A
// text/csv in another charset, or with another parameter, is refused too,
// so the message names what is taken, not only the media type.
var errNotCSV = apperr.ErrMediaType.WithMessage("send the CSV file in UTF-8 as the request body, with Content-Type: text/csv (its one parameter may be charset=utf-8)")

// stageImport takes the CSV as the request body; ?filename names it.
func (h *handler) stageImport(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if !web.SentAs(r, "text/csv") {
		web.Error(w, r, errNotCSV)
		return
	}
	filename := r.URL.Query().Get("filename")
	if utf8.RuneCountInString(filename) > service.MaxImportFilename {
		web.Error(w, r, apperr.ErrInvalid.WithFields(map[string]string{"filename": fmt.Sprintf("must be at most %d characters", service.MaxImportFilename)}))
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, service.MaxImportBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		web.Error(w, r, service.ErrImportTooLarge)
		return
	}
	if err != nil {
		web.Error(w, r, apperr.ErrBadRequest.WithMessage("the file could not be read"))
		return
	}
	im, rows, err := h.svc.StageImport(r.Context(), u, filename, data)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	out := ImportPreview{Import: importJSON(im), ImportRows: importRowsJSON(service.PageImportRows(rows, 1))}
	w.Header().Set("Location", "/api/v1/me/imports/"+strconv.FormatInt(im.ID, 10))
	web.JSON(w, http.StatusCreated, out)
}

func (h *handler) getImport(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	id, err := web.PathID(r, "id", service.ErrImportNotFound)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	im, err := h.svc.Import(r.Context(), u, id)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, importJSON(im))
}

// importRows is a page of a staged import's judged rows, judged again
// against the listings as they are now.
func (h *handler) importRows(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	id, err := web.PathID(r, "id", service.ErrImportNotFound)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	_, rows, err := h.svc.ImportPreview(r.Context(), u, id, view.PageParam(r.URL.Query()))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, importRowsJSON(rows))
}

func (h *handler) confirmImport(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	id, err := web.PathID(r, "id", service.ErrImportNotFound)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	im, err := h.svc.ConfirmImport(r.Context(), u, id)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusAccepted, importJSON(im))
}
