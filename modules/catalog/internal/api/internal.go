package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"go.opentelemetry.io/otel/attribute"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/client"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/tracing"
	"github.com/bookstore/bookstore/platform/web"
)

// InternalRoutes serves catalog.Service to the other processes of a split
// shop (the orders module's), in the wire format of internal/client; the
// router admits only calls carrying the internal token.
func InternalRoutes(svc *service.Service) web.Routes {
	return func(r chi.Router) {
		r.Post(client.BooksPath, func(w http.ResponseWriter, r *http.Request) {
			var in client.BooksRequest
			if !decode(w, r, &in) {
				return
			}
			if len(in.IDs) > client.MaxBooks || len(in.TraceParents) > client.MaxBooksCalls {
				web.Error(w, r, apperr.ErrBadRequest.WithMessage(fmt.Sprintf("at most %d ids and %d trace contexts", client.MaxBooks, client.MaxBooksCalls)))
				return
			}
			start := time.Now()
			books, err := svc.Books(r.Context(), in.IDs)
			tracing.ResumeAll(r.Context(), in.TraceParents, "catalog.Books", start, nil)
			answer(w, r, client.BooksAnswer{Books: books}, err)
		})
		r.Post(client.ReservationsPath, func(w http.ResponseWriter, r *http.Request) {
			var in client.ReserveRequest
			if !decode(w, r, &in) {
				return
			}
			if len(in.Reservations) == 0 || len(in.Reservations) > client.MaxReservations || len(in.TraceParents) > len(in.Reservations) {
				web.Error(w, r, apperr.ErrBadRequest.WithMessage(fmt.Sprintf("send from 1 to %d reservations, and no more trace contexts than reservations", client.MaxReservations)))
				return
			}
			start := time.Now()
			errs := svc.ReserveAll(r.Context(), in.Reservations)
			tracing.ResumeAll(r.Context(), in.TraceParents, "catalog.Reserve", start,
				func(i int) []attribute.KeyValue {
					return []attribute.KeyValue{attribute.Int64("order.id", in.Reservations[i].OrderID)}
				})
			a := client.ReserveAnswer{Refusals: make([]*web.Refusal, len(in.Reservations))}
			for i, err := range errs {
				if err == nil {
					continue
				}
				refusal, ok := web.RefusalOf(err)
				if !ok {
					web.Error(w, r, err)
					return
				}
				a.Refusals[i] = &refusal
			}
			web.JSON(w, http.StatusOK, a)
		})
		r.Post(client.ReleasePath, func(w http.ResponseWriter, r *http.Request) {
			var in client.OrderRequest
			if decode(w, r, &in) {
				answer(w, r, nil, svc.Release(r.Context(), in.OrderID))
			}
		})
		r.Post(client.ConfirmPath, func(w http.ResponseWriter, r *http.Request) {
			var in client.ConfirmRequest
			if decode(w, r, &in) {
				notHeld, err := svc.Confirm(r.Context(), in.OrderIDs)
				answer(w, r, client.ConfirmAnswer{NotHeld: notHeld}, err)
			}
		})
		r.Get(client.HeldOrdersPath, func(w http.ResponseWriter, r *http.Request) {
			after, limit, err := web.Cursor(r)
			if err != nil {
				web.Error(w, r, err)
				return
			}
			held, err := svc.HeldOrders(r.Context(), after, limit)
			answer(w, r, client.HeldOrdersAnswer{Orders: held}, err)
		})
		r.Post(client.SellerStatsPath, func(w http.ResponseWriter, r *http.Request) {
			var in catalog.SellerStats
			if decode(w, r, &in) {
				answer(w, r, nil, svc.SetSellerStats(r.Context(), in))
			}
		})
		r.Get(client.SellerPath+"{id}", func(w http.ResponseWriter, r *http.Request) {
			id, err := web.PathID(r, "id", catalog.ErrNotFound)
			page, err1 := strconv.Atoi(r.URL.Query().Get("page"))
			perPage, err2 := strconv.Atoi(r.URL.Query().Get("per_page"))
			if err == nil && (err1 != nil || err2 != nil) {
				err = apperr.ErrBadRequest.WithMessage("page and per_page must be whole numbers")
			}
			if err != nil {
				web.Error(w, r, err)
				return
			}
			p, err := svc.SellerOnSale(r.Context(), auth.UserID(id), page, perPage)
			answer(w, r, p, err)
		})
		r.Get(client.WantAlertsPath, func(w http.ResponseWriter, r *http.Request) {
			user, err := strconv.ParseInt(r.URL.Query().Get("user"), 10, 64)
			if err != nil || user < 0 {
				web.Error(w, r, apperr.ErrBadRequest.WithMessage("user must be a user id"))
				return
			}
			n, err := svc.WantAlerts(r.Context(), auth.UserID(user))
			answer(w, r, client.WantAlertsAnswer{Alerts: n}, err)
		})
	}
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := web.DecodeJSON(w, r, v); err != nil {
		web.Error(w, r, err)
		return false
	}
	return true
}

// answer writes v (nil: 204) or the error.
func answer(w http.ResponseWriter, r *http.Request, v any, err error) {
	switch {
	case err != nil:
		web.Error(w, r, err)
	case v == nil:
		w.WriteHeader(http.StatusNoContent)
	default:
		web.JSON(w, http.StatusOK, v)
	}
}
