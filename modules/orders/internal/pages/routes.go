// Package web serves the orders module's pages: cart, checkout, orders,
// sales, notifications and the admin pages, plus the middleware that merges
// a visitor's cart at sign-in and fills the header's counts.
package pages

import (
	"crypto/rand"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/riverfx"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

type handler struct {
	svc   *service.Service
	river *riverfx.Client
	view  *view.Set
}

// Pages parses the module's templates, so a broken one stops the start.
func Pages() (*view.Set, error) {
	sub, err := fs.Sub(templatesFS, "templates")
	if err != nil {
		return nil, err
	}
	return view.Parse(sub)
}

// Routes returns the module's pages.
func Routes(svc *service.Service, river *riverfx.Client) (web.Routes, error) {
	set, err := Pages()
	if err != nil {
		return nil, err
	}
	h := &handler{svc: svc, river: river, view: set}
	return func(r chi.Router) {
		r.Get("/cart", h.cartPage)
		r.Post("/cart/items", h.addItem)
		r.Post("/cart/items/{book_id}", h.updateItem)
		r.Post("/cart/items/{book_id}/remove", h.removeItem)
		r.Get("/checkout", h.checkoutForm)
		r.Post("/checkout", h.checkout)
		r.Get("/my/orders", listPageOf(h, "my_orders", "My orders", svc.BuyerOrders))
		r.Get("/orders/{id}", h.orderPage)
		r.Post("/orders/{id}/cancel", h.cancelOrder)
		r.Get("/my/sales", listPageOf(h, "my_sales", "My sales", svc.Sales))
		r.Get("/notifications", listPageOf(h, "notifications", "Notifications", svc.Notifications))
		r.Post("/notifications/read", h.markRead)
		r.Get("/admin/orders", h.adminOrders)
		r.Get("/admin/jobs", h.adminJobs)
		r.Post("/admin/jobs/{id}/retry", h.retryJob)
		r.Post("/admin/jobs/{id}/cancel", h.cancelJob)
		r.Get("/admin/providers", h.adminProviders)
		r.Post("/admin/providers/{id}", h.updateProvider)
	}, nil
}

// VisitorCookie holds a signed-out shopper's cart id.
const VisitorCookie = "cart_visitor"

func visitorID(r *http.Request) string {
	c, err := r.Cookie(VisitorCookie)
	if err != nil || len(c.Value) != 32 {
		return ""
	}
	if _, err := hex.DecodeString(c.Value); err != nil {
		return ""
	}
	return c.Value
}

// setVisitor sends the visitor cookie; the router marks it Secure under
// HTTPS.
func setVisitor(w http.ResponseWriter, id string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: VisitorCookie, Value: id, Path: "/", MaxAge: maxAge, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// owner is whose cart a request acts on; a visitor gets a cookie when
// create is set.
func owner(w http.ResponseWriter, r *http.Request, create bool) service.Owner {
	if u, ok := auth.UserFrom(r.Context()); ok {
		return service.Owner{UserID: u.ID}
	}
	id := visitorID(r)
	if id == "" && create {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
		setVisitor(w, id, 30*24*3600)
	}
	return service.Owner{VisitorID: id}
}

// Middleware (after auth's) merges a visitor cart into the user's the first
// time a request carries both, and fills the header's counts.
func Middleware(svc *service.Service) web.Middleware {
	return web.Middleware{Order: 20, Func: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := r.URL.Path
			if strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/internal/") ||
				p == "/healthz" || p == "/readyz" || p == "/metrics" {
				next.ServeHTTP(w, r)
				return
			}
			ctx := r.Context()
			nav := view.NavFrom(ctx)
			u, signedIn := auth.UserFrom(ctx)
			vid := visitorID(r)
			if signedIn && vid != "" {
				if err := svc.MergeVisitorCart(ctx, u.ID, vid); err != nil {
					web.Logger(ctx).Warn("merge visitor cart", "err", err)
				} else {
					setVisitor(w, "", -1)
				}
			}
			o := service.Owner{VisitorID: vid}
			if signedIn {
				o = service.Owner{UserID: u.ID}
				if n, err := svc.Unread(ctx, u.ID); err == nil {
					nav.Unread = n
				}
			}
			if !o.IsZero() {
				if n, err := svc.CartCount(ctx, o); err == nil {
					nav.CartCount = n
				}
			}
			next.ServeHTTP(w, r)
		})
	}}
}

func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, page, title string, data any) {
	if err := h.view.Render(w, r, status, page, view.Page{Title: title, Data: data}); err != nil {
		web.Error(w, r, err)
	}
}

func redirect(w http.ResponseWriter, r *http.Request, to, msg string) {
	if msg != "" {
		view.SetFlash(w, "success", msg)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	return id, err == nil && id > 0
}

func requireAdmin(r *http.Request) (auth.User, error) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		return u, err
	}
	if !u.IsAdmin() {
		return u, auth.ErrForbidden
	}
	return u, nil
}

// pageSize is the number of rows a listing page shows.
const pageSize = 20

// listPage asks for one row more than a page, to know if there is a next.
func listPage(r *http.Request) (service.Page, int) {
	n := view.PageParam(r.URL.Query())
	return service.Page{Limit: pageSize + 1, Offset: (n - 1) * pageSize}, n
}
