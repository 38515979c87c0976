// Package api serves the orders module's JSON API under /api/v1.
package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/httpcart"
	"github.com/bookstore/bookstore/modules/orders/internal/payment"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/web"
)

type handler struct {
	svc *service.Service
}

// Routes returns the module's API routes.
func Routes(svc *service.Service) web.Routes {
	h := &handler{svc: svc}
	return func(r chi.Router) {
		// Full paths, not a sub-router: other modules serve /api/v1 too.
		r.Get("/api/v1/cart", h.cart)
		r.Put("/api/v1/cart/items/{book_id}", h.putItem)
		r.Delete("/api/v1/cart/items/{book_id}", h.deleteItem)
		r.Get("/api/v1/delivery-providers", h.providers)
		r.Post("/api/v1/orders", h.place)
		r.Get("/api/v1/orders", listing("orders", svc.BuyerOrders, nil))
		r.Get("/api/v1/orders/{id}", h.get)
		r.Post("/api/v1/orders/{id}/cancel", h.cancel)
		r.Post("/api/v1/orders/{id}/pay", h.payAgain)
		r.Get("/api/v1/orders/{id}/reviews", h.orderReviews)
		r.Post("/api/v1/orders/{id}/reviews", h.review)
		r.Post("/api/v1/reviews/{id}/reply", h.reply)
		r.Post("/api/v1/reviews/{id}/hide", h.hide)
		r.Post("/api/v1/reviews/{id}/unhide", h.unhide)
		r.Get("/api/v1/sellers/{id}", h.seller)
		r.Get("/api/v1/sales", listing("sales", svc.Sales, nil))
		r.Get("/api/v1/notifications", listing("notifications", svc.Notifications, unread(svc)))
		r.Post("/api/v1/notifications/read", h.markRead)
		r.Get("/api/v1/admin/activity", h.activity)
	}
}

// Page reads limit and offset from the query.
func Page(r *http.Request) (service.Page, error) {
	limit, offset, err := web.Window(r, 100)
	return service.Page{Limit: limit, Offset: offset}, err
}

// cartUser is the signed-in user whose cart a request acts on, their
// visitor cart merged in as the pages merge it (httpcart.MergeVisitor).
func (h *handler) cartUser(w http.ResponseWriter, r *http.Request) (auth.User, error) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		return u, err
	}
	return u, httpcart.MergeVisitor(w, r, h.svc, u.ID)
}

func (h *handler) cart(w http.ResponseWriter, r *http.Request) {
	u, err := h.cartUser(w, r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h.writeCart(w, r, u)
}

func (h *handler) writeCart(w http.ResponseWriter, r *http.Request, u auth.User) {
	c, err := h.svc.Cart(r.Context(), service.Owner{UserID: u.ID})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, c)
}

func (h *handler) putItem(w http.ResponseWriter, r *http.Request) {
	u, err := h.cartUser(w, r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	id, err := web.PathID(r, "book_id", catalog.ErrNotFound)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var body struct {
		Quantity *int `json:"quantity"`
	}
	if err := web.DecodeJSON(w, r, &body); err != nil {
		web.Error(w, r, err)
		return
	}
	if body.Quantity == nil {
		web.Error(w, r, apperr.ErrInvalid.WithFields(map[string]string{"quantity": "required"}))
		return
	}
	c, err := h.svc.SetUserQuantity(r.Context(), u.ID, catalog.BookID(id), *body.Quantity)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, c)
}

func (h *handler) deleteItem(w http.ResponseWriter, r *http.Request) {
	u, err := h.cartUser(w, r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	id, err := web.PathID(r, "book_id", orders.ErrNotInCart)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := h.svc.RemoveItem(r.Context(), service.Owner{UserID: u.ID}, catalog.BookID(id)); err != nil {
		web.Error(w, r, err)
		return
	}
	h.writeCart(w, r, u)
}

func (h *handler) providers(w http.ResponseWriter, r *http.Request) {
	ps, err := h.svc.ProvidersFor(r.Context(), r.URL.Query().Get("country"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"providers": ps})
}

type placeRequest struct {
	// Lines are the cart as the client showed it to the buyer (from GET
	// /api/v1/cart): the order is placed at these prices or refused with
	// 409 orders.cart_changed.
	Lines              []service.SeenLine `json:"lines"`
	ShippingAddress    *service.Address   `json:"shipping_address"`
	DeliveryProviderID int64              `json:"delivery_provider_id"`
	// DeliveryCents, when sent, is the delivery cost the client showed:
	// the order is placed at it or refused with 409 orders.cart_changed.
	DeliveryCents *int64          `json:"delivery_cents"`
	Payment       *paymentRequest `json:"payment"`
}

type paymentRequest struct {
	Method string `json:"method"`
	Card   *struct {
		Number   string `json:"number"`
		ExpMonth int    `json:"exp_month"`
		ExpYear  int    `json:"exp_year"`
		CVC      string `json:"cvc"`
	} `json:"card"`
}

// input is the payment as the service takes it; a missing payment is one
// with no method, which the service refuses field by field.
func (p *paymentRequest) input() service.PaymentInput {
	if p == nil {
		return service.PaymentInput{}
	}
	in := service.PaymentInput{Method: p.Method}
	if c := p.Card; c != nil {
		in.Card = payment.Card{Number: c.Number, ExpMonth: c.ExpMonth, ExpYear: c.ExpYear, CVC: c.CVC}
	}
	return in
}

func (h *handler) place(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var body placeRequest
	if err := web.DecodeJSON(w, r, &body); err != nil {
		web.Error(w, r, err)
		return
	}
	in := service.PlaceInput{Key: r.Header.Get("Idempotency-Key"), Lines: body.Lines, ProviderID: body.DeliveryProviderID,
		DeliveryCents: body.DeliveryCents, Payment: body.Payment.input()}
	if body.ShippingAddress != nil {
		in.Address = *body.ShippingAddress
	}
	o, err := h.svc.Place(r.Context(), u, in)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/orders/"+strconv.FormatInt(o.ID, 10))
	web.JSON(w, http.StatusCreated, o)
}

func (h *handler) get(w http.ResponseWriter, r *http.Request) {
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
	h.writeOrder(w, r, u, id)
}

func (h *handler) writeOrder(w http.ResponseWriter, r *http.Request, u auth.User, id int64) {
	o, err := h.svc.Get(r.Context(), u, id)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, o)
}

func (h *handler) cancel(w http.ResponseWriter, r *http.Request) {
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
	// The buyer sends no body; an admin sends the shop's reason.
	var body struct {
		Reason string `json:"reason" maxLength:"500"`
	}
	if err := web.DecodeOptionalJSON(w, r, &body); err != nil {
		web.Error(w, r, err)
		return
	}
	if _, err := h.svc.Cancel(r.Context(), u, id, body.Reason); err != nil {
		web.Error(w, r, err)
		return
	}
	h.writeOrder(w, r, u, id)
}

// payAgain pays an order whose payment failed another way, while its
// copies are held; retries is the order's payment.retries as the client
// read it, so that a request sent twice pays once.
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
	var body struct {
		Retries *int            `json:"retries"`
		Payment *paymentRequest `json:"payment"`
	}
	if err := web.DecodeJSON(w, r, &body); err != nil {
		web.Error(w, r, err)
		return
	}
	// A missing retries is -1, which the service refuses as any bad one.
	retries := -1
	if body.Retries != nil {
		retries = *body.Retries
	}
	if err := h.svc.RetryPayment(r.Context(), u, id, service.RetryInput{Retries: retries, Payment: body.Payment.input()}); err != nil {
		web.Error(w, r, err)
		return
	}
	h.writeOrder(w, r, u, id)
}

// markRead marks the user's notifications read up to up_to, the id of the
// newest one the client showed, and answers how many are unread now.
func (h *handler) markRead(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var body struct {
		UpTo *int64 `json:"up_to"`
	}
	if err := web.DecodeJSON(w, r, &body); err != nil {
		web.Error(w, r, err)
		return
	}
	if body.UpTo == nil || *body.UpTo < 1 {
		web.Error(w, r, apperr.ErrInvalid.WithFields(map[string]string{"up_to": "send the id of the newest notification shown"}))
		return
	}
	n, err := h.svc.MarkRead(r.Context(), u, *body.UpTo)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]int{"unread": n})
}

// activity answers a page of every module's activity log, as the admin's
// Activity page lists it.
func (h *handler) activity(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p, err := Page(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	a, err := h.svc.Activity(r.Context(), u, activity.QueryFilter(r.URL.Query()), p)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	// Arrays, never null, even when empty.
	web.JSON(w, http.StatusOK, map[string]any{"entries": append([]activity.Entry{}, a.Entries...), "unreadable": append([]string{}, a.Unreadable...)})
}

// listing answers a signed-in user's paged list under key; extra, if set,
// adds fields to the answer.
func listing[T any](key string, list func(context.Context, auth.User, service.Page) ([]T, error), extra func(context.Context, auth.User) (map[string]any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := auth.RequireUser(r.Context())
		if err != nil {
			web.Error(w, r, err)
			return
		}
		p, err := Page(r)
		if err != nil {
			web.Error(w, r, err)
			return
		}
		items, err := list(r.Context(), u, p)
		if err != nil {
			web.Error(w, r, err)
			return
		}
		body := map[string]any{}
		if extra != nil {
			if body, err = extra(r.Context(), u); err != nil {
				web.Error(w, r, err)
				return
			}
		}
		body[key] = items
		web.JSON(w, http.StatusOK, body)
	}
}

// unread adds the unread count to the notifications list.
func unread(svc *service.Service) func(context.Context, auth.User) (map[string]any, error) {
	return func(ctx context.Context, u auth.User) (map[string]any, error) {
		n, err := svc.Unread(ctx, u.ID)
		return map[string]any{"unread": n}, err
	}
}
