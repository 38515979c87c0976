// Package httpauth carries credentials over HTTP for the module's pages and
// API: the session cookie, bearer tokens, the request middleware that
// resolves them (and checks CSRF tokens), and safe redirects.
package httpauth

import (
	"crypto/subtle"
	"errors"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

// CookieName is the session cookie. It holds only the random session id.
const CookieName = auth.SessionCookie

// ErrCSRF refuses a signed-in form post without the session's token.
var ErrCSRF = apperr.New(apperr.Forbidden, "auth.csrf", "this form has expired or was not sent from this site; go back, reload the page and try again")

// SetCookie sends the session cookie: HttpOnly, SameSite=Lax, and lasting
// beyond the browser only when the user asked to be remembered. The router
// marks it Secure when the client came over HTTPS.
func SetCookie(w http.ResponseWriter, s service.Session) {
	c := &http.Cookie{
		Name:     CookieName,
		Value:    s.ID,
		Path:     "/",
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
	if s.Persistent {
		c.Expires = s.ExpiresAt
		c.MaxAge = int(time.Until(s.ExpiresAt) / time.Second)
	}
	http.SetCookie(w, c)
}

// RenewCookie sends the cookie of a session the service gave a new id (a
// password change), so the browser stays signed in and the old id is
// dead; a zero Session, from a request that came with a bearer token or
// another user's cookie, leaves the request's credential as it is.
func RenewCookie(w http.ResponseWriter, s service.Session) {
	if s.ID != "" {
		SetCookie(w, s)
	}
}

// ClearCookie tells the browser to forget its session.
func ClearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// Cookie returns the session cookie's value, if any.
func Cookie(r *http.Request) string {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return ""
	}
	return c.Value
}

// Bearer returns the token of an "Authorization: Bearer" header, if any.
func Bearer(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// Credential is what the request is authenticated by: the token of its
// Authorization header when that is of the Bearer scheme (none when the
// token is missing), else the session cookie. The cookie never stands in
// for a bearer token, since a request with one skips the cross-origin
// check (web.HasBearer).
func Credential(r *http.Request) (cred string, viaCookie bool) {
	if web.HasBearer(r) {
		return Bearer(r), false
	}
	return Cookie(r), true
}

// ClientAddr is the address rate limits count by: the peer's IP, or the
// one a trusted load balancer reports (--trust-proxy).
func ClientAddr(r *http.Request) string { return web.ClientIP(r) }

// Middleware resolves the request's credential (the session cookie or a
// bearer token) to its user for every module, fills the header model, and
// checks the CSRF token of signed-in form posts. A credential that is
// unknown, expired, revoked or of a disabled user counts as signed out.
// It also keeps everyone but admins out of /admin and /api/v1/admin, so a
// module's admin page cannot forget the check.
func Middleware(svc auth.Service) web.Middleware {
	return web.Middleware{Order: 10, Func: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if skipsAuth(r.URL.Path) {
				next.ServeHTTP(w, r)
				return
			}
			cred, viaCookie := Credential(r)
			if cred != "" {
				id, err := svc.Authenticate(r.Context(), cred)
				switch {
				case err == nil:
					// What answers a signed-in request, a page or JSON, is
					// that person's: no cache, shared or the browser's
					// back-forward store on a shared computer, may keep it.
					// A handler serving something public (a photo) sets
					// its own policy over this one.
					w.Header().Set("Cache-Control", "no-store")
					// Only what may answer a page has a header to fill.
					if web.HasHeader(r.URL.Path) {
						nav := view.NavFrom(r.Context())
						nav.SignedIn, nav.UserName, nav.Admin = true, id.User.Name, id.User.IsAdmin()
						if viaCookie {
							nav.CSRFToken = id.CSRFToken
						}
					}
					r = r.WithContext(auth.WithUser(r.Context(), id.User))
					if viaCookie {
						if err := checkCSRF(r, id); err != nil {
							web.Error(w, r, err)
							return
						}
					}
				case errors.Is(err, auth.ErrUnauthenticated):
					if viaCookie {
						ClearCookie(w)
					}
				default:
					web.Error(w, r, err)
					return
				}
			}
			if err := AdminOnly(r); err != nil {
				web.Error(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}}
}

// skipsAuth lists the paths that never depend on the visitor, so they cost
// no database lookup: static assets, the probes, and the internal
// endpoints, which the token guards and which act for no user.
func skipsAuth(p string) bool {
	return strings.HasPrefix(p, "/static/") || p == "/healthz" || p == "/readyz" || p == "/metrics" || web.IsInternal(p)
}

// AdminOnly refuses a request for an admin path (/admin, /api/v1/admin)
// from anyone but a signed-in admin: the gate Middleware keeps, and the
// fake sign-in of other modules' tests (authtest.FakeSignIn) too.
func AdminOnly(r *http.Request) error {
	if !isAdminPath(r.URL.Path) {
		return nil
	}
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		return err
	}
	if !u.IsAdmin() {
		return auth.ErrForbidden
	}
	return nil
}

func isAdminPath(p string) bool {
	return p == "/admin" || strings.HasPrefix(p, "/admin/") || p == "/api/v1/admin" || strings.HasPrefix(p, "/api/v1/admin/")
}

// checkCSRF demands the session's token on unsafe requests of the web UI
// that a cookie authenticates, in addition to the platform's
// cross-origin check. JSON API calls rely on that check alone.
func checkCSRF(r *http.Request, id auth.Identity) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return nil
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return nil
	}
	token := r.Header.Get("X-CSRF-Token")
	if token == "" {
		read := web.ParseForm
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
			read = web.ParseMultipart
		}
		if err := read(r); err != nil {
			return err
		}
		token = r.PostFormValue("csrf_token")
	}
	if !ValidCSRF(id, token) {
		return ErrCSRF
	}
	return nil
}

// ValidCSRF compares a form's token with the session's in constant time.
func ValidCSRF(id auth.Identity, token string) bool {
	return id.CSRFToken != "" && subtle.ConstantTimeCompare([]byte(id.CSRFToken), []byte(token)) == 1
}
