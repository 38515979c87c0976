package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/bookstore/bookstore/platform/apperr"
)

// InternalPrefix starts every path that only the processes of a split shop
// call on each other (/internal/v1/<module>/…). The gateway never forwards
// it.
const InternalPrefix = "/internal/"

// InternalTokenHeader carries the shared secret of service-to-service
// calls. It is a header of its own, not Authorization, which carries users'
// API tokens.
const InternalTokenHeader = "X-Internal-Token"

// ErrInternalToken refuses an internal call without the shared secret. Its
// code tells the calling client that the processes disagree on
// --internal-token, an operator's mistake rather than the user's.
var ErrInternalToken = apperr.New(apperr.Unauthenticated, "internal.token", "this endpoint is for the shop's own processes")

// IsInternal reports whether path is an internal endpoint's.
func IsInternal(path string) bool { return strings.HasPrefix(path, InternalPrefix) }

// HasHeader reports whether path may answer with a page, whose header the
// modules' middleware fills: not static files, the API, internal calls or
// the probes, which would only pay for counts nobody sees.
func HasHeader(path string) bool {
	return !strings.HasPrefix(path, "/static/") && !strings.HasPrefix(path, "/api/") && !IsInternal(path) &&
		path != "/healthz" && path != "/readyz" && path != "/metrics"
}

// HeaderTimeout bounds what the header's counts (the cart, unread
// notifications, want matches) may add to a page. In a split shop they
// come from other processes, and when one of those hangs the page is still
// worth serving, without them, rather than after the calls' retries.
const HeaderTimeout = 500 * time.Millisecond

// internalOnly admits a request under InternalPrefix only with the token,
// compared in constant time (of the SHA-256 digests, so not even the
// token's length leaks). A process without a token (the monolith) admits
// none.
func internalOnly(token string) func(http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if IsInternal(r.URL.Path) {
				got := sha256.Sum256([]byte(r.Header.Get(InternalTokenHeader)))
				if token == "" || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
					Error(w, r, ErrInternalToken)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}
