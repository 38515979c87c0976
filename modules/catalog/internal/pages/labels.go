package pages

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/a-h/templ"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/view"
)

// conditionHints say in a line what each grade promises, so a shopper
// new to the trade's words knows what "Fine" means.
var conditionHints = map[catalog.Condition]string{
	catalog.ConditionNew:      "Unread, as it left the publisher.",
	catalog.ConditionAsNew:    "Read perhaps once; no marks, no wear.",
	catalog.ConditionFine:     "Close to new; the faintest signs of handling.",
	catalog.ConditionVeryGood: "Read with care; light wear to the cover or edges.",
	catalog.ConditionGood:     "A reading copy: visible wear, complete and sound.",
	catalog.ConditionFair:     "Worn: marks, creases or a loose page, text all there.",
	catalog.ConditionPoor:     "Heavily worn or damaged; for the text alone.",
}

// conditionHint is the one-line explanation of c.
func conditionHint(c catalog.Condition) string { return conditionHints[c] }

// conditionOptions are the grades best first, as the forms offer them.
var conditionOptions = func() []view.Option {
	out := make([]view.Option, len(service.Grades))
	for i, g := range service.Grades {
		out[i] = view.Option{Value: string(g), Label: g.Label()}
	}
	return out
}()

// languageOptions are the languages a listing may be in.
var languageOptions = func() []view.Option {
	out := make([]view.Option, len(service.Languages))
	for i, l := range service.Languages {
		out[i] = view.Option{Value: l.Code, Label: l.Name}
	}
	return out
}()

// sortOptions are the orders a search can be sorted in.
var sortOptions = []view.Option{
	{Value: service.SortRelevance, Label: "Relevance"},
	{Value: service.SortNewest, Label: "Newest"},
	{Value: service.SortPriceAsc, Label: "Price, low to high"},
	{Value: service.SortPriceDesc, Label: "Price, high to low"},
}

// stateLabel describes a listing's state to its seller.
func stateLabel(status catalog.Status, hiddenReason string, soldOut bool) string {
	switch {
	case hiddenReason != "":
		return "Hidden by an administrator"
	case soldOut:
		return "Sold out"
	}
	switch status {
	case catalog.StatusDraft:
		return "Draft"
	case catalog.StatusActive:
		return "On sale"
	case catalog.StatusPaused:
		return "Paused"
	default:
		return "Archived"
	}
}

// adminStateNames name the states the admin's list filters on.
var adminStateNames = map[string]string{
	service.StateOnSale: "On sale", service.StateSoldOut: "Sold out", service.StatePaused: "Paused",
	service.StateHidden: "Hidden", service.StateDraft: "Draft", service.StateArchived: "Archived",
}

// adminStateOptions are the states in the admin's filter.
var adminStateOptions = func() []view.Option {
	out := make([]view.Option, len(service.AdminStates))
	for i, s := range service.AdminStates {
		out[i] = view.Option{Value: s, Label: adminStateNames[s]}
	}
	return out
}()

// adminStateLabel is a listing's state in the admin's words: "Hidden" fits
// a phone's row, and the reason follows it.
func adminStateLabel(l service.Listing) string {
	if l.HiddenReason != "" {
		return adminStateNames[service.StateHidden]
	}
	return stateLabel(l.Status, l.HiddenReason, l.SoldOut())
}

// stateTone colours a listing's state: hidden is the admin's warning,
// on sale is well, paused waits on its seller.
func stateTone(l service.Listing) view.Tone {
	switch {
	case l.HiddenReason != "":
		return view.ToneBad
	case l.SoldOut():
		return view.ToneNeutral
	case l.Status == catalog.StatusActive:
		return view.ToneOK
	case l.Status == catalog.StatusPaused:
		return view.ToneWaiting
	}
	return view.ToneNeutral
}

// hideReason and hideError are what the admin typed into listing id's
// hide form and why it was refused; empty on every other row.
func hideReason(p adminPage, id catalog.BookID) string {
	if p.HideID != id {
		return ""
	}
	return p.Reason
}

func hideError(p adminPage, id catalog.BookID) string {
	if p.HideID != id {
		return ""
	}
	return p.HideError
}

// availability says whether and how many copies can be bought.
func availability(l service.Listing) string {
	return string(appendAvailability(make([]byte, 0, 32), l))
}

func appendAvailability(b []byte, l service.Listing) []byte {
	switch {
	case l.Hidden:
		return append(b, "Not for sale"...)
	case l.Status == catalog.StatusPaused:
		return append(b, "Paused by the seller"...)
	case l.Status == catalog.StatusArchived:
		return append(b, "No longer for sale"...)
	case l.Status == catalog.StatusDraft:
		return append(b, "Draft"...)
	case l.SoldOut():
		return append(b, "Sold out"...)
	}
	return append(strconv.AppendInt(b, int64(l.Available), 10), " available"...)
}

func bookURL(id catalog.BookID) templ.SafeURL {
	return templ.SafeURL(appendBookURL(make([]byte, 0, 32), id))
}

func appendBookURL(b []byte, id catalog.BookID) []byte {
	return strconv.AppendInt(append(b, "/books/"...), int64(id), 10)
}

// card is a listing in the shop's one card: the shared component itself,
// not a component of its own around it, since a grid renders it for each
// listing and every component level costs each card its own allocations.
// For the same reason the strings the card adds to the listing's (its
// address, its seller's, its thumbnail's and its availability) are
// written into one buffer and sliced from one string: made one by one,
// they were four or five allocations a card.
func card(l service.Listing) templ.Component {
	b := appendBookURL(make([]byte, 0, 128), l.ID)
	book := len(b)
	b = view.AppendSellerURL(b, l.SellerID)
	seller := len(b)
	if len(l.Photos) > 0 {
		b = l.Photos[0].AppendURL(b, "thumb")
	}
	thumb := len(b)
	s := string(appendAvailability(b, l))
	return view.BookCard(view.Card{URL: templ.SafeURL(s[:book]), Title: l.Title, Author: l.Author, Condition: l.Condition.Label(),
		ThumbURL: s[seller:thumb], PriceCents: l.PriceCents, Seller: l.SellerName, SellerURL: templ.SafeURL(s[book:seller]),
		Rating: ratingOf(l.Standing), Availability: s[thumb:], Lang: catalog.TextLang(l.Language)})
}

// thumbURL is the listing's first photo's thumbnail, or "" when it has none.
func thumbURL(l service.Listing) string {
	if len(l.Photos) == 0 {
		return ""
	}
	return l.Photos[0].URL("thumb")
}

// ratingOf is the seller's rating as the shared card shows it.
func ratingOf(st catalog.SellerStats) view.Rating {
	return view.Rating{Average: st.Average(), Count: st.Ratings}
}

// The price guide's lines; app.js writes the same words when the condition
// changes (keep them alike). Each is empty without a guide.

func guideTitle(g *service.PriceGuide) string {
	if g == nil {
		return ""
	}
	return "Prices of " + g.Condition.Label() + " copies of this edition"
}

func guideOnSale(g *service.PriceGuide) string {
	switch {
	case g == nil:
		return ""
	case g.OnSale == 0:
		return "On sale now: none."
	case g.OnSale == 1:
		return "On sale now: 1 listing, at " + view.Money(g.MinCents) + "."
	}
	return fmt.Sprintf("On sale now: %d listings, from %s to %s.", g.OnSale, view.Money(g.MinCents), view.Money(g.MaxCents))
}

func guideSold(g *service.PriceGuide) string {
	switch {
	case g == nil:
		return ""
	case g.Sold == 0:
		return fmt.Sprintf("Sold in the last %d days: none.", g.SalesDays)
	case g.Sold == 1:
		return fmt.Sprintf("Sold in the last %d days: 1 copy, at %s.", g.SalesDays, view.Money(g.MedianCents))
	}
	return fmt.Sprintf("Sold in the last %d days: %d copies, median %s.", g.SalesDays, g.Sold, view.Money(g.MedianCents))
}

// sellLikeThisURL opens the new-listing form prefilled from l: from its
// edition when it has an ISBN, else from its own title, author, year and
// language.
func sellLikeThisURL(l service.Listing) templ.SafeURL {
	v := url.Values{}
	if l.ISBN != "" {
		v.Set("isbn", l.ISBN)
	} else {
		v.Set("title", l.Title)
		v.Set("author", l.Author)
		v.Set("language", l.Language)
		if l.Year != 0 {
			v.Set("year", strconv.Itoa(l.Year))
		}
	}
	return templ.SafeURL("/my/listings/new?" + v.Encode())
}
