package pages

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/httpcart"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

type cartData struct {
	Cart     service.Cart
	SignedIn bool
	// Refused is the line whose new quantity was refused, if any.
	Refused refusedQuantity
}

// refusedQuantity is a quantity typed on a line of the cart that was
// refused, and why.
type refusedQuantity struct {
	BookID catalog.BookID
	Typed  string
	Error  string
}

func (h *handler) cartPage(w http.ResponseWriter, r *http.Request) {
	o, err := httpcart.Owner(w, r, h.svc, false)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	c := service.Cart{Lines: []service.CartLine{}}
	if !o.IsZero() {
		if c, err = h.svc.Cart(r.Context(), o); err != nil {
			web.Error(w, r, err)
			return
		}
	}
	render(w, r, http.StatusOK, "Your cart", cartView(cartData{Cart: c, SignedIn: o.UserID != 0}))
}

// subtotalLabel names what the cart's subtotal covers: beside a line that
// cannot be bought, only the copies that can.
func subtotalLabel(c service.Cart) string {
	switch {
	case c.SubtotalCount == c.Count:
		return "Subtotal"
	case c.SubtotalCount == 0:
		return "Subtotal (none of your books can be bought now)"
	case c.SubtotalCount == 1:
		return "Subtotal of the 1 book you can buy"
	}
	return fmt.Sprintf("Subtotal of the %d books you can buy", c.SubtotalCount)
}

func formQuantity(r *http.Request) (int, error) {
	v := strings.TrimSpace(r.PostFormValue("quantity"))
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, apperr.ErrInvalid.WithMessage("enter the quantity as a whole number").WithFields(map[string]string{"quantity": "enter a whole number"})
	}
	return n, nil
}

// failBack returns to the form's page with the error as a flash; a cart
// action comes from many pages (a book, a result list, the cart), so it has
// no single form to re-render.
func failBack(w http.ResponseWriter, r *http.Request, err error) {
	e := apperr.As(err)
	if e == nil || e.Kind == apperr.Internal || e.Kind == apperr.Unauthenticated {
		web.Error(w, r, err)
		return
	}
	msg := e.Message
	if q, ok := e.Fields["quantity"]; ok {
		msg = "Quantity: " + q
	}
	web.Redirect(w, r, "error", msg, web.Back(r, "/cart"))
}

func (h *handler) addItem(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		web.Error(w, r, err)
		return
	}
	id := web.FormID(r, "book_id")
	if id == 0 {
		failBack(w, r, catalog.ErrNotFound)
		return
	}
	q, err := formQuantity(r)
	if err == nil {
		var o service.Owner
		if o, err = httpcart.Owner(w, r, h.svc, true); err != nil {
			web.Error(w, r, err)
			return
		}
		err = h.svc.AddItem(r.Context(), o, catalog.BookID(id), q)
	}
	if err != nil {
		h.refuseAdd(w, r, catalog.BookID(id), err)
		return
	}
	web.Redirect(w, r, "success", fmt.Sprintf("Added %d to your cart.", q), "/cart")
}

// refuseAdd answers an "Add to cart" that err refused. A refused number
// of copies (not a whole number, out of bounds, more than are left) goes
// to the book's page, the one page with the quantity field, which shows
// it again as typed with the message under it, whichever page the form
// came from. That page is the catalog's, which this module cannot draw
// (a split shop serves it from another process), so the form travels in
// the flash. A listing the buyer cannot buy at all (their own, hidden,
// paused, sold out, gone) is the refusal to give, whatever was typed, and
// nothing in the form corrects it: it goes back to the page the form was
// on, with the message at the top.
func (h *handler) refuseAdd(w http.ResponseWriter, r *http.Request, id catalog.BookID, err error) {
	e := apperr.As(err)
	if e == nil {
		failBack(w, r, err)
		return
	}
	msg, field := "Quantity: "+e.Fields["quantity"], e.Fields["quantity"]
	if errors.Is(err, catalog.ErrOutOfStock) {
		msg, field = e.Message, e.Message
	}
	if field == "" {
		failBack(w, r, err)
		return
	}
	// The quantity may have been refused before the listing was looked
	// at, and when none is left the book's page no longer offers the form.
	var o service.Owner
	if u, ok := auth.UserFrom(r.Context()); ok {
		o.UserID = u.ID
	}
	if why := h.svc.Buyable(r.Context(), o, id); why != nil {
		failBack(w, r, why)
		return
	}
	form := view.RefusedForm{
		Action: view.CartItemsPath,
		Values: map[string]string{"book_id": view.Itoa(id), "quantity": r.PostFormValue("quantity")},
		Errors: map[string]string{"quantity": field},
	}
	web.RedirectRefused(w, r, msg, form, string(bookURL(id)))
}

func (h *handler) updateItem(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		web.Error(w, r, err)
		return
	}
	id, err := web.PathID(r, "book_id", orders.ErrNotInCart)
	if err != nil {
		failBack(w, r, err)
		return
	}
	o, err := httpcart.Owner(w, r, h.svc, false)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if o.IsZero() {
		failBack(w, r, orders.ErrNotInCart)
		return
	}
	q, err := formQuantity(r)
	if err == nil {
		err = h.svc.SetQuantity(r.Context(), o, catalog.BookID(id), q)
	}
	if err != nil {
		h.refuseQuantity(w, r, o, catalog.BookID(id), err)
		return
	}
	web.Redirect(w, r, "success", "Quantity updated.", "/cart")
}

// refuseQuantity answers a cart line's update that err refused. A refused
// quantity shows the cart again, with the quantity as typed on its line
// and the message under it, as any form comes back; another error (the
// line is gone) goes back as a message.
func (h *handler) refuseQuantity(w http.ResponseWriter, r *http.Request, o service.Owner, id catalog.BookID, err error) {
	e := apperr.As(err)
	if e == nil || e.Fields["quantity"] == "" {
		failBack(w, r, err)
		return
	}
	c, cerr := h.svc.Cart(r.Context(), o)
	if cerr != nil {
		web.Error(w, r, cerr)
		return
	}
	if !slices.ContainsFunc(c.Lines, func(l service.CartLine) bool { return l.BookID == id }) {
		failBack(w, r, err)
		return
	}
	refused := refusedQuantity{BookID: id, Typed: r.PostFormValue("quantity"), Error: e.Fields["quantity"]}
	render(w, r, web.Status(err), "Your cart", cartView(cartData{Cart: c, SignedIn: o.UserID != 0, Refused: refused}))
}

func (h *handler) removeItem(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r, "book_id", orders.ErrNotInCart)
	if err != nil {
		failBack(w, r, err)
		return
	}
	o, err := httpcart.Owner(w, r, h.svc, false)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if o.IsZero() {
		failBack(w, r, orders.ErrNotInCart)
		return
	}
	if err := h.svc.RemoveItem(r.Context(), o, catalog.BookID(id)); err != nil {
		failBack(w, r, err)
		return
	}
	web.Redirect(w, r, "success", "Removed from your cart.", "/cart")
}
