package pages_test

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog/internal/pages"
	"github.com/bookstore/bookstore/modules/catalog/internal/photos"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

// BenchmarkCatalogPage serves /books (the newest books, a page of results
// with their photos) from the real router and middleware, beside a bare
// handler that runs the same search and prints a minimal list, with 8
// concurrent clients in process over 10,000 listings. The ratio of their
// pages/s is what rendering and the middleware cost around the SQL.
func BenchmarkCatalogPage(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.New(b)
	_, err := pool.Exec(ctx, `INSERT INTO catalog.sellers (id, name) SELECT g, 'Seller ' || g FROM generate_series(1, 200) g`)
	require.NoError(b, err)
	_, err = pool.Exec(ctx, `
INSERT INTO catalog.books (seller_id, title, author, condition, price_cents, currency, description, lang, status, listed, available, created_at)
SELECT 1 + g % 200, 'Book ' || g || ' of the ' || (ARRAY['River','Garden','Winter','Empire'])[1 + g % 4],
  (ARRAY['Jane Austen','Émile Zola','Toni Morrison','Italo Calvino'])[1 + g % 4],
  (ARRAY['new','fine','good','fair'])[1 + g % 4], 100 + g % 9000, 'USD', 'A story.', 'en', 'active', 2, 2,
  now() - make_interval(mins => g)
FROM generate_series(1, 10000) g`)
	require.NoError(b, err)
	_, err = pool.Exec(ctx, `INSERT INTO catalog.photos (book_id, key, width, height, position) SELECT id, 'b' || id || '/k', 600, 800, 1 FROM catalog.books WHERE id % 2 = 0`)
	require.NoError(b, err)
	_, err = pool.Exec(ctx, `ANALYZE`)
	require.NoError(b, err)
	svc := service.New(pool, &service.Options{Photos: photos.NewMemStore()})
	page := webtest.New(b, webtest.Opts{Routes: []web.Routes{pages.Routes(svc, slog.Default())}, Pool: pool}).Handler
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, _ := service.ParseQuery(r.URL.Query())
		if err := q.Validate(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		res, err := svc.Search(r.Context(), q)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>Books</title><ul>")
		for _, l := range res.Listings {
			fmt.Fprintf(w, "<li><a href=\"/books/%d\">%s</a> %s %d</li>", l.ID, html.EscapeString(l.Title), html.EscapeString(l.Author), l.PriceCents)
		}
		fmt.Fprint(w, "</ul>")
	})
	for _, tc := range []struct {
		name string
		h    http.Handler
	}{{"Page", page}, {"Bare", bare}} {
		b.Run(tc.name, func(b *testing.B) {
			var (
				mu        sync.Mutex
				latencies []time.Duration
			)
			b.SetParallelism(4) // 8 clients on 2 cores
			start := time.Now()
			b.RunParallel(func(p *testing.PB) {
				var mine []time.Duration
				for p.Next() {
					t0 := time.Now()
					rec := httptest.NewRecorder()
					tc.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/books", nil))
					mine = append(mine, time.Since(t0))
					if rec.Code != http.StatusOK {
						b.Errorf("status %d", rec.Code)
						return
					}
				}
				mu.Lock()
				latencies = append(latencies, mine...)
				mu.Unlock()
			})
			elapsed := time.Since(start)
			slices.Sort(latencies)
			b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "pages/s")
			b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
