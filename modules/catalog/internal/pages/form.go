package pages

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/text"
)

// listingForm holds a listing form as typed, so an invalid one comes back
// with every value and one message per field.
type listingForm struct {
	ID            catalog.BookID
	Title         string
	Author        string
	ISBN          string
	Condition     string
	ConditionNote string
	Price         string
	Copies        string
	// CopiesBase is the copies the edit form showed when it was opened,
	// sent back hidden so a sale since is not undone (service.Edit.CopiesBase).
	CopiesBase  string
	Description string
	Language    string
	Year        string
	Draft       bool
	Errors      map[string]string
}

// formPage is the data of the new and edit pages.
type formPage struct {
	Form       listingForm
	Listing    *service.Listing
	MaxPrice   string
	PhotoError string
	MaxPhotos  int
	// Unverified is set for a seller whose email address is not confirmed:
	// the new-listing page says so and offers the link again.
	Unverified bool
	// Notice says what "Fill from ISBN" did: filled the form, or found
	// nothing the shop knows.
	Notice string
	// Guide is the price guidance for the form's ISBN and condition; nil
	// while they do not name an edition and a grade.
	Guide *service.PriceGuide
	// Staged is the photos kept for a new-listing form that came back,
	// which it shows and sends again.
	Staged []service.StagedPhoto
}

// photoRoom is how many photos the form may still add: to a new listing,
// all but those it keeps.
func (p formPage) photoRoom() int {
	if p.Listing == nil {
		return max(p.MaxPhotos-len(p.Staged), 0)
	}
	return max(p.MaxPhotos-len(p.Listing.Photos), 0)
}

func (h *handler) formPage(ctx context.Context, f listingForm, l *service.Listing) formPage {
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	p := formPage{Form: f, Listing: l, MaxPrice: text.MoneyInput(h.svc.MaxPriceCents()), MaxPhotos: service.MaxPhotos}
	if strings.TrimSpace(f.ISBN) == "" || f.Condition == "" {
		return p
	}
	g, err := h.svc.Guide(ctx, f.ISBN, catalog.Condition(f.Condition))
	switch {
	case err == nil:
		p.Guide = &g
	case apperr.KindOf(err) != apperr.Invalid:
		// The guide is help, not the form: the seller can still list.
		h.log.WarnContext(ctx, "price guide", "isbn", f.ISBN, "err", err)
	}
	return p
}

// fillFromISBN prefills the form from the shop's data for its ISBN: the
// title, author and year the seller left empty take the edition's, and the
// language follows the edition (a choice from a list, never typed, and an
// ISBN names an edition in one language). Photos are never copied. It
// returns the page with a notice, or the form with the isbn field's error
// and 422.
func (h *handler) fillFromISBN(ctx context.Context, f listingForm) (formPage, int) {
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	e, err := h.svc.EditionFacts(ctx, f.ISBN)
	notice := ""
	switch {
	case strings.TrimSpace(f.ISBN) == "":
		f.Errors["isbn"] = "enter the ISBN first: the 10 or 13 digits under the barcode"
	case errors.Is(err, service.ErrUnknownEdition):
		f.ISBN = e.ISBN
		notice = "The shop knows no book with ISBN " + service.FormatISBN(e.ISBN) + " yet: fill in the title and author yourself."
	case err != nil && !mergeErrors(f.Errors, err):
		f.Errors["form"] = "The book could not be looked up just now; fill in the form yourself, or try again."
		h.log.WarnContext(ctx, "fill from ISBN", "isbn", f.ISBN, "err", err)
	case err == nil:
		f.ISBN = e.ISBN
		keep := func(dst *string, v string) {
			if strings.TrimSpace(*dst) == "" {
				*dst = v
			}
		}
		keep(&f.Title, e.Title)
		keep(&f.Author, e.Author)
		if e.Year != 0 {
			keep(&f.Year, strconv.Itoa(e.Year))
		}
		if e.Language != "" {
			f.Language = e.Language
		}
		notice = "Filled in from the shop's listings of this edition: check each field against your copy, and add your own photos."
	}
	p := h.formPage(ctx, f, nil)
	p.Notice = notice
	if len(f.Errors) > 0 {
		return p, http.StatusUnprocessableEntity
	}
	return p, http.StatusOK
}

func formFromListing(l service.Listing) listingForm {
	f := listingForm{
		ID: l.ID, Title: l.Title, Author: l.Author, ISBN: l.ISBN, Condition: string(l.Condition),
		ConditionNote: l.ConditionNote, Price: text.MoneyInput(l.PriceCents),
		Copies: strconv.Itoa(l.Copies()), CopiesBase: strconv.Itoa(l.Copies()), Description: l.Description, Language: l.Language,
	}
	if l.Year != 0 {
		f.Year = strconv.Itoa(l.Year)
	}
	return f
}

// newListingFromQuery is the new-listing form as a link prefills it ("sell
// one like this"): the facts of an edition, never a price or a condition,
// which are each seller's own.
func newListingFromQuery(v url.Values) listingForm {
	f := listingForm{Copies: "1", Language: "en", Condition: string(catalog.ConditionGood),
		ISBN: v.Get("isbn"), Title: v.Get("title"), Author: v.Get("author"), Year: v.Get("year")}
	if lang := v.Get("language"); service.ValidLanguage(lang) {
		f.Language = lang
	}
	return f
}

func readListingForm(r *http.Request) listingForm {
	v := r.PostForm
	return listingForm{
		Title: v.Get("title"), Author: v.Get("author"), ISBN: v.Get("isbn"), Condition: v.Get("condition"),
		ConditionNote: v.Get("condition_note"), Price: v.Get("price"), Copies: v.Get("copies"),
		CopiesBase:  v.Get("copies_base"),
		Description: v.Get("description"), Language: v.Get("language"), Year: v.Get("year"),
		Draft: v.Get("draft") != "",
	}
}

// input converts the form, collecting the errors of fields that are not
// even numbers; the service judges the rest.
func (f *listingForm) input() (service.Input, map[string]string) {
	errs := map[string]string{}
	in := service.Input{
		Title: f.Title, Author: f.Author, ISBN: f.ISBN, Condition: catalog.Condition(f.Condition),
		ConditionNote: f.ConditionNote, Description: f.Description, Language: f.Language, Draft: f.Draft,
	}
	if strings.TrimSpace(f.Price) == "" {
		errs["price"] = "enter the price in USD, like 12.50"
	} else if p, err := text.ParseMoney(f.Price, text.DecimalPoint); err != nil && !errors.Is(err, text.ErrMoneyRange) {
		errs["price"] = err.Error()
	} else {
		in.PriceCents = p
	}
	if n, err := strconv.Atoi(strings.TrimSpace(f.Copies)); err != nil {
		errs["copies"] = "must be a whole number of copies, like 1"
	} else {
		in.Copies = n
	}
	if y := strings.TrimSpace(f.Year); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil {
			errs["year"] = "must be a year, like 1987"
		} else {
			in.Year = n
		}
	}
	return in, errs
}

// edit is the change an edit form asks for: every field, with the copies
// it was based on when it says.
func (f *listingForm) edit(in service.Input) service.Edit {
	e := service.EditOf(in)
	if n, ok := f.copiesBase(); ok {
		e.CopiesBase = &n
	}
	return e
}

// copiesBase reads the copies the edit form was opened with, which it
// carries hidden.
func (f *listingForm) copiesBase() (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(f.CopiesBase))
	return n, err == nil
}

// mergeErrors adds the service's field errors to the form's, naming them as
// the form does. It reports false when err is neither a validation error
// nor a conflict the seller can resolve in a field.
func mergeErrors(errs map[string]string, err error) bool {
	e := apperr.As(err)
	if e == nil || (e.Kind != apperr.Invalid && (e.Kind != apperr.Conflict || len(e.Fields) == 0)) {
		return false
	}
	for k, v := range e.Fields {
		k = strings.TrimSuffix(k, "_cents") // price_cents is the form's price
		if _, ok := errs[k]; !ok {
			errs[k] = v
		}
	}
	if len(e.Fields) == 0 {
		errs["form"] = e.Message
	}
	return true
}
