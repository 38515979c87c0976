// Package pages serves the orders module's pages: cart, checkout, orders,
// sales, notifications and the admin pages, plus the middleware that fills
// the header's counts.
package pages

import (
	"context"
	"net/http"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/httpcart"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

type handler struct {
	svc *service.Service
}

// Routes returns the module's pages.
func Routes(svc *service.Service) web.Routes {
	h := &handler{svc: svc}
	return func(r chi.Router) {
		r.Get("/cart", h.cartPage)
		r.Post("/cart/items", h.addItem)
		r.Post("/cart/items/{book_id}", h.updateItem)
		r.Post("/cart/items/{book_id}/remove", h.removeItem)
		r.Get("/checkout", h.checkoutForm)
		r.Post("/checkout", h.checkout)
		r.Get("/my/orders", listPageOf("My orders", svc.BuyerOrders, myOrdersView))
		r.Get("/orders/{id}", h.orderPage)
		r.Get("/orders/{id}/cancel", h.cancelForm)
		r.Post("/orders/{id}/cancel", h.cancelOrder)
		r.Post("/orders/{id}/pay", h.payAgain)
		r.Post("/orders/{id}/reviews", h.createReview)
		r.Post("/reviews/{id}/reply", h.replyToReview)
		r.Get("/sellers/{id}", h.sellerPage)
		r.Get("/my/sales", listPageOf("My sales", svc.Sales, mySalesView))
		r.Get("/notifications", h.notifications)
		r.Get("/admin/orders", h.adminOrders)
		r.Get("/admin/jobs", h.adminJobs)
		r.Get("/admin/outbox", h.adminOutbox)
		r.Get("/admin/activity", h.adminActivity)
		r.Post("/admin/jobs/{queue}/{id}/retry", h.retryJob)
		r.Post("/admin/jobs/{queue}/{id}/cancel", h.cancelJob)
		r.Get("/admin/reviews", h.adminReviews)
		r.Post("/admin/reviews/{id}/hide", h.hideReview)
		r.Post("/admin/reviews/{id}/unhide", h.unhideReview)
		r.Get("/admin/providers", h.adminProviders)
		r.Post("/admin/providers", h.createProvider)
		r.Post("/admin/providers/{id}", h.updateProvider)
	}
}

// Middleware (after auth's) fills the header's counts, in every process:
// svc is the local service, or the remote client in a process of another
// module. It only reads: a signed-in shopper still carrying a visitor cart
// sees the count the two carts will have once merged. Counts it cannot
// read are logged and left out; the page is still worth serving.
func Middleware(svc orders.Service) web.Middleware {
	return web.Middleware{Order: 20, Func: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !web.HasHeader(r.URL.Path) {
				next.ServeHTTP(w, r)
				return
			}
			ctx := r.Context()
			var user auth.UserID
			if u, ok := auth.UserFrom(ctx); ok {
				user = u.ID
			}
			if vid := httpcart.VisitorID(r); user != 0 || vid != "" {
				counting, cancel := context.WithTimeout(ctx, web.HeaderTimeout)
				c, err := svc.HeaderCounts(counting, user, vid)
				cancel()
				if err != nil {
					web.Logger(ctx).Warn("count the header", "err", err)
				}
				nav := view.NavFrom(ctx)
				nav.CartCount, nav.Unread = c.Cart, c.Unread
			}
			next.ServeHTTP(w, r)
		})
	}}
}

func render(w http.ResponseWriter, r *http.Request, status int, title string, body templ.Component) {
	web.Render(w, r, status, view.Page{Title: title, Body: body})
}

// pageSize is the number of rows a listing page shows.
const pageSize = 20

// listPage asks for one row more than a page, to know if there is a next.
func listPage(r *http.Request) (service.Page, int) {
	n := view.PageParam(r.URL.Query())
	return pageOf(n), n
}

// pageOf is the rows of page n and one more.
func pageOf(n int) service.Page { return service.Page{Limit: pageSize + 1, Offset: (n - 1) * pageSize} }
