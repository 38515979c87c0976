package view

import (
	"strconv"
	"strings"

	"github.com/a-h/templ"
)

// Input is a labelled form field with its hint and error (Field renders
// it). Text runs in the direction of what is typed (dir="auto"), so Arabic
// or Hebrew reads right to left.
type Input struct {
	Name  string
	Label string
	// Type is the input's type ("text" when empty), or "textarea".
	Type  string
	Value string
	// Error is the one message for this field; it marks the field invalid.
	Error string
	// Hint is help shown under the label, read out with the field.
	Hint     string
	Required bool
	// Autocomplete is a token of the HTML autocomplete list ("email").
	Autocomplete string
	// ID is the element's id where a page has two fields of one name;
	// "f-" + Name otherwise.
	ID string
	// Attrs adds attributes to the input (min, max, inputmode); never
	// maxlength, which a browser counts in UTF-16 code units, stopping a
	// text of emoji at half the characters the server takes.
	Attrs templ.Attributes
}

func (in Input) id() string {
	if in.ID != "" {
		return in.ID
	}
	return "f-" + in.Name
}

func (in Input) typ() string {
	if in.Type == "" || in.refusedNumber() {
		return "text"
	}
	return in.Type
}

// refusedNumber is a number field sent back with its message. It is drawn
// as a text field with the number keyboard: a browser empties a number
// input that holds no number, and the user would no longer see what they
// typed beside the message about it.
func (in Input) refusedNumber() bool { return in.Type == "number" && in.Error != "" }

// describedBy names the hint and the error, which screen readers read
// after the label.
func describedBy(id, hint, err string) string {
	var ids []string
	if hint != "" {
		ids = append(ids, "h-"+id)
	}
	if err != "" {
		ids = append(ids, "e-"+id)
	}
	return strings.Join(ids, " ")
}

// Option is one choice of a Select.
type Option struct {
	Value string
	Label string
}

// Select is a labelled drop-down with its error (SelectField renders it).
type Select struct {
	Name    string
	Label   string
	Options []Option
	// Selected is the value chosen; none matching selects the first.
	Selected string
	// Any, when set, is the label of a first, empty choice ("Any").
	Any   string
	Error string
	Hint  string
	ID    string
}

func (s Select) id() string {
	if s.ID != "" {
		return s.ID
	}
	return "f-" + s.Name
}

// Checkbox is a checkbox with its label beside it, on the same line.
type Checkbox struct {
	Name    string
	Label   string
	Value   string
	Checked bool
	ID      string
}

func (c Checkbox) id() string {
	if c.ID != "" {
		return c.ID
	}
	return "f-" + c.Name
}

func (c Checkbox) value() string {
	if c.Value == "" {
		return "1"
	}
	return c.Value
}

// Tone colours a status badge; each has a symbol too, so colour is never
// the only sign.
type Tone string

// Tones of a status badge.
const (
	ToneOK      Tone = "ok"      // done, paid, delivered
	ToneWaiting Tone = "waiting" // in progress
	ToneBad     Tone = "bad"     // failed, cancelled
	ToneNeutral Tone = "neutral"
)

// Thumb is a small picture of a book: the photo's thumbnail, or a
// placeholder of the same size when the seller added none.
type Thumb struct {
	// URL is the thumbnail's address; empty shows the placeholder.
	URL string
	// Alt describes the picture; empty makes it decorative.
	Alt string
	// Small draws it at list-row size (48 px wide) instead of card size.
	Small bool
}

// Rating is a seller's mean of Count ratings, 1 to 5 stars each.
type Rating struct {
	Average float64
	Count   int
}

// Stars is the average to one decimal, like "4.5".
func (r Rating) Stars() string { return strconv.FormatFloat(r.Average, 'f', 1, 64) }

// Card is a book in a grid, drawn the same on every module's pages (the
// catalog's search and a seller's page alike).
type Card struct {
	URL       templ.SafeURL
	Title     string
	Author    string
	Condition string
	// ThumbURL is the thumbnail's address; empty shows the placeholder.
	ThumbURL     string
	PriceCents   int64
	Seller       string
	SellerURL    templ.SafeURL
	Rating       Rating
	Availability string
	// Lang is the lang attribute of the title and author, "" for the
	// page's own language.
	Lang string
}

// BookCard is a book in a grid: the whole card is one link (the title's,
// stretched over it), so a screen reader hears each book once; the
// seller's link sits above it.
//
// It calls bookCard through a function value, which no caller can
// inline: inlined, bookCard's body is compiled again without ThumbImage
// and RatingText inlined into it, and their components then cost each
// card four allocations more, a hundred a page of /books
// (TestBooksView_Allocations notices if a compiler changes that).
func BookCard(c Card) templ.Component { return drawBookCard(c) }

var drawBookCard = bookCard
