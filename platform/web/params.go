package web

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
)

// PathID reads the positive integer id in the path parameter name. Anything
// else (missing, not a number, zero, negative, past int64) names nothing, so
// it returns notFound, the sentinel of what the id would have named.
func PathID(r *http.Request, name string, notFound error) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || id < 1 {
		return 0, notFound
	}
	return id, nil
}
