package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/bookstore/bookstore/modules/auth/internal/client"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/tracing"
	"github.com/bookstore/bookstore/platform/web"
)

// InternalRoutes serves auth.Service to the other processes of a split
// shop, in the wire format of internal/client; the router admits only
// calls carrying the internal token.
func InternalRoutes(svc *service.Service) web.Routes {
	return func(r chi.Router) {
		r.Post(client.AuthenticatePath, func(w http.ResponseWriter, r *http.Request) {
			var in client.AuthenticateRequest
			if err := web.DecodeJSON(w, r, &in); err != nil {
				web.Error(w, r, err)
				return
			}
			if len(in.Credentials) == 0 || len(in.Credentials) > client.MaxCredentials || len(in.TraceParents) > len(in.Credentials) {
				web.Error(w, r, apperr.ErrBadRequest.WithMessage(fmt.Sprintf("send from 1 to %d credentials, and no more trace contexts than credentials", client.MaxCredentials)))
				return
			}
			start := time.Now()
			ids, err := svc.AuthenticateAll(r.Context(), in.Credentials)
			tracing.ResumeAll(r.Context(), in.TraceParents, "auth.Authenticate", start, nil)
			if err != nil {
				web.Error(w, r, err)
				return
			}
			web.JSON(w, http.StatusOK, client.AuthenticateAnswer{Identities: ids})
		})
		r.Get(client.UserChangesPath, func(w http.ResponseWriter, r *http.Request) {
			after, limit, err := web.Cursor(r)
			if err != nil {
				web.Error(w, r, err)
				return
			}
			changes, err := svc.UserChanges(r.Context(), after, limit)
			if err != nil {
				web.Error(w, r, err)
				return
			}
			web.JSON(w, http.StatusOK, client.UserChangesAnswer{Changes: changes})
		})
	}
}
