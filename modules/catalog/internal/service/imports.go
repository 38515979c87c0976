package service

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/dbsqlc"
	"github.com/bookstore/bookstore/modules/catalog/internal/jobs"
	"github.com/bookstore/bookstore/platform/apperr"
)

// States of an import.
const (
	ImportStaged  = "staged"  // uploaded, shown as a preview, not confirmed
	ImportQueued  = "queued"  // confirmed; the job has not started
	ImportRunning = "running" // the job is importing
	ImportDone    = "done"    // every row created, updated or refused
	ImportFailed  = "failed"  // the job gave up; nothing was imported
)

// importProgressEvery is how many rows pass between progress writes: often
// enough for a smooth bar, rarely enough to cost nothing.
const importProgressEvery = 250

// Import is a seller's CSV import and, once done, its summary.
type Import struct {
	ID       int64
	SellerID auth.UserID
	Filename string
	State    string
	Total    int // rows in the file
	Done     int // rows handled so far
	Created  int
	Updated  int
	// Refused holds the rows left out, except in SellerImports, which
	// gives only their number in RefusedCount.
	Refused      []ImportRefusal
	RefusedCount int
	Error        string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// ImportRefusal is a row an import left out, and why.
type ImportRefusal struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// Finished reports whether the import will change no more.
func (im Import) Finished() bool { return im.State == ImportDone || im.State == ImportFailed }

// Percent is the share of rows handled, for the progress bar.
func (im Import) Percent() int {
	if im.Total == 0 {
		return 0
	}
	return im.Done * 100 / im.Total
}

// Limits of unconfirmed imports, which hold their file (up to
// MaxImportBytes) until confirmed.
const (
	// MaxStagedImports bounds the imports one seller keeps unconfirmed.
	MaxStagedImports = 10
	// StagedImportTTL is how long an import waits for its confirmation
	// before SweepStagedImports removes it.
	StagedImportTTL = 24 * time.Hour
)

// Import errors.
var (
	// ErrTooManyImports refuses an upload from a seller who has
	// MaxStagedImports imports unconfirmed.
	ErrTooManyImports = apperr.New(apperr.Conflict, "catalog.too_many_imports",
		fmt.Sprintf("you have %d imports waiting for your confirmation, the most one account may keep; confirm one first, or upload the file again tomorrow: an import not confirmed within a day is removed", MaxStagedImports))
	// ErrImportState refuses to confirm an import twice.
	ErrImportState = apperr.New(apperr.Conflict, "catalog.import_state", "this import has already been confirmed")
	// ErrImportNotFound answers for an import that does not exist or is
	// another seller's.
	ErrImportNotFound = apperr.New(apperr.NotFound, "catalog.import_not_found", "import not found; an import not confirmed within a day is removed")
)

func importFrom(r dbsqlc.GetImportRow) (Import, error) {
	im := Import{
		ID: r.ID, SellerID: auth.UserID(r.SellerID), Filename: r.Filename, State: r.State,
		Total: int(r.Total), Done: int(r.Done), Created: int(r.Created), Updated: int(r.Updated),
		Error: r.Error, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	if err := json.Unmarshal(r.Refused, &im.Refused); err != nil {
		return im, fmt.Errorf("import %d: refused rows: %w", r.ID, err)
	}
	im.RefusedCount = len(im.Refused)
	return im, nil
}

// SellerImports lists the seller's imports, newest first, perPage at a
// time, and whether a next page exists.
func (s *Service) SellerImports(ctx context.Context, seller auth.User, page, perPage int) ([]Import, bool, error) {
	if seller.ID == 0 {
		return nil, false, auth.ErrUnauthenticated
	}
	rows, err := s.q.SellerImports(ctx, s.pool, dbsqlc.SellerImportsParams{SellerID: int64(seller.ID), Lim: int32(perPage + 1), Off: int32((page - 1) * perPage)})
	if err != nil {
		return nil, false, fmt.Errorf("seller imports: %w", err)
	}
	out := make([]Import, 0, len(rows))
	for _, r := range rows[:min(len(rows), perPage)] {
		out = append(out, Import{ID: r.ID, SellerID: seller.ID, Filename: r.Filename, State: r.State, Total: int(r.Total), Done: int(r.Done),
			Created: int(r.Created), Updated: int(r.Updated), RefusedCount: int(r.RefusedCount), CreatedAt: r.CreatedAt})
	}
	return out, len(rows) > perPage, nil
}

// MaxImportFilename bounds the name an import is shown by, in characters.
// StageImport cuts a longer one, for the web form takes the file's own name,
// which the seller did not type; the API, where the client chooses it,
// refuses one.
const MaxImportFilename = 300

// StageImport parses a seller's CSV and, unless the file as a whole is
// refused (ParseListings) or the seller has MaxStagedImports unconfirmed
// already (ErrTooManyImports), stores it for the preview and the
// confirmation. The rows come back judged, with the listing each would
// update.
func (s *Service) StageImport(ctx context.Context, seller auth.User, filename string, data []byte) (Import, []ImportRow, error) {
	if seller.ID == 0 || seller.Disabled {
		return Import{}, nil, auth.ErrUnauthenticated
	}
	rows, err := s.ParseListings(data)
	if err != nil {
		return Import{}, nil, err
	}
	filename = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(strings.TrimSpace(filename), ""))
	if utf8.RuneCountInString(filename) > MaxImportFilename {
		filename = string([]rune(filename)[:MaxImportFilename])
	}
	var id int64
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.q.LockSellerImports(ctx, tx, int64(seller.ID)); err != nil {
			return err
		}
		n, err := s.q.CountStagedImports(ctx, tx, int64(seller.ID))
		if err != nil {
			return err
		}
		if n >= MaxStagedImports {
			return ErrTooManyImports
		}
		id, err = s.q.CreateImport(ctx, tx, dbsqlc.CreateImportParams{
			SellerID: int64(seller.ID), SellerName: seller.Name, Filename: filename, File: data, Total: int32(len(rows)),
		})
		return err
	})
	if err != nil {
		return Import{}, nil, fmt.Errorf("stage import: %w", err)
	}
	if err := s.planUpdates(ctx, s.pool, seller.ID, rows); err != nil {
		return Import{}, nil, fmt.Errorf("stage import %d: %w", id, err)
	}
	im, err := s.Import(ctx, seller, id)
	return im, rows, err
}

// Import returns one of the seller's imports: ErrImportNotFound for
// anyone else's, so their existence is not revealed.
func (s *Service) Import(ctx context.Context, seller auth.User, id int64) (Import, error) {
	if seller.ID == 0 {
		return Import{}, auth.ErrUnauthenticated
	}
	r, err := s.q.GetImport(ctx, s.pool, id)
	if isNoRows(err) || (err == nil && r.SellerID != int64(seller.ID)) {
		return Import{}, ErrImportNotFound
	}
	if err != nil {
		return Import{}, fmt.Errorf("import %d: %w", id, err)
	}
	return importFrom(r)
}

// SweepStagedImports removes the imports older than StagedImportTTL that
// were never confirmed, and so their files. Age is judged by the
// database's clock, which stamped them. It returns how many it removed.
func (s *Service) SweepStagedImports(ctx context.Context) (int, error) {
	n := 0
	for {
		m, err := s.q.SweepStagedImports(ctx, s.pool, dbsqlc.SweepStagedImportsParams{AgeSeconds: StagedImportTTL.Seconds(), MaxRows: sweepBatch})
		if err != nil {
			return n, fmt.Errorf("sweep staged imports: %w", err)
		}
		n += int(m)
		if m < sweepBatch {
			return n, nil
		}
	}
}

// ImportRowsPerPage is how many rows a page of a staged import's preview
// holds: a file of the most rows shown whole made a page of megabytes,
// held in memory while it was written.
const ImportRowsPerPage = 100

// ImportRowsPage is a page of a staged import's judged rows: the refused
// rows first, then those to import, each in the file's order, so the
// rows to fix are on the first pages.
type ImportRowsPage struct {
	Rows    []ImportRow
	Total   int // rows in the file
	Valid   int // rows that will be imported
	Page    int
	HasNext bool
}

// PageImportRows is page (from 1) of an import's judged rows.
func PageImportRows(rows []ImportRow, page int) ImportRowsPage {
	p := ImportRowsPage{Total: len(rows), Page: page}
	refused := make([]ImportRow, 0, len(rows))
	var valid []ImportRow
	for _, row := range rows {
		if row.Valid() {
			valid = append(valid, row)
		} else {
			refused = append(refused, row)
		}
	}
	p.Valid = len(valid)
	ordered := append(refused, valid...)
	from := min((page-1)*ImportRowsPerPage, len(ordered))
	to := min(from+ImportRowsPerPage, len(ordered))
	p.Rows = ordered[from:to]
	p.HasNext = to < len(ordered)
	return p
}

// ImportPreview is page (from 1) of the seller's staged import, its rows
// judged again against the listings as they are now; ErrImportState once
// the import was confirmed.
func (s *Service) ImportPreview(ctx context.Context, seller auth.User, id int64, page int) (Import, ImportRowsPage, error) {
	im, err := s.Import(ctx, seller, id)
	if err != nil {
		return im, ImportRowsPage{}, err
	}
	if im.State != ImportStaged {
		return im, ImportRowsPage{}, ErrImportState
	}
	data, err := s.q.ImportFile(ctx, s.pool, id)
	if err != nil {
		return im, ImportRowsPage{}, fmt.Errorf("import %d: %w", id, err)
	}
	rows, err := s.ParseListings(data)
	if err != nil {
		return im, ImportRowsPage{}, fmt.Errorf("import %d: %w", id, err)
	}
	if err := s.planUpdates(ctx, s.pool, seller.ID, rows); err != nil {
		return im, ImportRowsPage{}, fmt.Errorf("import %d: %w", id, err)
	}
	return im, PageImportRows(rows, page), nil
}

// ConfirmImport queues the seller's staged import; the job and the change
// of state commit together, so a confirmed import always runs. A second
// confirmation is ErrImportState; a seller whose email address is not
// confirmed gets ErrUnverified, as for one listing.
func (s *Service) ConfirmImport(ctx context.Context, seller auth.User, id int64) (Import, error) {
	if _, err := s.Import(ctx, seller, id); err != nil {
		return Import{}, err
	}
	if !seller.EmailVerified {
		return Import{}, ErrUnverified
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		n, err := s.q.SetImportState(ctx, tx, dbsqlc.SetImportStateParams{ID: id, NewState: ImportQueued, OldStates: []string{ImportStaged}})
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrImportState
		}
		if s.opts.Jobs == nil {
			return nil
		}
		_, err = s.opts.Jobs.InsertTx(ctx, tx, jobs.ImportListingsArgs{ImportID: id}, nil)
		return err
	})
	if err != nil {
		return Import{}, fmt.Errorf("confirm import %d: %w", id, err)
	}
	return s.Import(ctx, seller, id)
}

// planUpdates sets Updates on each valid row: a row with an id updates
// that listing, which must be the seller's own and not deleted, else the
// row is refused; a row without one updates the seller's listing of its
// ISBN and condition, if any. A row that would update a listing an
// earlier-planned row updates is refused, so each listing changes once. A
// row whose copies were edited though copies sold since its copies_base is
// refused as the update would refuse it (Edit.CopiesBase), so the preview
// shows it.
func (s *Service) planUpdates(ctx context.Context, db dbsqlc.DBTX, seller auth.UserID, rows []ImportRow) error {
	copies := map[catalog.BookID]int{}
	if err := s.matchRows(ctx, db, seller, rows, copies); err != nil {
		return err
	}
	judgeCopies(rows, copies)
	return nil
}

// matchRows sets Updates on each valid row (see planUpdates) and notes in
// copies the copies each listing to update has now.
func (s *Service) matchRows(ctx context.Context, db dbsqlc.DBTX, seller auth.UserID, rows []ImportRow, copies map[catalog.BookID]int) error {
	var ids []int64
	var isbns []string
	for i, r := range rows {
		switch {
		case !r.Valid():
		case r.ID != 0:
			ids = append(ids, int64(r.ID))
		case r.Input.ISBN != "":
			n, _ := ParseISBN(r.Input.ISBN)
			rows[i].Input.ISBN = n
			isbns = append(isbns, n)
		}
	}
	claimed := map[catalog.BookID]int{}
	if len(ids) > 0 {
		found, err := s.q.SellerBooksByID(ctx, db, dbsqlc.SellerBooksByIDParams{SellerID: int64(seller), Ids: ids})
		if err != nil {
			return fmt.Errorf("listings by id: %w", err)
		}
		status := make(map[catalog.BookID]string, len(found))
		for _, f := range found {
			status[catalog.BookID(f.ID)] = f.Status
			copies[catalog.BookID(f.ID)] = int(f.Copies)
		}
		for i, r := range rows {
			if !r.Valid() || r.ID == 0 {
				continue
			}
			switch st, ok := status[r.ID]; {
			case !ok:
				// Anyone else's listing reads as unknown, so a file
				// cannot probe which ids exist.
				rows[i].Errors["id"] = "none of your listings has this id; leave it empty to add a listing"
			case st == string(catalog.StatusArchived):
				rows[i].Errors["id"] = "this listing was deleted; leave the id empty to list the book again"
			default:
				rows[i].Updates = r.ID
				claimed[r.ID] = r.Line
			}
		}
	}
	if len(isbns) == 0 {
		return nil
	}
	found, err := s.q.SellerBooksByISBN(ctx, db, dbsqlc.SellerBooksByISBNParams{SellerID: int64(seller), Isbns: isbns})
	if err != nil {
		return fmt.Errorf("listings by ISBN: %w", err)
	}
	type key struct{ isbn, cond string }
	existing := make(map[key]catalog.BookID, len(found))
	for _, f := range found {
		k := key{*f.Isbn, f.Condition}
		if _, ok := existing[k]; !ok {
			existing[k] = catalog.BookID(f.ID)
			copies[catalog.BookID(f.ID)] = int(f.Copies)
		}
	}
	for i, r := range rows {
		if !r.Valid() || r.ID != 0 || r.Input.ISBN == "" {
			continue
		}
		id := existing[key{r.Input.ISBN, string(r.Input.Condition)}]
		if line, ok := claimed[id]; ok {
			rows[i].Errors["isbn"] = fmt.Sprintf("line %d already updates your listing of this ISBN and condition, by its id; one row per listing", line)
			continue
		}
		rows[i].Updates = id
	}
	return nil
}

// judgeCopies refuses each row that updates a listing whose copies moved
// since the row's copies_base while the row's copies were edited, and each
// row whose copies are fewer than its listing may have: 1 for a new
// listing or one on sale, 0 for a sold-out one, as an edit allows.
func judgeCopies(rows []ImportRow, copies map[catalog.BookID]int) {
	for i, r := range rows {
		if !r.Valid() {
			continue
		}
		n, floor := r.Input.Copies, 1
		if r.Updates != 0 {
			var err error
			if n, err = r.edit().copiesNow(r.Input.Copies, copies[r.Updates]); err != nil {
				maps.Copy(rows[i].Errors, apperr.As(err).Fields)
				continue
			}
			floor = copiesFloor(copies[r.Updates])
		}
		if n < floor {
			rows[i].Errors["copies"] = copiesRange(floor)
		}
	}
}

// RunImport imports a confirmed import's rows in one transaction: each
// valid row updates the seller's listing of its id, or without one of its
// ISBN and condition, or creates one; the others are refused with their reasons. The summary
// commits with the rows, so a failure at any row leaves nothing imported
// and a retry starts again from the first. Progress is written outside the
// transaction, for the page to show while it runs. Running a finished
// import again does nothing.
func (s *Service) RunImport(ctx context.Context, id int64) error {
	n, err := s.q.SetImportState(ctx, s.pool, dbsqlc.SetImportStateParams{ID: id, NewState: ImportRunning, OldStates: []string{ImportQueued, ImportRunning}})
	if err != nil {
		return fmt.Errorf("run import %d: %w", id, err)
	}
	if n == 0 {
		return nil
	}
	r, err := s.q.GetImport(ctx, s.pool, id)
	if err != nil {
		return fmt.Errorf("run import %d: %w", id, err)
	}
	seller := auth.User{ID: auth.UserID(r.SellerID), Name: r.SellerName}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		data, err := s.q.ImportFile(ctx, tx, id)
		if err != nil {
			return err
		}
		rows, err := s.ParseListings(data)
		if err != nil {
			return err
		}
		if err := s.q.EnsureSeller(ctx, tx, dbsqlc.EnsureSellerParams{ID: int64(seller.ID), Name: seller.Name}); err != nil {
			return err
		}
		if err := s.planUpdates(ctx, tx, seller.ID, rows); err != nil {
			return err
		}
		var created, updated int
		refused := []ImportRefusal{}
		for i, row := range rows {
			if i > 0 && i%importProgressEvery == 0 {
				if err := s.q.SetImportProgress(ctx, s.pool, dbsqlc.SetImportProgressParams{ID: id, Done: int32(i)}); err != nil {
					return err
				}
			}
			done, err := s.importRow(ctx, tx, seller, row)
			switch {
			case apperr.KindOf(err) == apperr.Invalid || apperr.KindOf(err) == apperr.Conflict:
				refused = append(refused, ImportRefusal{Line: row.Line, Reason: refusalReason(err)})
			case err != nil:
				return fmt.Errorf("line %d: %w", row.Line, err)
			case done == rowUpdated:
				updated++
			default:
				created++
			}
		}
		summary, err := json.Marshal(refused)
		if err != nil {
			return err
		}
		n, err := s.q.FinishImport(ctx, tx, dbsqlc.FinishImportParams{ID: id, Created: int32(created), Updated: int32(updated), Refused: summary})
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrImportState.WithMessage("the import finished elsewhere")
		}
		return nil
	})
	if err != nil {
		if nerr := s.q.NoteImportError(ctx, s.pool, dbsqlc.NoteImportErrorParams{ID: id, Error: importStopReason(err)}); nerr != nil {
			s.opts.Log.ErrorContext(ctx, "note import error", "import", id, "err", nerr)
		}
		return fmt.Errorf("run import %d: %w", id, err)
	}
	return nil
}

// FailImport gives an import up after its last attempt, which stopped on
// cause; nothing of it was imported.
func (s *Service) FailImport(ctx context.Context, id int64, cause error) error {
	if _, err := s.q.FailImport(ctx, s.pool, dbsqlc.FailImportParams{ID: id, Error: importStopReason(cause)}); err != nil {
		return fmt.Errorf("fail import %d: %w", id, err)
	}
	return nil
}

// importStopReason is what the seller is told of an attempt that stopped:
// a rule's own message, or only that it stopped. The text of any other
// error (the database's, a bug's) may name tables and values; it goes to
// the log and the job's record, never to the seller's page or the API.
func importStopReason(err error) string {
	if e := apperr.As(err); e != nil && e.Kind != apperr.Internal {
		return e.Message
	}
	return "the import stopped on an unexpected error"
}

type rowOutcome int

const (
	rowCreated rowOutcome = iota
	rowUpdated
)

// importRow creates or updates the listing of one row, by the rules of the
// listing form; a row's problems come back as apperr.Invalid or Conflict
// before anything is written, so the transaction stays usable.
func (s *Service) importRow(ctx context.Context, tx pgx.Tx, seller auth.User, row ImportRow) (rowOutcome, error) {
	if !row.Valid() {
		return rowCreated, apperr.ErrInvalid.WithFields(row.Errors)
	}
	if row.Updates != 0 {
		return rowUpdated, s.update(ctx, tx, seller, row.Updates, row.edit())
	}
	in := row.Input
	isbn, err := s.normalise(&in, 1)
	if err != nil {
		return rowCreated, err
	}
	_, err = s.create(ctx, tx, seller, in, isbn)
	return rowCreated, err
}

// edit changes the columns the file has, so a file without descriptions
// keeps those the listings have. A row matched by its ISBN and condition
// sets them to what they are; one matched by its id may change them.
func (r ImportRow) edit() Edit {
	in := r.Input
	e := Edit{Title: &in.Title, Author: &in.Author, Condition: &in.Condition, PriceCents: &in.PriceCents}
	has := func(col string) bool { _, ok := r.Cells[col]; return ok }
	if has("isbn") {
		e.ISBN = &in.ISBN
	}
	if has("copies") {
		e.Copies = &in.Copies
		e.CopiesBase = r.CopiesBase
	}
	if has("description") {
		e.Description = &in.Description
	}
	// An empty language cell keeps the listing's language: "" is no
	// language (a new listing's is English), and the API refuses it on an
	// edit too. The cell is read, as the row's input holds the default.
	if has("language") && strings.TrimSpace(r.Cells["language"]) != "" {
		e.Language = &in.Language
	}
	if has("year") {
		e.Year = &in.Year
	}
	return e
}

// refusalReason says in one line why a row was refused.
func refusalReason(err error) string {
	e := apperr.As(err)
	if len(e.Fields) == 0 {
		return e.Message
	}
	return fieldsReason(e.Fields)
}

// Reason says in one line what is wrong with the row, column by column.
func (r ImportRow) Reason() string { return fieldsReason(r.Errors) }

// fieldsReason joins messages by column, in the file's column order; the
// listing rules name the price price_cents.
func fieldsReason(fields map[string]string) string {
	parts := make([]string, 0, len(fields))
	if msg, ok := fields["row"]; ok {
		parts = append(parts, "the row "+msg)
	}
	for _, c := range ImportColumns {
		msg, ok := fields[c]
		if !ok && c == "price" {
			msg, ok = fields["price_cents"]
		}
		if ok {
			parts = append(parts, c+": "+msg)
		}
	}
	return strings.Join(parts, "; ")
}
