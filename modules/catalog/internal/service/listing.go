package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/unicode/norm"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/dbsqlc"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/text"
)

// Errors of listing management.
var (
	ErrArchived = apperr.New(apperr.Conflict, "catalog.archived", "this listing is archived and can no longer change")
	ErrState    = apperr.New(apperr.Conflict, "catalog.state_conflict", "the listing has moved on; reload to see its state")
	// ErrHiddenByAdmin refuses to put on sale a listing an admin hid.
	ErrHiddenByAdmin = apperr.New(apperr.Conflict, "catalog.hidden", "an admin took this listing out of the shop, so it cannot go on sale")
	ErrNotAdmin      = apperr.New(apperr.Forbidden, "catalog.admin_only", "only an administrator can do that")
	// ErrAlreadyHidden refuses to hide a hidden listing again (Hide).
	ErrAlreadyHidden = apperr.New(apperr.Conflict, "catalog.already_hidden", "this listing is already hidden; show it again first to hide it for another reason")
	// ErrUnverified refuses to publish for a seller whose email address is
	// not confirmed; drafts are allowed, so nothing typed is lost.
	ErrUnverified = apperr.New(apperr.Forbidden, "catalog.email_unverified", "confirm your email address before you publish: open the link we emailed you, or ask for a new one")
)

// Field limits, in characters.
const (
	MaxTitle       = 300
	MaxAuthor      = 300
	MaxNote        = 1000
	MaxDescription = 5000
	MaxHideReason  = 500
	MaxCopies      = 999
	MinYear        = 1450
)

// Grades lists the conditions best first.
var Grades = []catalog.Condition{
	catalog.ConditionNew, catalog.ConditionAsNew, catalog.ConditionFine, catalog.ConditionVeryGood,
	catalog.ConditionGood, catalog.ConditionFair, catalog.ConditionPoor,
}

// ConditionsAtLeast lists c and every better grade.
func ConditionsAtLeast(c catalog.Condition) []string {
	out := []string{}
	for _, g := range Grades {
		out = append(out, string(g))
		if g == c {
			return out
		}
	}
	return []string{}
}

// Languages a listing may be written in, by code.
var Languages = []struct{ Code, Name string }{
	{"en", "English"}, {"fr", "French"}, {"de", "German"}, {"es", "Spanish"},
	{"it", "Italian"}, {"pt", "Portuguese"}, {"nl", "Dutch"}, {"sv", "Swedish"},
	{"pl", "Polish"}, {"ru", "Russian"}, {"ar", "Arabic"}, {"he", "Hebrew"},
	{"ja", "Japanese"}, {"zh", "Chinese"}, {"other", "Other"},
}

// LanguageName is the English name of a language code.
func LanguageName(code string) string {
	for _, l := range Languages {
		if l.Code == code {
			return l.Name
		}
	}
	return code
}

// ValidLanguage reports whether code is one of Languages.
func ValidLanguage(code string) bool {
	for _, l := range Languages {
		if l.Code == code {
			return true
		}
	}
	return false
}

// Input is what a seller writes about a listing, from the form or the API.
type Input struct {
	Title         string
	Author        string
	ISBN          string // as typed; stored as ISBN-13
	Condition     catalog.Condition
	ConditionNote string
	PriceCents    int64
	Copies        int
	Description   string
	Language      string
	Year          int // 0 when unknown
	// Draft keeps a new listing out of the shop until published.
	Draft bool
}

// Photo is one stored photo of a listing.
type Photo struct {
	ID     int64
	Key    string
	Width  int
	Height int
}

// URL is the address of the photo at a display size ("large" or "thumb").
func (p Photo) URL(size string) string { return string(p.AppendURL(make([]byte, 0, 64), size)) }

// AppendURL appends URL(size) to b, for a page that writes the addresses
// it shows into one buffer.
func (p Photo) AppendURL(b []byte, size string) []byte {
	suffix := largeSuffix
	if size == "thumb" {
		suffix = thumbSuffix
	}
	b = append(append(b, "/photos/"...), p.Key...)
	return append(append(b, '-'), suffix...)
}

// Listing is a listing with everything the pages and API show.
type Listing struct {
	catalog.Book
	ISBN          string
	ConditionNote string
	Description   string
	Language      string
	Year          int
	Listed        int
	Held          int
	Sold          int
	HiddenReason  string
	SellerHidden  bool
	// Standing is the seller's rating and sales, as orders last pushed them.
	Standing  catalog.SellerStats
	CreatedAt time.Time
	Photos    []Photo
}

// Copies are the copies the seller still has: available plus held.
func (l Listing) Copies() int { return l.Available + l.Held }

// SoldOut reports an active listing with nothing left to buy.
func (l Listing) SoldOut() bool { return l.Status == catalog.StatusActive && l.Available == 0 }

// LanguageName is the name of the listing's language.
func (l Listing) LanguageName() string { return LanguageName(l.Language) }

// ISBNDisplay is the ISBN as shown to people.
func (l Listing) ISBNDisplay() string { return FormatISBN(l.ISBN) }

func listingFrom(r dbsqlc.Listing) Listing {
	l := Listing{
		Book:          publicBook(r),
		ConditionNote: r.ConditionNote,
		Description:   r.Description,
		Language:      r.Lang,
		Listed:        int(r.Listed),
		Held:          int(r.Held),
		Sold:          int(r.Sold),
		SellerHidden:  r.SellerDisabled,
		Standing: catalog.SellerStats{SellerID: auth.UserID(r.SellerID), Ratings: int(r.SellerRatings),
			RatingSum: int(r.SellerRatingSum), Sales: int(r.SellerSales)},
		CreatedAt: r.CreatedAt,
	}
	if r.Isbn != nil {
		l.ISBN = *r.Isbn
	}
	if r.PubYear != nil {
		l.Year = int(*r.PubYear)
	}
	if r.HiddenReason != nil {
		l.HiddenReason = *r.HiddenReason
	}
	return l
}

// normalise trims the input and checks every rule, returning one message
// per field. minCopies is 1, or 0 for a sold-out listing, whose seller
// edits its text and price with no copy left.
func (s *Service) normalise(in *Input, minCopies int) (isbn *string, err error) {
	// Text is stored composed (NFC), as searches are read: a title typed
	// with decomposed accents or marks meets the same search as one typed
	// composed, and an edit that only recomposes changes nothing.
	in.Title = norm.NFC.String(strings.TrimSpace(in.Title))
	in.Author = norm.NFC.String(strings.TrimSpace(in.Author))
	// Stored with LF line breaks, a note reads back from a CSV export
	// (which takes CR off) as it was, and counts as the browser counted it.
	in.ConditionNote = norm.NFC.String(strings.TrimSpace(text.Lines(in.ConditionNote)))
	in.Description = norm.NFC.String(strings.TrimSpace(text.Lines(in.Description)))
	in.Language = strings.TrimSpace(in.Language)
	fields := map[string]string{}
	// Title and author are shown on one line to buyers (text.CheckLine: no
	// bidi overrides that make one title pass for another); the notes are
	// free text. need says what an empty required field should hold; ""
	// for an optional one.
	checkText := func(name, v string, max int, need string, check func(string) error) {
		switch {
		case need != "" && v == "":
			fields[name] = need
		case check(v) != nil:
			fields[name] = check(v).Error()
		case utf8.RuneCountInString(v) > max:
			fields[name] = fmt.Sprintf("must be at most %d characters", max)
		}
	}
	checkText("title", in.Title, MaxTitle, "enter the title as printed on the cover", text.CheckLine)
	checkText("author", in.Author, MaxAuthor, "enter the author, or several separated by commas", text.CheckLine)
	checkText("condition_note", in.ConditionNote, MaxNote, "", text.Check)
	checkText("description", in.Description, MaxDescription, "", text.Check)
	if strings.TrimSpace(in.ISBN) != "" {
		n, perr := ParseISBN(in.ISBN)
		if perr != nil {
			fields["isbn"] = perr.Error()
		} else {
			isbn = &n
		}
	}
	if !slices.Contains(Grades, in.Condition) {
		fields["condition"] = "choose one of New, As New, Fine, Very Good, Good, Fair or Poor"
	}
	switch {
	case in.PriceCents <= 0:
		fields["price_cents"] = "must be more than zero"
	case in.PriceCents > s.opts.MaxPriceCents:
		fields["price_cents"] = "must be at most " + text.MoneyInput(s.opts.MaxPriceCents)
	}
	if in.Copies < minCopies || in.Copies > MaxCopies {
		fields["copies"] = copiesRange(minCopies)
	}
	if in.Language == "" {
		in.Language = "en"
	}
	if !ValidLanguage(in.Language) {
		fields["language"] = "choose a language from the list"
	}
	if y := s.opts.NowFunc().Year(); in.Year != 0 && (in.Year < MinYear || in.Year > y) {
		fields["year"] = fmt.Sprintf("must be between %d and %d", MinYear, y)
	}
	if len(fields) > 0 {
		return nil, apperr.ErrInvalid.WithFields(fields)
	}
	return isbn, nil
}

func yearPtr(y int) *int32 {
	if y == 0 {
		return nil
	}
	v := int32(y)
	return &v
}

// Create lists a book for the signed-in seller.
func (s *Service) Create(ctx context.Context, seller auth.User, in Input) (Listing, error) {
	if seller.ID == 0 || seller.Disabled {
		return Listing{}, auth.ErrUnauthenticated
	}
	isbn, err := s.normalise(&in, 1)
	if err != nil {
		return Listing{}, err
	}
	if !in.Draft && !seller.EmailVerified {
		return Listing{}, ErrUnverified
	}
	var id catalog.BookID
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.q.EnsureSeller(ctx, tx, dbsqlc.EnsureSellerParams{ID: int64(seller.ID), Name: seller.Name, MemberSince: timePtr(seller.CreatedAt)}); err != nil {
			return err
		}
		id, err = s.create(ctx, tx, seller, in, isbn)
		return err
	})
	if err != nil {
		return Listing{}, fmt.Errorf("create listing: %w", err)
	}
	return s.Listing(ctx, id)
}

// create inserts a listing of normalised input in tx, for a seller the
// catalog knows (EnsureSeller).
func (s *Service) create(ctx context.Context, tx pgx.Tx, seller auth.User, in Input, isbn *string) (catalog.BookID, error) {
	status := catalog.StatusActive
	if in.Draft {
		status = catalog.StatusDraft
	}
	id, err := s.q.CreateBook(ctx, tx, dbsqlc.CreateBookParams{
		SellerID: int64(seller.ID), Title: in.Title, Author: in.Author, Isbn: isbn,
		Condition: string(in.Condition), ConditionNote: in.ConditionNote, PriceCents: in.PriceCents,
		Currency: s.opts.Currency, Description: in.Description, Lang: in.Language,
		PubYear: yearPtr(in.Year), Status: string(status),
		Listed: int32(in.Copies), Available: int32(in.Copies),
	})
	if err != nil || status != catalog.StatusActive {
		return catalog.BookID(id), err
	}
	return catalog.BookID(id), s.matchLater(ctx, tx, catalog.BookID(id))
}

// Listing returns one listing with its photos, whoever may see it; callers
// check VisibleTo.
func (s *Service) Listing(ctx context.Context, id catalog.BookID) (Listing, error) {
	r, err := s.q.GetBook(ctx, s.pool, int64(id))
	if isNoRows(err) {
		return Listing{}, catalog.ErrNotFound
	}
	if err != nil {
		return Listing{}, fmt.Errorf("listing %d: %w", id, err)
	}
	ls, err := s.withPhotos(ctx, []Listing{listingFrom(r)})
	if err != nil {
		return Listing{}, err
	}
	return ls[0], nil
}

// ListingFor returns a listing if viewer may see it, ErrNotFound otherwise,
// so hidden listings do not reveal that they exist.
func (s *Service) ListingFor(ctx context.Context, id catalog.BookID) (Listing, error) {
	l, err := s.Listing(ctx, id)
	if err != nil {
		return Listing{}, err
	}
	if !visibleIn(ctx, l.Book) {
		return Listing{}, catalog.ErrNotFound
	}
	return l, nil
}

// visibleIn reports whether the user ctx signed in (or a visitor) may see
// b: the one rule of ListingFor and OpenPhoto.
func visibleIn(ctx context.Context, b catalog.Book) bool {
	u, ok := auth.UserFrom(ctx)
	return b.VisibleTo(u, ok)
}

// OwnListing returns a listing for its seller's pages and API calls:
// catalog.ErrNotFound for anyone else, checked before any input is read.
// Another's listing answers as one that does not exist, as every object a
// user owns does (an order, a want, an import), so that no one learns by
// its answer that a draft or a hidden listing is there.
func (s *Service) OwnListing(ctx context.Context, u auth.User, id catalog.BookID) (Listing, error) {
	if u.ID == 0 {
		return Listing{}, auth.ErrUnauthenticated
	}
	l, err := s.Listing(ctx, id)
	if err != nil {
		return l, err
	}
	if !l.OwnedBy(u) {
		return Listing{}, catalog.ErrNotFound
	}
	return l, nil
}

// SignedInOwner is OwnListing for the user the request signed in, for the
// seller's pages and API alike: auth.ErrUnauthenticated for a visitor.
func (s *Service) SignedInOwner(ctx context.Context, id catalog.BookID) (auth.User, Listing, error) {
	u, err := auth.RequireUser(ctx)
	if err != nil {
		return u, Listing{}, err
	}
	l, err := s.OwnListing(ctx, u, id)
	return u, l, err
}

func (s *Service) withPhotos(ctx context.Context, ls []Listing) ([]Listing, error) {
	if len(ls) == 0 {
		return ls, nil
	}
	ids := make([]int64, len(ls))
	at := make(map[int64]int, len(ls))
	for i, l := range ls {
		ids[i] = int64(l.ID)
		at[int64(l.ID)] = i
	}
	rows, err := s.q.BookPhotos(ctx, s.pool, ids)
	if err != nil {
		return nil, fmt.Errorf("photos: %w", err)
	}
	for _, p := range rows {
		i := at[p.BookID]
		ls[i].Photos = append(ls[i].Photos, toPhoto(p))
	}
	return ls, nil
}

// owned loads the listing for a change by u, locking it: ErrNotFound, also
// for anyone but its seller (as OwnListing), ErrArchived once archived.
func (s *Service) owned(ctx context.Context, tx pgx.Tx, u auth.User, id catalog.BookID) (dbsqlc.GetBookForUpdateRow, error) {
	if u.ID == 0 {
		return dbsqlc.GetBookForUpdateRow{}, auth.ErrUnauthenticated
	}
	b, err := s.q.GetBookForUpdate(ctx, tx, int64(id))
	if isNoRows(err) {
		return b, catalog.ErrNotFound
	}
	if err != nil {
		return b, err
	}
	if b.SellerID != int64(u.ID) {
		return dbsqlc.GetBookForUpdateRow{}, catalog.ErrNotFound
	}
	if b.Status == string(catalog.StatusArchived) {
		return b, ErrArchived
	}
	return b, nil
}

// Edit is a change to a listing: only the fields it sets change, the rest
// keep the values they have when the change is made (not those the editor
// once read), so an edit of the description never rewrites the copies.
type Edit struct {
	Title         *string
	Author        *string
	ISBN          *string
	Condition     *catalog.Condition
	ConditionNote *string
	PriceCents    *int64
	Copies        *int
	Description   *string
	Language      *string
	Year          *int
	// CopiesBase is the copies the editor was shown when it chose Copies.
	// When copies sold (or were found) since, Copies equal to CopiesBase
	// means "unchanged" and keeps today's copies, and any other Copies is
	// refused with ErrStaleCopies rather than putting sold copies back on
	// sale. Without it, Copies is taken as given.
	CopiesBase *int
}

// Apply sets in's fields to those e sets.
func (e Edit) Apply(in *Input) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&in.Title, e.Title)
	set(&in.Author, e.Author)
	set(&in.ISBN, e.ISBN)
	set(&in.ConditionNote, e.ConditionNote)
	set(&in.Description, e.Description)
	set(&in.Language, e.Language)
	if e.Condition != nil {
		in.Condition = *e.Condition
	}
	if e.PriceCents != nil {
		in.PriceCents = *e.PriceCents
	}
	if e.Copies != nil {
		in.Copies = *e.Copies
	}
	if e.Year != nil {
		in.Year = *e.Year
	}
}

// EditOf is the edit that sets every field to in's, as a form does.
func EditOf(in Input) Edit {
	return Edit{
		Title: &in.Title, Author: &in.Author, ISBN: &in.ISBN, Condition: &in.Condition,
		ConditionNote: &in.ConditionNote, PriceCents: &in.PriceCents, Copies: &in.Copies,
		Description: &in.Description, Language: &in.Language, Year: &in.Year,
	}
}

// ErrStaleCopies refuses an edit whose copies were chosen from a count
// that has changed since (Edit.CopiesBase).
var ErrStaleCopies = apperr.New(apperr.Conflict, "catalog.stale_copies", "the copies changed since you last saw them")

// Update applies an edit to a listing; only its seller may. The listing is
// read and written under its lock, so edits and sales never undo each
// other. Copies may not drop below the copies that orders hold.
func (s *Service) Update(ctx context.Context, u auth.User, id catalog.BookID, e Edit) (Listing, error) {
	err := s.inTx(ctx, func(tx pgx.Tx) error { return s.update(ctx, tx, u, id, e) })
	if err != nil {
		return Listing{}, fmt.Errorf("update listing %d: %w", id, err)
	}
	return s.Listing(ctx, id)
}

// update applies e to listing id in tx; see Update.
func (s *Service) update(ctx context.Context, tx pgx.Tx, u auth.User, id catalog.BookID, e Edit) error {
	b, err := s.owned(ctx, tx, u, id)
	if err != nil {
		return err
	}
	row, err := s.q.GetBook(ctx, tx, int64(id))
	if err != nil {
		return err
	}
	cur := listingFrom(row)
	in := Input{
		Title: cur.Title, Author: cur.Author, ISBN: cur.ISBN, Condition: cur.Condition, ConditionNote: cur.ConditionNote,
		PriceCents: cur.PriceCents, Copies: cur.Copies(), Description: cur.Description, Language: cur.Language, Year: cur.Year,
	}
	e.Apply(&in)
	if in.Copies, err = e.copiesNow(in.Copies, cur.Copies()); err != nil {
		return err
	}
	isbn, err := s.normalise(&in, copiesFloor(cur.Copies()))
	if err != nil {
		return err
	}
	if in.Copies < int(b.Held) {
		return apperr.ErrInvalid.WithFields(map[string]string{
			"copies": fmt.Sprintf("cannot be less than %d: orders in progress hold %d %s", b.Held, b.Held, text.Plural(int(b.Held), "copy", "copies")),
		})
	}
	_, err = s.q.UpdateBook(ctx, tx, dbsqlc.UpdateBookParams{
		ID: int64(id), Title: in.Title, Author: in.Author, Isbn: isbn,
		Condition: string(in.Condition), ConditionNote: in.ConditionNote, PriceCents: in.PriceCents,
		Description: in.Description, Lang: in.Language, PubYear: yearPtr(in.Year), Copies: int32(in.Copies),
	})
	if err != nil || cur.Status != catalog.StatusActive || !wantsMayMatchAnew(cur, in, isbn) {
		return err
	}
	return s.matchLater(ctx, tx, id)
}

// wantsMayMatchAnew reports whether an edit from cur to in (with isbn as
// stored) can make the listing meet wants it did not: a lower price, or a
// change of what wants are matched on.
func wantsMayMatchAnew(cur Listing, in Input, isbn *string) bool {
	newISBN := ""
	if isbn != nil {
		newISBN = *isbn
	}
	return in.PriceCents < cur.PriceCents || in.Title != cur.Title || in.Author != cur.Author ||
		newISBN != cur.ISBN || in.Condition != cur.Condition || (cur.Available == 0 && in.Copies > cur.Copies())
}

// copiesNow is the copies an edit leaves a listing that has now copies
// today, given the copies it would set: CopiesBase's rule, for the update
// under the listing's lock and the import's preview alike.
func (e Edit) copiesNow(copies, now int) (int, error) {
	if e.Copies == nil || e.CopiesBase == nil || *e.CopiesBase == now {
		return copies, nil
	}
	if *e.Copies != *e.CopiesBase {
		return copies, staleCopies(*e.CopiesBase, now)
	}
	return now, nil
}

// copiesFloor is the fewest copies an edit may leave a listing that has
// now copies: a sold-out listing may stay at 0 while its seller changes
// its text or price; one on sale may not be emptied by an edit.
func copiesFloor(now int) int {
	return min(now, 1)
}

// copiesRange is the message for copies outside floor to MaxCopies.
func copiesRange(floor int) string {
	return fmt.Sprintf("must be between %d and %d", floor, MaxCopies)
}

// staleCopies explains to the seller how the copies moved since base. It
// names no number sold: the catalog does not know the sold count the form
// was opened with, so a drop may be a sale, the seller's edit in another
// tab or an import, and only edits add copies. "Since you last saw them"
// holds for each count it is given: an edit form's, an API client's
// copies_base and an exported file's.
func staleCopies(base, now int) error {
	by := "another edit"
	if now < base {
		by = "a sale or another edit"
	}
	msg := fmt.Sprintf("you have %d %s now, not %d: %s changed them since you last saw them; enter the copies you have now",
		now, text.Plural(now, "copy", "copies"), base, by)
	return ErrStaleCopies.WithMessage("the copies changed meanwhile: " + msg).WithFields(map[string]string{"copies": msg})
}

// transitions are the allowed status changes, by target.
var transitions = map[catalog.Status][]string{
	catalog.StatusActive: {string(catalog.StatusDraft), string(catalog.StatusPaused)},
	catalog.StatusPaused: {string(catalog.StatusActive)},
}

// SetStatus publishes, pauses or resumes a listing (draft → active ⇄
// paused); archiving happens through Delete.
func (s *Service) SetStatus(ctx context.Context, u auth.User, id catalog.BookID, to catalog.Status) (Listing, error) {
	from, ok := transitions[to]
	if !ok {
		return Listing{}, apperr.ErrInvalid.WithFields(map[string]string{"status": "must be active or paused"})
	}
	if to == catalog.StatusActive && !u.EmailVerified {
		return Listing{}, ErrUnverified
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		b, err := s.owned(ctx, tx, u, id)
		if err != nil {
			return err
		}
		if to == catalog.StatusActive && b.HiddenReason != nil {
			return ErrHiddenByAdmin.WithMessage(fmt.Sprintf("an admin took this listing out of the shop (%s), so it cannot go on sale; edit it, or write to the shop", *b.HiddenReason))
		}
		if b.Status == string(to) {
			return nil
		}
		n, err := s.q.SetBookStatus(ctx, tx, dbsqlc.SetBookStatusParams{ID: int64(id), NewStatus: string(to), OldStatuses: from})
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrState.WithMessage(fmt.Sprintf("a %s listing cannot become %s", b.Status, to))
		}
		if to != catalog.StatusActive {
			return nil
		}
		return s.matchLater(ctx, tx, id)
	})
	if err != nil {
		return Listing{}, fmt.Errorf("set status of listing %d: %w", id, err)
	}
	return s.Listing(ctx, id)
}

// Delete removes a listing, or archives it when an order refers to it
// (even one cancelled, whose hold the checkout released), so nothing an
// order points at is ever lost. Its photos go either way: an order keeps
// the listing's title, author and price, not its photos, which the seller
// asked to remove and which may show what they would not keep online. It
// reports whether the listing was archived rather than deleted.
func (s *Service) Delete(ctx context.Context, u auth.User, id catalog.BookID) (archived bool, err error) {
	var keys []string
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := s.owned(ctx, tx, u, id); err != nil {
			return err
		}
		var err error
		if keys, err = s.q.DeleteBookPhotos(ctx, tx, int64(id)); err != nil {
			return err
		}
		n, err := s.q.DeleteBook(ctx, tx, int64(id))
		if err != nil || n == 1 {
			return err
		}
		archived = true
		_, err = s.q.SetBookStatus(ctx, tx, dbsqlc.SetBookStatusParams{
			ID: int64(id), NewStatus: string(catalog.StatusArchived),
			OldStatuses: []string{string(catalog.StatusDraft), string(catalog.StatusActive), string(catalog.StatusPaused)},
		})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("delete listing %d: %w", id, err)
	}
	for _, k := range keys {
		s.deletePhotoFiles(ctx, k)
	}
	return archived, nil
}

// SellerListings lists every listing of the seller, newest first.
func (s *Service) SellerListings(ctx context.Context, u auth.User, page, perPage int) ([]Listing, bool, error) {
	if u.ID == 0 {
		return nil, false, auth.ErrUnauthenticated
	}
	rows, err := s.q.SellerBooks(ctx, s.pool, dbsqlc.SellerBooksParams{SellerID: int64(u.ID), Lim: int32(perPage + 1), Off: int32((page - 1) * perPage)})
	if err != nil {
		return nil, false, fmt.Errorf("seller listings: %w", err)
	}
	out := make([]Listing, 0, len(rows))
	for _, r := range rows {
		out = append(out, listingFrom(r))
	}
	hasNext := len(out) > perPage
	if hasNext {
		out = out[:perPage]
	}
	out, err = s.withPhotos(ctx, out)
	return out, hasNext, err
}

// CountSellerListings is how many listings SellerListings pages through,
// counted to at most limit.
func (s *Service) CountSellerListings(ctx context.Context, u auth.User, limit int) (int, error) {
	if u.ID == 0 {
		return 0, auth.ErrUnauthenticated
	}
	n, err := s.q.CountSellerBooks(ctx, s.pool, dbsqlc.CountSellerBooksParams{SellerID: int64(u.ID), Cap: int32(limit)})
	if err != nil {
		return 0, fmt.Errorf("count seller listings: %w", err)
	}
	return int(n), nil
}

// Edition lists every copy of an ISBN on sale, cheapest first.
func (s *Service) Edition(ctx context.Context, isbn string) (string, []Listing, error) {
	n, err := parseEditionISBN(isbn)
	if err != nil {
		return "", nil, err
	}
	rows, err := s.q.EditionBooks(ctx, s.pool, &n)
	if err != nil {
		return "", nil, fmt.Errorf("edition %s: %w", n, err)
	}
	out := make([]Listing, 0, len(rows))
	for _, r := range rows {
		out = append(out, listingFrom(r))
	}
	out, err = s.withPhotos(ctx, out)
	return n, out, err
}

// SellerOthers returns up to n other listings of l's seller that are on
// sale, newest first, for l's page.
func (s *Service) SellerOthers(ctx context.Context, l Listing, n int) ([]Listing, error) {
	rows, err := s.q.SellerOtherBooks(ctx, s.pool, dbsqlc.SellerOtherBooksParams{SellerID: int64(l.SellerID), BookID: int64(l.ID), Lim: int32(n)})
	if err != nil {
		return nil, fmt.Errorf("other listings of seller %d: %w", l.SellerID, err)
	}
	out := make([]Listing, 0, len(rows))
	for _, r := range rows {
		out = append(out, listingFrom(r))
	}
	return s.withPhotos(ctx, out)
}

// Hide takes a listing out of the shop with a reason its seller sees; only
// an admin may. An empty reason is refused, and so is a listing hidden
// already (ErrAlreadyHidden, naming its reason): replacing the reason
// would silently change what its seller was told and why, so an admin who
// means another reason shows the listing again first.
func (s *Service) Hide(ctx context.Context, admin auth.User, id catalog.BookID, reason string) error {
	reason = strings.TrimSpace(text.Lines(reason))
	if !admin.IsAdmin() {
		return ErrNotAdmin
	}
	switch {
	case reason == "":
		return apperr.ErrInvalid.WithFields(map[string]string{"reason": "is required; the seller will see it"})
	case text.CheckShown(reason) != nil:
		// The seller is shown it.
		return apperr.ErrInvalid.WithFields(map[string]string{"reason": text.CheckShown(reason).Error()})
	case utf8.RuneCountInString(reason) > MaxHideReason:
		return apperr.ErrInvalid.WithFields(map[string]string{"reason": fmt.Sprintf("must be at most %d characters", MaxHideReason)})
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		b, err := s.forModeration(ctx, tx, id)
		if err != nil {
			return err
		}
		if b.HiddenReason != nil {
			return ErrAlreadyHidden.WithMessage("this listing is already hidden: " + *b.HiddenReason + "; show it again first to hide it for another reason")
		}
		if _, err = s.q.SetBookHidden(ctx, tx, dbsqlc.SetBookHiddenParams{ID: int64(id), Reason: &reason}); err != nil {
			return err
		}
		return s.recordAction(ctx, tx, activity.Record{Actor: admin.Actor(), Action: activity.ListingHide,
			SubjectID: int64(id), SubjectLabel: b.Title, Reason: reason})
	})
	if err != nil {
		return fmt.Errorf("hide listing %d: %w", id, err)
	}
	return nil
}

// Unhide puts a hidden listing back; only an admin may. It returns the
// seller's status of the listing, which says whether it is on sale again
// or stays out of the shop as its seller left it (a draft, paused), and
// whether it was hidden at all: for one that was not (another admin showed
// it first), nothing changes.
func (s *Service) Unhide(ctx context.Context, admin auth.User, id catalog.BookID) (status catalog.Status, wasHidden bool, err error) {
	if !admin.IsAdmin() {
		return "", false, ErrNotAdmin
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		b, err := s.forModeration(ctx, tx, id)
		if err != nil {
			return err
		}
		status, wasHidden = catalog.Status(b.Status), b.HiddenReason != nil
		if !wasHidden {
			return nil
		}
		if _, err = s.q.SetBookHidden(ctx, tx, dbsqlc.SetBookHiddenParams{ID: int64(id)}); err != nil {
			return err
		}
		return s.recordAction(ctx, tx, activity.Record{Actor: admin.Actor(), Action: activity.ListingUnhide,
			SubjectID: int64(id), SubjectLabel: b.Title})
	})
	if err != nil {
		return "", false, fmt.Errorf("unhide listing %d: %w", id, err)
	}
	return status, wasHidden, nil
}

// forModeration locks the listing an admin hides or shows, so that of two
// admins acting at once the second sees what the first did.
func (s *Service) forModeration(ctx context.Context, tx pgx.Tx, id catalog.BookID) (dbsqlc.GetBookForUpdateRow, error) {
	b, err := s.q.GetBookForUpdate(ctx, tx, int64(id))
	if isNoRows(err) {
		return b, catalog.ErrNotFound
	}
	return b, err
}

// States an admin can narrow the listings to; hidden wins over the
// seller's status, and sold out is on sale with no copy left.
const (
	StateOnSale   = "on_sale"
	StateSoldOut  = "sold_out"
	StatePaused   = "paused"
	StateHidden   = "hidden"
	StateDraft    = "draft"
	StateArchived = "archived"
)

// AdminStates are the states in the order the admin's filter offers them.
var AdminStates = []string{StateOnSale, StateSoldOut, StatePaused, StateHidden, StateDraft, StateArchived}

// AdminFilter narrows the admin's list of listings; zero lists them all.
type AdminFilter struct {
	// Query is found in the title, author or seller's name.
	Query string
	// State is one of AdminStates, or "" for every state.
	State string
}

// likeEscaper makes typed text match itself in an ILIKE pattern.
var likeEscaper = strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`)

// AdminListings lists every listing matching f, newest first; only an
// admin may.
func (s *Service) AdminListings(ctx context.Context, admin auth.User, f AdminFilter, page, perPage int) ([]Listing, bool, error) {
	if !admin.IsAdmin() {
		return nil, false, ErrNotAdmin
	}
	if f.State != "" && !slices.Contains(AdminStates, f.State) {
		return nil, false, apperr.ErrInvalid.WithFields(map[string]string{"state": "is not a state a listing can be in"})
	}
	var (
		rows []dbsqlc.Listing
		err  error
	)
	lim, off := int32(perPage+1), int32((page-1)*perPage)
	// Two statements, not one with an empty pattern for all: a plan cached
	// for both would walk every listing to test the pattern.
	if q := strings.TrimSpace(f.Query); q != "" {
		rows, err = s.q.AdminBooksMatching(ctx, s.pool, dbsqlc.AdminBooksMatchingParams{
			Pattern: "%" + likeEscaper.Replace(q) + "%", State: f.State, Lim: lim, Off: off,
		})
	} else {
		rows, err = s.q.AdminBooks(ctx, s.pool, dbsqlc.AdminBooksParams{State: f.State, Lim: lim, Off: off})
	}
	if err != nil {
		return nil, false, fmt.Errorf("admin listings: %w", err)
	}
	out := make([]Listing, 0, len(rows))
	for _, r := range rows {
		out = append(out, listingFrom(r))
	}
	hasNext := len(out) > perPage
	if hasNext {
		out = out[:perPage]
	}
	out, err = s.withPhotos(ctx, out)
	return out, hasNext, err
}

// CountListings counts every listing, for the seed command.
func (s *Service) CountListings(ctx context.Context) (int64, error) {
	return s.q.CountBooks(ctx, s.pool)
}

// Validate checks a new listing's input without storing anything, so a
// form can show every field's message at once.
func (s *Service) Validate(in Input) error {
	_, err := s.normalise(&in, 1)
	return err
}

// ValidateEdit is Validate for an edit of a listing, whose copies may be
// 0 where it has none left (Update checks that).
func (s *Service) ValidateEdit(in Input) error {
	_, err := s.normalise(&in, 0)
	return err
}
