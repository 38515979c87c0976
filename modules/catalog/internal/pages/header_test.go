package pages_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog/internal/client"
	"github.com/bookstore/bookstore/modules/catalog/internal/pages"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

// TestWantAlertsMiddleware_HungCatalogCostsThePageLittle: in a process of
// another module, the header's count of want matches comes from the
// catalog process; when it hangs, the page is served within
// web.HeaderTimeout, without the count, rather than after the calls'
// timeouts and retries.
func TestWantAlertsMiddleware_HungCatalogCostsThePageLittle(t *testing.T) {
	t.Parallel()
	remote := client.New(rpc.New("catalog", webtest.Hung(t).URL, "0123456789abcdef0123456789abcdef", nil))
	h := pages.WantAlertsMiddleware(remote).Func(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
	req := httptest.NewRequest(http.MethodGet, "/cart", nil)
	req = req.WithContext(auth.WithUser(view.WithNav(req.Context(), &view.Nav{}), auth.User{ID: 7, Name: "Ann"}))
	rec := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Less(t, time.Since(start), web.HeaderTimeout+time.Second)
}
