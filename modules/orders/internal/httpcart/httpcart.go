// Package httpcart carries a signed-out shopper's cart over HTTP for the
// module's pages and API: the cookie that names it, and its merge into the
// user's cart at the first cart action after sign-in, wherever that action
// comes from.
package httpcart

import (
	"encoding/hex"
	"net/http"
	"time"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/random"
	"github.com/bookstore/bookstore/platform/web"
)

// CookieName holds a signed-out shopper's cart id.
const CookieName = "cart_visitor"

// VisitorID is the visitor cart id r's cookie names, or "" for none or a
// malformed one.
func VisitorID(r *http.Request) string {
	c, err := r.Cookie(CookieName)
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
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: id, Path: "/", MaxAge: maxAge, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// Owner is whose cart a request acts on; a visitor gets a cookie when
// create is set. A signed-in user's request takes in the visitor cart its
// cookie carries (MergeVisitor).
func Owner(w http.ResponseWriter, r *http.Request, svc *service.Service, create bool) (service.Owner, error) {
	if u, ok := auth.UserFrom(r.Context()); ok {
		if err := MergeVisitor(w, r, svc, u.ID); err != nil {
			return service.Owner{}, err
		}
		return service.Owner{UserID: u.ID}, nil
	}
	vid := VisitorID(r)
	if vid == "" && create {
		vid = random.Hex(16)
		setVisitor(w, vid, int(service.VisitorCartTTL/time.Second))
	}
	return service.Owner{VisitorID: vid}, nil
}

// MergeVisitor moves the visitor cart r's cookie names, if any, into
// user's cart and drops the cookie. A shopper who filled a cart signed out
// and then signed in finds it in theirs at their first cart action, on a
// page or through the API (a script signed in by the session cookie sends
// the visitor cookie too); browsing only reads, so the header counts the
// two carts as they will merge (service.HeaderCounts).
//
// A request with a bearer token merges nothing: the merge is a browser's
// signing in, and such a request is not the browser's session
// (web.HasBearer) but a client acting for the token's account, which a
// cookie sent beside it must not fill with another shopper's cart.
func MergeVisitor(w http.ResponseWriter, r *http.Request, svc *service.Service, user auth.UserID) error {
	vid := VisitorID(r)
	if vid == "" || web.HasBearer(r) {
		return nil
	}
	if err := svc.MergeVisitorCart(r.Context(), user, vid); err != nil {
		return err
	}
	setVisitor(w, "", -1)
	return nil
}
