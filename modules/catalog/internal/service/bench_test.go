package service_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/pgtest"
)

// benchListings fills catalog.books with n varied listings in one
// statement: titles, authors (some accented), conditions, prices,
// languages and ages spread by arithmetic on the series number.
const benchListings = `
INSERT INTO catalog.books (seller_id, title, author, isbn, condition, price_cents, currency,
  description, lang, pub_year, status, listed, available, created_at)
SELECT 1 + g % 500,
  (ARRAY['The','A','Lost','Silent','Broken','Hidden','Last','First','Dark','Golden'])[1 + g % 10] || ' ' ||
  (ARRAY['Garden','River','Empire','Winter','Machine','Ocean','Kingdom','Letters','Journey','Harvest','Mirror','Station','Island','Forest','Memory'])[1 + (g / 10) % 15] || ' ' ||
  (ARRAY['of Shadows','in Paris','and Peace','of Time','for Beginners','Revisited','of Glass','at Dawn','Unbound','Returns'])[1 + (g / 150) % 10],
  (ARRAY['Jane Austen','Leo Tolstoy','Gabriel García Márquez','J. R. R. Tolkien','Virginia Woolf','Émile Zola',
         'Haruki Murakami','Toni Morrison','Italo Calvino','Chinua Achebe','Fyodor Dostoevsky','Charlotte Brontë',
         'Thomas Mann','Franz Kafka','Miguel de Cervantes','Jorge Luis Borges','Ursula K. Le Guin','Doris Lessing',
         'Naguib Mahfouz','Wisława Szymborska','Halldór Laxness','Selma Lagerlöf','José Saramago','Orhan Pamuk',
         'Kazuo Ishiguro','Alice Munro','Mario Vargas Llosa','Günter Grass','Octavio Paz','Nadine Gordimer'])[1 + (g * 7) % 30],
  CASE WHEN g % 1000 = 0 THEN '9780141439518'
       WHEN g % 3 = 0 THEN '978' || lpad(((g::bigint * 7919) % 1000000000)::text, 9, '0') || (g % 10)::text END,
  (ARRAY['new','as_new','fine','very_good','good','fair','poor'])[1 + g % 7],
  100 + (g::bigint * 37) % 20000, 'USD',
  'A ' || (ARRAY['moving','funny','dense','short','sprawling','quiet','violent','tender'])[1 + g % 8] ||
  ' story about ' || (ARRAY['a family','the sea','a war','a city','first love','exile','a journey','old age','a revolution','memory'])[1 + (g / 8) % 10] ||
  '. Read once, kept on a shelf since; some wear to the cover.',
  (ARRAY['en','en','en','en','fr','de','es','it','pt','nl'])[1 + (g / 3) % 10],
  1900 + g % 125, 'active', 1 + g % 3, 1 + g % 3, now() - make_interval(mins => g)
FROM generate_series(1, $1::int) g`

// BenchmarkSearch runs typical shopper searches over 100,000 listings and
// reports the median and 99th percentile latency of one search.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.New(b)
	start := time.Now()
	_, err := pool.Exec(ctx, `INSERT INTO catalog.sellers (id, name) SELECT g, 'Seller ' || g FROM generate_series(1, 500) g`)
	require.NoError(b, err)
	_, err = pool.Exec(ctx, benchListings, 100_000)
	require.NoError(b, err)
	_, err = pool.Exec(ctx, `ANALYZE catalog.books; ANALYZE catalog.sellers`)
	require.NoError(b, err)
	b.Logf("inserted 100,000 listings in %s", time.Since(start).Round(time.Millisecond))
	svc := service.New(pool, nil)

	queries := []struct {
		name string
		q    service.Query
	}{
		{"BrowseNewest", service.Query{}},
		{"OneWord", service.Query{Text: "garden"}},
		{"Author", service.Query{Text: "garcia marquez"}},
		{"TwoWordsNoMatch", service.Query{Text: "zebra submarine"}},
		{"ISBN", service.Query{Text: "978-0-14-143951-8"}},
		{"WordFilteredByPrice", service.Query{Text: "winter", MinPrice: 1000, MaxPrice: 5000, MinCondition: catalog.ConditionGood, Sort: service.SortPriceAsc}},
		{"LanguageNewestPage5", service.Query{Language: "fr", Page: 5}},
		{"CommonWordPriceDesc", service.Query{Text: "story", Sort: service.SortPriceDesc}},
	}
	for _, tc := range queries {
		b.Run(tc.name, func(b *testing.B) {
			durations := make([]time.Duration, 0, b.N)
			for b.Loop() {
				t0 := time.Now()
				_, err := svc.Search(ctx, tc.q)
				durations = append(durations, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
			}
			slices.Sort(durations)
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(durations[len(durations)/2]), "median-ms")
			b.ReportMetric(ms(durations[min(len(durations)-1, len(durations)*99/100)]), "p99-ms")
		})
	}
}
