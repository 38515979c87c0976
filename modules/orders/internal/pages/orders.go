package pages

import (
	"context"
	"net/http"
	"strconv"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

type listData[T any] struct {
	Items  []T
	Pager  view.Pager
	Status string
	// Statuses are the filter's options.
	Statuses []orders.Status
}

func trim[T any](r *http.Request, items []T, page int) listData[T] {
	more := len(items) > pageSize
	if more {
		items = items[:pageSize]
	}
	return listData[T]{Items: items, Pager: view.NewPager(r.URL, page, more)}
}

// listPageOf renders a signed-in user's paged list.
func listPageOf[T any](h *handler, page, title string, list func(context.Context, auth.User, service.Page) ([]T, error)) http.HandlerFunc {
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
		h.render(w, r, http.StatusOK, page, title, trim(r, items, n))
	}
}

type orderData struct {
	Order   service.Order
	IsBuyer bool
	// Full is false for a seller, who sees only their lines.
	Full     bool
	Statuses []orders.Status
}

func (h *handler) orderPage(w http.ResponseWriter, r *http.Request) {
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
	o, err := h.svc.Get(r.Context(), u, id)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "order", "Order #"+strconv.FormatInt(o.ID, 10), orderData{Order: o, IsBuyer: o.BuyerID == u.ID, Full: o.BuyerID == u.ID || u.IsAdmin()})
}

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
	to := "/orders/" + strconv.FormatInt(id, 10)
	if err := h.svc.Cancel(r.Context(), u, id); err != nil {
		if err == orders.ErrCannotCancel || err == orders.ErrStateConflict {
			view.SetFlash(w, "error", err.Error())
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
		web.Error(w, r, err)
		return
	}
	redirect(w, r, to, "Your order was cancelled; any payment is refunded.")
}

func (h *handler) markRead(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := h.svc.MarkAllRead(r.Context(), u); err != nil {
		web.Error(w, r, err)
		return
	}
	redirect(w, r, "/notifications", "All notifications are marked read.")
}
