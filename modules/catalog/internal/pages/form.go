package pages

import (
	"net/http"
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
}

func (h *handler) formPage(f listingForm, l *service.Listing) formPage {
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	return formPage{Form: f, Listing: l, MaxPrice: text.MoneyInput(h.svc.MaxPriceCents()), MaxPhotos: service.MaxPhotos}
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
	} else if p, err := text.ParseMoney(f.Price); err != nil {
		errs["price"] = err.Error()
	} else {
		in.PriceCents = p
	}
	if n, err := strconv.Atoi(strings.TrimSpace(f.Copies)); err != nil {
		errs["copies"] = "must be a whole number from 1 to 999"
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
	if n, err := strconv.Atoi(strings.TrimSpace(f.CopiesBase)); err == nil {
		e.CopiesBase = &n
	}
	return e
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
