package pages_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/api"
	"github.com/bookstore/bookstore/modules/catalog/internal/pages"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/pg"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

// countedCatalog is the catalog's pages and API on the platform's router over a
// database of n listings (a photo on every third), on a pool that counts
// the statements it sends, with the service's clock at *now.
func countedCatalog(t testing.TB, n int, now *time.Time) (http.Handler, *pg.Statements) {
	t.Helper()
	ctx := context.Background()
	pool, count := pgtest.Counted(t, pgtest.New(t))
	_, err := pool.Exec(ctx, `
		INSERT INTO catalog.sellers (id, name) SELECT g, 'Seller ' || g FROM generate_series(1, 20) g;
		INSERT INTO catalog.books (seller_id, title, author, condition, price_cents, currency, description, lang, status, listed, available, created_at)
		SELECT 1 + g % 20, 'Book ' || g, 'Author ' || g % 50, 'good', 100 + g, 'USD', 'A story.', 'en', 'active', 2, 2, now() - make_interval(mins => g)
		FROM generate_series(1, `+strconv.Itoa(n)+`) g;
		INSERT INTO catalog.photos (book_id, key, width, height, position)
		SELECT id, 'cost-' || id, 600, 900, 1 FROM catalog.books WHERE id % 3 = 0;
		ANALYZE`)
	require.NoError(t, err)
	svc := service.New(pool, &service.Options{Log: slog.Default(), NowFunc: func() time.Time { return *now }})
	srv := webtest.New(t, webtest.Opts{
		Routes:     []web.Routes{pages.Routes(svc, slog.Default()), api.Routes(svc)},
		Middleware: []web.Middleware{authtest.FakeSignIn(catalogtest.Seller), pages.WantAlertsMiddleware(svc)},
		Pool:       pool,
	})
	return srv.Handler, count
}

// TestCatalogPage_RoundTrips proves what an anonymous visitor's catalog
// page costs the database, in a shop too large to count exactly: the page
// of listings with their photos, plus the planner's estimate of the
// matches ("about N books") when no recent one is at hand; and nothing is
// written (no session, no cookie).
func TestCatalogPage_RoundTrips(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, time.December, 2, 12, 0, 0, 0, time.UTC)
	h, count := countedCatalog(t, 10_000, &now)
	get := func() (int64, *httptest.ResponseRecorder) {
		t.Helper()
		before := count.Count()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/books", nil))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		require.Empty(t, rec.Header().Values("Set-Cookie"))
		body := rec.Body.String()
		require.Regexp(t, `about [0-9,]+ books`, body)
		require.Contains(t, body, `src="/photos/cost-`)
		require.Contains(t, body, `href="/books?page=2"`)
		require.Equal(t, strconv.Itoa(len(body)), rec.Header().Get("Content-Length"))
		return count.Count() - before, rec
	}
	n, first := get()
	require.Equal(t, int64(2), n, "the page, then the estimate")
	n, again := get()
	require.Equal(t, int64(1), n, "the page; the estimate is recent")
	require.Equal(t, first.Body.String(), again.Body.String())
	now = now.Add(time.Minute)
	n, _ = get()
	require.Equal(t, int64(2), n, "the estimate is asked again once old")
}

// BenchmarkCatalogPage is an anonymous visitor's /books over 10,000
// listings, and the same list as JSON (/api/v1/books), through every
// middleware of the router, in the process: their allocations and round
// trips per page are the figures to watch (timings move with the machine's
// other load).
func BenchmarkCatalogPage(b *testing.B) {
	now := time.Now()
	h, count := countedCatalog(b, 10_000, &now)
	for _, c := range []struct{ name, path string }{{"html", "/books"}, {"json", "/api/v1/books"}} {
		path := c.path
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			before := count.Count()
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s: %d", path, rec.Code)
				}
			}
			b.ReportMetric(float64(count.Count()-before)/float64(b.N), "roundtrips/op")
		})
	}
}

// TestMyListings_PastTheEndCounts: a seller's page past the end of their
// listings finds the last page by one count, not by reading pages at deep
// offsets to bisect (9 reads of a page for page 500 in issue #11's shop).
func TestMyListings_PastTheEndCounts(t *testing.T) {
	t.Parallel()
	now := time.Now()
	h, count := countedCatalog(t, 10_000, &now) // 500 listings of the seller's: 10 pages
	before := count.Count()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/my/listings?page=500", nil)
	as := authtest.As(&catalogtest.Seller)
	req.Header.Set(as[0], as[1])
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	require.Equal(t, "/my/listings?page=10", rec.Header().Get("Location"))
	require.Equal(t, int64(3), count.Count()-before, "the header's want alerts, the empty page, then the count")
}
