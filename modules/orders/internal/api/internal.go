package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/client"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/web"
)

// maxVisitorID bounds the visitor id a caller may send; real ones are 32
// hex digits.
const maxVisitorID = 64

// InternalRoutes serves orders.Service to the other processes of a split
// shop, in the wire format of internal/client; the router admits only
// calls carrying the internal token.
func InternalRoutes(svc orders.Service) web.Routes {
	return func(r chi.Router) {
		r.Post(client.HeaderCountsPath, func(w http.ResponseWriter, r *http.Request) {
			var in client.HeaderCountsRequest
			if err := web.DecodeJSON(w, r, &in); err != nil {
				web.Error(w, r, err)
				return
			}
			if in.User < 0 || len(in.Visitor) > maxVisitorID {
				web.Error(w, r, apperr.ErrBadRequest.WithMessage("user must not be negative, visitor at most 64 characters"))
				return
			}
			c, err := svc.HeaderCounts(r.Context(), in.User, in.Visitor)
			if err != nil {
				web.Error(w, r, err)
				return
			}
			web.JSON(w, http.StatusOK, c)
		})
	}
}
