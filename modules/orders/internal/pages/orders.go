package pages

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/payment"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

type listData[T any] struct {
	Items []T
	Pager view.Pager
	// Status is the admin's filter, and Errors what is wrong with it.
	Status string
	Errors map[string]string
}

func trim[T any](r *http.Request, items []T, page int) listData[T] {
	more := len(items) > pageSize
	if more {
		items = items[:pageSize]
	}
	return listData[T]{Items: items, Pager: view.NewPager(r.URL, page, more)}
}

// listPageOf renders a signed-in user's paged list.
func listPageOf[T any](title string, list func(context.Context, auth.User, service.Page) ([]T, error), page func(listData[T]) templ.Component) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := auth.RequireUser(r.Context())
		if err != nil {
			web.Error(w, r, err)
			return
		}
		p, n := listPage(r)
		items, err := list(r.Context(), u, p)
		if err != nil {
			web.Error(w, r, err)
			return
		}
		lenOf := func(n int) (int, error) {
			items, err := list(r.Context(), u, pageOf(n))
			return len(items), err
		}
		if web.PastTheEnd(w, r, "page", n, len(items), lenOf) {
			return
		}
		render(w, r, http.StatusOK, title, page(trim(r, items, n)))
	}
}

type orderData struct {
	Order   service.Order
	IsBuyer bool
	// Full is false for a seller, who sees only their lines.
	Full bool
	// Pay, Errors and Message are the "pay another way" form sent back
	// after a mistake.
	Pay     payForm
	Errors  map[string]string
	Message string
	// Sellers are the order's sellers with their reviews, once delivered,
	// and Review the rating or answer form sent back after a mistake.
	Sellers []sellerReview
	Review  reviewForm
	// Admin shows an admin the shop's cancel form, sent back with
	// CancelReason and CancelError after a mistake.
	Admin        bool
	CancelReason string
	CancelError  string
}

// payForm is what the buyer chose to pay with, shown again after an error
// (the card number and CVC are typed again).
type payForm struct {
	Method, ExpMonth, ExpYear string
}

// readPayForm reads the payment fields of a posted form.
func readPayForm(r *http.Request) (payForm, service.PaymentInput) {
	v := r.PostFormValue
	f := payForm{Method: v("payment_method"), ExpMonth: v("card_exp_month"), ExpYear: v("card_exp_year")}
	in := service.PaymentInput{Method: f.Method}
	if f.Method == orders.MethodCard {
		in.Card = payment.Card{Number: v("card_number"), ExpMonth: atoiOr0(f.ExpMonth), ExpYear: atoiOr0(f.ExpYear), CVC: strings.TrimSpace(v("card_cvc"))}
	}
	return f, in
}

// formFields names the service's field messages, keyed by the API body's
// JSON paths, as the checkout and payment forms name their inputs.
func formFields(fields map[string]string) map[string]string {
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		switch {
		case strings.HasPrefix(k, "shipping_address."):
			k = strings.TrimPrefix(k, "shipping_address.")
		case strings.HasPrefix(k, "payment.card."):
			k = "card_" + strings.TrimPrefix(k, "payment.card.")
		case k == "payment.method":
			k = "payment_method"
		}
		out[k] = v
	}
	return out
}

// order reads the order in the path for the signed-in user, who must be
// its buyer, one of its sellers or an admin.
func (h *handler) order(r *http.Request) (auth.User, service.Order, error) {
	id, err := web.PathID(r, "id", orders.ErrNotFound)
	if err != nil {
		return auth.User{}, service.Order{}, err
	}
	return h.orderByID(r, id)
}

func (h *handler) orderByID(r *http.Request, id int64) (auth.User, service.Order, error) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		return u, service.Order{}, err
	}
	o, err := h.svc.Get(r.Context(), u, id)
	return u, o, err
}

func (h *handler) orderPage(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r, "id", orders.ErrNotFound)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h.renderOrder(w, r, http.StatusOK, id, orderData{Pay: payForm{Method: orders.MethodCard}})
}

// renderOrder shows an order with the forms of d as sent.
func (h *handler) renderOrder(w http.ResponseWriter, r *http.Request, status int, id int64, d orderData) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	o, reviews, err := h.svc.OrderWithReviews(r.Context(), u, id)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	d.Order, d.IsBuyer, d.Full, d.Admin = o, o.BuyerID == u.ID, o.BuyerID == u.ID || u.IsAdmin(), u.IsAdmin()
	if o.Status == orders.StatusDelivered {
		d.Sellers = sellerReviews(o, reviews, u)
	}
	web.Render(w, r, status, view.Page{
		Title:  "Order #" + strconv.FormatInt(o.ID, 10),
		Body:   orderView(d),
		Failed: o.Status == orders.StatusPaymentFailed,
	})
}

// payAgain pays an order whose payment failed another way. A mistake in
// the form shows the order page again with the form as sent; an order
// that can no longer be paid says so on its page.
func (h *handler) payAgain(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	id, err := web.PathID(r, "id", orders.ErrNotFound)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := web.ParseForm(r); err != nil {
		web.Error(w, r, err)
		return
	}
	f, in := readPayForm(r)
	retries, _ := strconv.Atoi(r.PostFormValue("retries"))
	to := "/orders/" + strconv.FormatInt(id, 10)
	err = h.svc.RetryPayment(r.Context(), u, id, service.RetryInput{Retries: retries, Payment: in})
	switch e := apperr.As(err); {
	case err == nil:
		// Also the answer to the same form sent twice, which may come once
		// the order has moved on.
		web.Redirect(w, r, "success", "Your payment was sent; this page shows how it goes.", to)
	case errors.Is(err, orders.ErrCannotPay), errors.Is(err, orders.ErrStateConflict):
		web.Redirect(w, r, "error", e.Message, to)
	case e != nil && len(e.Fields) > 0:
		h.renderOrder(w, r, http.StatusUnprocessableEntity, id, orderData{Pay: f, Errors: formFields(e.Fields), Message: "Some fields need attention."})
	default:
		web.Error(w, r, err)
	}
}

// cancelForm asks the buyer to confirm, so a stray click cancels nothing.
func (h *handler) cancelForm(w http.ResponseWriter, r *http.Request) {
	u, o, err := h.order(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	to := "/orders/" + strconv.FormatInt(o.ID, 10)
	switch {
	case o.Status == orders.StatusCancelled:
		web.Redirect(w, r, "error", orders.ErrAlreadyCancelled.Message, to)
		return
	case !o.Cancellable():
		web.Redirect(w, r, "error", orders.ErrCannotCancel.Message, to)
		return
	case o.BuyerID != u.ID && u.IsAdmin():
		// The shop's cancel asks for its reason on the order's page.
		web.Redirect(w, r, "", "", to+"#shop-cancel")
		return
	case o.BuyerID != u.ID:
		web.Redirect(w, r, "error", orders.ErrCancelForbidden.Message, to)
		return
	}
	render(w, r, http.StatusOK, "Cancel order #"+strconv.FormatInt(o.ID, 10), cancelView(o))
}

// cancelOrder cancels an order: the buyer's own, from cancelForm, or
// anyone's by an admin giving the shop's reason on the order's page. A
// missing or bad reason shows the page again with it; an order that can no
// longer be cancelled says why on its page, which is also the answer to
// the same form sent twice.
func (h *handler) cancelOrder(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	id, err := web.PathID(r, "id", orders.ErrNotFound)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := web.ParseForm(r); err != nil {
		web.Error(w, r, err)
		return
	}
	reason := r.PostFormValue("reason")
	to := "/orders/" + strconv.FormatInt(id, 10)
	told, err := h.svc.Cancel(r.Context(), u, id, reason)
	switch e := apperr.As(err); {
	case err == nil && strings.TrimSpace(reason) == "":
		// The buyer's own cancel: what the notification says, the refund
		// with its amount.
		web.Redirect(w, r, "success", told, to)
	case err == nil:
		web.Redirect(w, r, "success", "Order #"+strconv.FormatInt(id, 10)+" is cancelled: any payment is refunded, its books go back on sale, and its buyer and sellers were told your reason.", to)
	case errors.Is(err, orders.ErrCannotCancel), errors.Is(err, orders.ErrAlreadyCancelled), errors.Is(err, orders.ErrStateConflict):
		web.Redirect(w, r, "error", e.Message, to)
	case e != nil && e.Fields["reason"] != "":
		h.renderOrder(w, r, http.StatusUnprocessableEntity, id, orderData{CancelReason: reason, CancelError: e.Fields["reason"]})
	default:
		web.Error(w, r, err)
	}
}

// notifications shows the user's notifications and marks read those it
// shows, since they are seen now: those that were new are marked so on
// this page, and the header counts only what the page did not show (on
// the first page, what came since it was read).
func (h *handler) notifications(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p, n := listPage(r)
	items, err := h.svc.Notifications(r.Context(), u, p)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	lenOf := func(n int) (int, error) {
		items, err := h.svc.Notifications(r.Context(), u, pageOf(n))
		return len(items), err
	}
	if web.PastTheEnd(w, r, "page", n, len(items), lenOf) {
		return
	}
	d := trim(r, items, n)
	if len(d.Items) > 0 {
		nav := view.NavFrom(r.Context())
		if nav.Unread, err = h.svc.MarkRead(r.Context(), u, d.Items[0].ID); err != nil {
			web.Error(w, r, err)
			return
		}
	}
	render(w, r, http.StatusOK, "Notifications", notificationsView(d))
}
