package service

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/dbsqlc"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/text"
)

// Limits of a listings CSV: a file the seller can re-split in a spreadsheet,
// and an import one transaction holds in well under a minute.
const (
	MaxImportBytes = 2 << 20
	MaxImportRows  = 10_000
)

// ImportColumns are the columns a listings CSV may have, in the order the
// export writes them; a file may order them as it likes. The id, which the
// export writes, names the listing a row updates; copies_base, the copies
// the export wrote, keeps copies sold since from coming back on sale
// (Edit.CopiesBase).
var ImportColumns = []string{"id", "title", "author", "isbn", "condition", "price", "copies", "copies_base", "description", "language", "year"}

// requiredColumns are those without which no row could be valid; the
// others have defaults (no id, no ISBN, 1 copy, no description, English,
// year unknown).
var requiredColumns = []string{"title", "author", "condition", "price"}

// ImportRow is one data row of a listings CSV.
type ImportRow struct {
	// Line is the line of the file the row starts on; the header is line 1.
	Line  int
	Input Input
	// Cells are the row's cells by column, as written, for the preview.
	Cells map[string]string
	// Errors holds one message per column (or "row" for the row as a
	// whole); empty when the row will be imported.
	Errors map[string]string
	// ID is the listing the row's id cell names; 0 when it names none.
	ID catalog.BookID
	// Updates is the seller's listing that importing the row updates: the
	// one of its ID or, without one, of its ISBN and condition; 0 when it
	// creates one.
	Updates catalog.BookID
	// CopiesBase is the row's copies_base, the copies its listing had when
	// exported; nil when the file has none.
	CopiesBase *int
}

// Valid reports whether the row will be imported.
func (r ImportRow) Valid() bool { return len(r.Errors) == 0 }

// Price is the amount the row's price cell was read as, false when it could
// not be read. Previews show it beside the cell, so that a seller sees a
// misreading (the file taken for another convention) before confirming.
func (r ImportRow) Price() (int64, bool) {
	_, bad := r.Errors["price"]
	_, broken := r.Errors["row"]
	return r.Input.PriceCents, !bad && !broken
}

// ErrImportTooLarge refuses a file over MaxImportBytes, wherever it is
// measured: the upload, the API's body, the parser.
var ErrImportTooLarge = func() *apperr.Error {
	msg := fmt.Sprintf("the file is larger than %d MB; split it into smaller files", MaxImportBytes>>20)
	return apperr.ErrTooLarge.WithMessage(msg).WithFields(map[string]string{"file": msg})
}()

// fileError refuses a whole file, with the message the upload form shows.
func fileError(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return apperr.ErrInvalid.WithMessage(msg).WithFields(map[string]string{"file": msg})
}

var (
	utf8BOM    = []byte{0xEF, 0xBB, 0xBF}
	utf16BOMLE = []byte{0xFF, 0xFE}
	utf16BOMBE = []byte{0xFE, 0xFF}
)

// ParseListings reads a seller's listings CSV and judges every row by the
// rules a listing form is judged by, so the preview shows every problem at
// once. A file that cannot be read as a whole (too large, not UTF-8, no
// header, an unknown column, too many rows, broken quoting) is
// apperr.ErrInvalid with the reason in the "file" field; a row's problems
// are in its Errors.
func (s *Service) ParseListings(data []byte) ([]ImportRow, error) {
	if len(data) > MaxImportBytes {
		return nil, ErrImportTooLarge
	}
	if bytes.HasPrefix(data, utf16BOMLE) || bytes.HasPrefix(data, utf16BOMBE) {
		return nil, fileError("the file is UTF-16 text; save it as “CSV UTF-8” and upload it again")
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if !utf8.Valid(data) {
		return nil, fileError("line %d is not UTF-8 text (perhaps Latin-1 or Windows-1252); save the file as “CSV UTF-8” and upload it again", badLine(data))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fileError("the file is empty; its first line must name the columns: %s", strings.Join(ImportColumns, ", "))
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	d := commaFile
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.ContainsRune(first, ';') && !bytes.ContainsRune(first, ',') {
		d = semicolonFile
	}
	r.Comma = d.sep
	header, err := r.Read()
	if err != nil {
		return nil, csvError(err)
	}
	cols, err := readHeader(header)
	if err != nil {
		return nil, err
	}
	var rows []ImportRow
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		if len(rows) == MaxImportRows {
			return nil, fileError("the file has more than %d rows; split it into smaller files", MaxImportRows)
		}
		line, _ := r.FieldPos(0)
		rows = append(rows, s.parseRow(d, line, cols, rec))
	}
	if len(rows) == 0 {
		return nil, fileError("the file has a header but no rows")
	}
	markDuplicates(rows)
	return rows, nil
}

// badLine is the line of the first byte that is not UTF-8.
func badLine(data []byte) int {
	line := 1
	for len(data) > 0 {
		r, n := utf8.DecodeRune(data)
		if r == utf8.RuneError && n <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		data = data[n:]
	}
	return line
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fileError("line %d is not valid CSV: %v; a cell holding a quote mark must be quoted, with the mark doubled", pe.StartLine, pe.Err)
	}
	return fileError("the file is not valid CSV: %v", err)
}

// readHeader maps each column name to its cell index.
func readHeader(header []string) (map[string]int, error) {
	cols := make(map[string]int, len(header))
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		switch {
		case name == "":
			return nil, fileError("column %d of the first line has no name; the first line must name the columns: %s", i+1, strings.Join(ImportColumns, ", "))
		case !slices.Contains(ImportColumns, name):
			return nil, fileError("unknown column %s; the columns are %s", text.Quote(clip(h)), strings.Join(ImportColumns, ", "))
		}
		if _, dup := cols[name]; dup {
			return nil, fileError("the column %s appears twice", text.Quote(name))
		}
		cols[name] = i
	}
	var missing []string
	for _, c := range requiredColumns {
		if _, ok := cols[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, fileError("the first line lacks the %s %s; it must name at least %s",
			text.Plural(len(missing), "column", "columns"), strings.Join(missing, ", "), strings.Join(requiredColumns, ", "))
	}
	return cols, nil
}

// clip shortens a cell quoted in a message.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
}

// dialect is how a file writes cells and amounts. Spreadsheets in much of
// Europe separate cells with semicolons because the comma is their decimal
// mark, so a file separated by semicolons is read with theirs: "1,500" is
// 1.50 there, not 1,500.00.
type dialect struct {
	sep  rune
	mark text.DecimalMark
	// amounts says how the file must write an amount, naming its
	// convention, for a price that does not parse.
	amounts string
}

var (
	commaFile     = dialect{sep: ',', mark: text.DecimalPoint, amounts: "in a file separated by commas, write amounts like 12.50"}
	semicolonFile = dialect{sep: ';', mark: text.DecimalComma, amounts: "in a file separated by semicolons, write amounts like 12,50"}
)

// parseRow converts one record and checks it as the listing form would,
// naming each error by its column.
func (s *Service) parseRow(d dialect, line int, cols map[string]int, rec []string) ImportRow {
	row := ImportRow{Line: line, Cells: make(map[string]string, len(cols)), Errors: map[string]string{}}
	if len(rec) != len(cols) {
		row.Errors["row"] = fmt.Sprintf("has %d %s where the first line names %d", len(rec), text.Plural(len(rec), "cell", "cells"), len(cols))
		return row
	}
	for name, i := range cols {
		row.Cells[name] = unescapeCell(rec[i])
	}
	c := row.Cells
	if v := strings.TrimSpace(c["id"]); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			row.Errors["id"] = "must be the id of one of your listings, as your export writes it; leave it empty to add a listing"
		}
		row.ID = catalog.BookID(id)
	}
	in := Input{
		Title: c["title"], Author: c["author"], ISBN: c["isbn"], Description: c["description"],
		Condition: parseCondition(c["condition"]), Language: parseLanguage(c["language"]), Copies: 1,
	}
	if p := strings.TrimSpace(c["price"]); p == "" {
		row.Errors["price"] = "enter the price; " + d.amounts
	} else if cents, err := text.ParseMoney(p, d.mark); err != nil && !errors.Is(err, text.ErrMoneyRange) {
		row.Errors["price"] = d.amounts
	} else {
		in.PriceCents = cents
	}
	if v := strings.TrimSpace(c["copies"]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			row.Errors["copies"] = fmt.Sprintf("must be a whole number from 1 to %d", MaxCopies)
		}
		in.Copies = n
	}
	if v := strings.TrimSpace(c["copies_base"]); v != "" {
		// A sold-out listing exports 0 copies.
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > MaxCopies {
			row.Errors["copies_base"] = fmt.Sprintf("must be the copies your export wrote, a whole number from 0 to %d; leave it as exported", MaxCopies)
		}
		row.CopiesBase = &n
	}
	if v := strings.TrimSpace(c["year"]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			row.Errors["year"] = "must be a year, like 1987"
		}
		in.Year = n
	}
	// 0 copies may update a sold-out listing (its export writes them), so
	// planUpdates judges them once the row's listing is known.
	floor := 1
	if in.Copies == 0 {
		floor = 0
	}
	if _, err := s.normalise(&in, floor); err != nil {
		for k, v := range apperr.As(err).Fields {
			k = strings.TrimSuffix(k, "_cents") // price_cents is the column price
			if _, ok := row.Errors[k]; !ok {
				row.Errors[k] = v
			}
		}
	}
	row.Input = in
	return row
}

// parseCondition accepts a grade by its code ("very_good") or its name in
// any case ("Very Good", "very-good").
func parseCondition(v string) catalog.Condition {
	return catalog.Condition(strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(v))))
}

// parseLanguage accepts a language by its code or its English name.
func parseLanguage(v string) string {
	v = strings.TrimSpace(v)
	for _, l := range Languages {
		if strings.EqualFold(v, l.Code) || strings.EqualFold(v, l.Name) {
			return l.Code
		}
	}
	return v
}

// markDuplicates refuses a row naming the same listing id as an earlier
// one, or, without an id, the same ISBN and condition: an import updates
// the listing of that id, or the seller's listing of that ISBN and
// condition, so two rows would race for one listing.
func markDuplicates(rows []ImportRow) {
	type key struct {
		isbn string
		cond catalog.Condition
	}
	first := map[key]int{}
	firstID := map[catalog.BookID]int{}
	for i, r := range rows {
		if !r.Valid() {
			continue
		}
		if r.ID != 0 {
			if line, ok := firstID[r.ID]; ok {
				rows[i].Errors["id"] = fmt.Sprintf("line %d already names this listing; one row per listing", line)
				continue
			}
			firstID[r.ID] = r.Line
			continue
		}
		if r.Input.ISBN == "" {
			continue
		}
		isbn, _ := ParseISBN(r.Input.ISBN)
		k := key{isbn, r.Input.Condition}
		if line, ok := first[k]; ok {
			rows[i].Errors["isbn"] = fmt.Sprintf("line %d already lists this ISBN in this condition; one row per listing", line)
			continue
		}
		first[k] = r.Line
	}
}

// exportPage is how many listings an export reads at a time.
const exportPage = 1000

// exportStart is a key after every listing's (SellerBooksAfter), where an
// export's first page starts.
var exportStart = dbsqlc.SellerBooksAfterParams{AfterCreatedAt: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), AfterID: math.MaxInt64}

// ExportListings writes the seller's listings, all but the archived, as a
// CSV that ParseListings reads back: each row carries its listing's id, so
// importing the file unchanged updates every listing, with or without an
// ISBN, to what it already is and creates none; and its copies twice, as
// copies to edit and copies_base to leave, so that copies sold between the
// export and the import are not put back on sale. Every cell is quoted and
// escaped (escapeCell), so a spreadsheet opens each as the text it is:
// quoting keeps a cell holding the separator of a semicolon locale whole,
// and the apostrophe keeps one starting like a formula from running. The
// file starts with a UTF-8 byte order mark: without one, Excel reads it in
// the computer's legacy code page and garbles every accented title;
// ParseListings takes it off again.
//
// The rows are written as they are read, a page at a time, each page
// starting after the last listing of the one before (a keyset), so every
// page costs the same however many listings the seller has, and a listing
// added while the file is written (the newest, so before the key) never
// repeats a row. Each page is its own statement rather than all in one
// snapshot: a slow download would otherwise hold a database connection
// for as long as the client takes to read the file.
func (s *Service) ExportListings(ctx context.Context, seller auth.User, w io.Writer) error {
	if seller.ID == 0 {
		return auth.ErrUnauthenticated
	}
	bw := bufio.NewWriter(w)
	bw.Write(utf8BOM)
	writeCSVRecord(bw, ImportColumns)
	after := exportStart
	after.SellerID, after.Lim = int64(seller.ID), exportPage
	for {
		rows, err := s.q.SellerBooksAfter(ctx, s.pool, after)
		if err != nil {
			return fmt.Errorf("export listings: %w", err)
		}
		for _, r := range rows {
			l := listingFrom(r)
			year := ""
			if l.Year != 0 {
				year = strconv.Itoa(l.Year)
			}
			writeCSVRecord(bw, []string{strconv.FormatInt(int64(l.ID), 10), l.Title, l.Author, l.ISBN, string(l.Condition), text.MoneyInput(l.PriceCents),
				strconv.Itoa(l.Copies()), strconv.Itoa(l.Copies()), l.Description, l.Language, year})
		}
		if len(rows) < exportPage {
			return bw.Flush()
		}
		last := rows[len(rows)-1]
		after.AfterCreatedAt, after.AfterID = last.CreatedAt, last.ID
	}
}

// writeCSVRecord writes one line of RFC 4180 CSV with every cell quoted,
// which encoding/csv does only for cells that need it. A write error stays
// in w for its Flush.
func writeCSVRecord(w *bufio.Writer, cells []string) {
	for i, c := range cells {
		if i > 0 {
			w.WriteByte(',')
		}
		w.WriteByte('"')
		w.WriteString(strings.ReplaceAll(escapeCell(c), `"`, `""`))
		w.WriteByte('"')
	}
	w.WriteString("\r\n")
}

// formulaStarts are the first characters that make a spreadsheet read a
// cell as a formula (OWASP's "CSV injection"): = + - @, tab and carriage
// return.
const formulaStarts = "=+-@\t\r"

// escapeCell prefixes an apostrophe, as OWASP advises, to a cell that
// starts like a formula, so "=HYPERLINK(…)" in a title opens as text; and
// to one that starts with an apostrophe already, so that unescapeCell,
// which takes one off, gives back every cell exactly.
func escapeCell(v string) string {
	if v != "" && strings.IndexByte(formulaStarts+"'", v[0]) >= 0 {
		return "'" + v
	}
	return v
}

// unescapeCell reads a cell escapeCell wrote: an apostrophe before a
// formula's first character or another apostrophe is taken off; any other
// stays, as the seller wrote it.
func unescapeCell(v string) string {
	if len(v) >= 2 && v[0] == '\'' && strings.IndexByte(formulaStarts+"'", v[1]) >= 0 {
		return v[1:]
	}
	return v
}
