package pages_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/orders/internal/client"
	"github.com/bookstore/bookstore/modules/orders/internal/httpcart"
	"github.com/bookstore/bookstore/modules/orders/internal/pages"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

// TestMiddleware_HungOrdersCostThePageLittle: in a process of another
// module, the header's counts come from the orders process; when it hangs
// (stopped, not dead, so calls are not refused at once), the page is
// served within web.HeaderTimeout, without the counts, rather than after
// the calls' timeouts and retries (three of 3 s each).
func TestMiddleware_HungOrdersCostThePageLittle(t *testing.T) {
	t.Parallel()
	hung := webtest.Hung(t)
	remote := client.New(rpc.New("orders", hung.URL, "0123456789abcdef0123456789abcdef", nil))

	var count int
	h := pages.Middleware(remote).Func(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		count = view.NavFrom(r.Context()).CartCount
		w.WriteHeader(http.StatusOK)
	}))
	req := httptest.NewRequest(http.MethodGet, "/books", nil)
	req = req.WithContext(view.WithNav(req.Context(), &view.Nav{}))
	req.AddCookie(&http.Cookie{Name: httpcart.CookieName, Value: "0123456789abcdef0123456789abcdef"})
	rec := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Zero(t, count, "no count to show")
	require.Less(t, time.Since(start), web.HeaderTimeout+time.Second)
}
