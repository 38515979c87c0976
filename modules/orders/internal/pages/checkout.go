package pages

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/httpcart"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/coalesce"
	"github.com/bookstore/bookstore/platform/random"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

// checkoutForm is what the checkout page shows and sends back.
type checkoutForm struct {
	Key        string
	Address    service.Address
	ProviderID int64
	Pay        payForm
	// SeenLines and SeenDelivery are what the page a form came from
	// showed (none on a first visit): shown again for its fields, the
	// page says how they differ from what it shows now.
	SeenLines    []service.SeenLine
	SeenDelivery *int64
}

type checkoutData struct {
	Form      checkoutForm
	Errors    map[string]string
	Message   string
	Cart      service.Cart
	Providers []service.Provider
	Countries []view.Option
	// ProviderName, DeliveryCents and TotalCents are for the chosen
	// provider, if any.
	ProviderName              string
	DeliveryCents, TotalCents int64
}

func (h *handler) checkoutForm(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := httpcart.MergeVisitor(w, r, h.svc, u.ID); err != nil {
		web.Error(w, r, err)
		return
	}
	f := checkoutForm{Key: random.Hex(16), Pay: payForm{Method: orders.MethodCard}}
	if a, ok, err := h.svc.SavedAddress(r.Context(), u.ID); err != nil {
		web.Error(w, r, err)
		return
	} else if ok {
		f.Address = a
	} else {
		f.Address.Country = h.svc.Options().HomeCountry
	}
	if c := strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("country"))); len(c) == 2 {
		f.Address.Country = c
	}
	h.renderCheckout(w, r, http.StatusOK, u, f, nil, "")
}

func (h *handler) renderCheckout(w http.ResponseWriter, r *http.Request, status int, u auth.User, f checkoutForm, fields map[string]string, msg string) {
	cart, err := h.svc.Cart(r.Context(), service.Owner{UserID: u.ID})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	d := checkoutData{Form: f, Errors: fields, Message: msg, Cart: cart, Countries: countryOptions(f.Address.Country)}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if ps, err := h.svc.ProvidersFor(r.Context(), f.Address.Country); err == nil {
		d.Providers = ps
	} else if ps, err = h.svc.ProvidersFor(r.Context(), h.svc.Options().HomeCountry); err == nil {
		d.Providers = ps
	}
	// The total is shown before the order is placed, so a delivery is
	// always chosen: the buyer's, else the first offered.
	chosen := -1
	for i, p := range d.Providers {
		if p.ID == f.ProviderID {
			chosen = i
		}
	}
	if chosen < 0 && len(d.Providers) > 0 {
		chosen = 0
	}
	var shown *service.Provider
	if chosen >= 0 {
		shown = &d.Providers[chosen]
		d.Form.ProviderID, d.ProviderName, d.DeliveryCents = shown.ID, shown.Name, shown.CostCents
	}
	d.TotalCents = cart.SubtotalCents + d.DeliveryCents
	if len(fields) > 0 && f.SeenLines != nil {
		if changes := service.ShownChanges(cart, f.SeenLines, f.SeenDelivery, shown); changes != "" {
			d.Message += " " + changes
		}
	}
	render(w, r, status, "Checkout", checkoutView(d))
}

// seenLine writes a cart line as the checkout form carries it; seenLines
// reads it back.
func seenLine(l service.CartLine) string {
	return view.Itoa(l.BookID) + ":" + strconv.Itoa(l.Quantity) + ":" + strconv.FormatInt(l.PriceCents, 10)
}

// seenLines reads the cart lines the checkout page showed, each sent as
// "book:quantity:price_cents"; a malformed one is left out, so the order
// no longer matches the cart and the page is shown again.
func seenLines(vals []string) []service.SeenLine {
	out := make([]service.SeenLine, 0, len(vals))
	for _, v := range vals {
		parts := strings.Split(v, ":")
		if len(parts) != 3 {
			continue
		}
		id, err1 := strconv.ParseInt(parts[0], 10, 64)
		qty, err2 := strconv.Atoi(parts[1])
		price, err3 := strconv.ParseInt(parts[2], 10, 64)
		if err1 == nil && err2 == nil && err3 == nil {
			out = append(out, service.SeenLine{BookID: catalog.BookID(id), Quantity: qty, PriceCents: price})
		}
	}
	return out
}

// seenDelivery reads the delivery cost the checkout page showed; nil when
// the form carries none (no provider was offered). A malformed one is sent
// as -1, which the service refuses, so the page is shown again.
func seenDelivery(vals []string) *int64 {
	if len(vals) == 0 {
		return nil
	}
	n, err := strconv.ParseInt(vals[0], 10, 64)
	if err != nil {
		n = -1
	}
	return &n
}

func atoiOr0(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

// redrawTimeout bounds the checkout page shown again after a checkout that
// outlived its request's deadline.
const redrawTimeout = 5 * time.Second

func (h *handler) checkout(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := web.ParseForm(r); err != nil {
		web.Error(w, r, err)
		return
	}
	v := r.PostFormValue
	pay, payIn := readPayForm(r)
	f := checkoutForm{
		Key: v("idempotency_key"),
		Address: service.Address{Name: v("name"), Street: v("street"), City: v("city"), Region: v("region"),
			PostalCode: v("postal_code"), Country: strings.ToUpper(strings.TrimSpace(v("country")))},
		Pay:       pay,
		SeenLines: seenLines(r.PostForm["line"]), SeenDelivery: seenDelivery(r.PostForm["delivery_cents"]),
	}
	f.ProviderID = web.FormID(r, "delivery_provider_id")
	if f.Key == "" {
		f.Key = random.Hex(16)
	}
	in := service.PlaceInput{Key: f.Key, Lines: f.SeenLines, Address: f.Address, ProviderID: f.ProviderID,
		DeliveryCents: f.SeenDelivery, Payment: payIn}
	o, err := h.svc.Place(r.Context(), u, in)
	if err == nil {
		// The payment is still under way: the order page says how it went,
		// so this message promises nothing about it.
		web.Redirect(w, r, "success", "Your order is placed.", "/orders/"+strconv.FormatInt(o.ID, 10))
		return
	}
	if errors.Is(r.Context().Err(), context.DeadlineExceeded) {
		// The checkout outlived the request's deadline (it runs detached
		// once the cart is an order) and its client still waits: the page
		// that tells how it went gets a budget of its own, as the rest of
		// the checkout did, or its reads fail and the buyer gets an error
		// page instead of the refusal and the cart.
		ctx, cancel := coalesce.Detach(r.Context(), redrawTimeout)
		defer cancel()
		r = r.WithContext(ctx)
	}
	e := apperr.As(err)
	switch {
	case e == nil || e.Kind == apperr.Internal:
		web.Error(w, r, err)
	case errors.Is(err, orders.ErrKeyReused) || e.Fields["idempotency_key"] != "":
		// The form changed after a submit, or its key is not one the shop
		// made: a new key makes it a new order.
		f.Key = random.Hex(16)
		h.renderCheckout(w, r, http.StatusUnprocessableEntity, u, f, nil, "Please review your order and place it again.")
	case e.Kind == apperr.Invalid:
		h.renderCheckout(w, r, http.StatusUnprocessableEntity, u, f, formFields(e.Fields), invalidCheckout(e))
	case errors.Is(err, orders.ErrCartChanged):
		h.renderCheckout(w, r, http.StatusConflict, u, f, nil, e.Message)
	case errors.Is(err, catalog.ErrChanged):
		h.renderCheckout(w, r, http.StatusConflict, u, f, nil, "A listing changed while the order was being placed: "+e.Message+". Nothing was charged; please review the order below and place it again.")
	case errors.Is(err, catalog.ErrOutOfStock), errors.Is(err, catalog.ErrNotForSale), errors.Is(err, catalog.ErrNotFound), errors.Is(err, catalog.ErrOwnListing):
		// 409 rather than these errors' own 404 or 403: the checkout page
		// is there and is shown; what conflicts is a line of the cart with
		// the catalog, which the buyer resolves in the cart.
		h.renderCheckout(w, r, http.StatusConflict, u, f, nil, e.Message+" Nothing was charged; please update your cart.")
	default:
		h.renderCheckout(w, r, web.Status(err), u, f, nil, e.Message)
	}
}

// invalidCheckout is the message of a refused checkout form. The cart's
// lines, which no field of the form changes, are named in it.
func invalidCheckout(e *apperr.Error) string {
	if m, bad := e.Fields["lines"]; bad {
		return "Your cart cannot be ordered as it is (" + m + "); please update your cart and check out again."
	}
	if _, bad := e.Fields["delivery_cents"]; bad {
		return "The delivery cost this page showed could not be read; please review the order and place it again."
	}
	if len(e.Fields) == 0 {
		return e.Message
	}
	return "Some fields need attention."
}
