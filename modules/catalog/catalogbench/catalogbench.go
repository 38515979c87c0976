// Package catalogbench holds the catalog's sections of `make bench`:
// search latency at 1,000 and 100,000 listings, the catalog page (HTML and
// JSON) of the real binary beside bare handlers that run the same SQL, and
// matching a listing against 100,000 want lists.
package catalogbench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/bench"
	"github.com/bookstore/bookstore/platform/loadgen"
)

// Sections are the catalog's parts of the report.
func Sections() []bench.Section {
	return []bench.Section{
		{Name: "Search, service layer (one shopper at a time, with the count)", Run: searchSection},
		{Name: "Catalog page and JSON list of the real binary vs bare handlers (8 clients)", Run: pageSection},
		{Name: "Want-list matching, service layer (one listing against 100,000 wants)", Run: wantsSection},
	}
}

// listingsSQL fills catalog.books with :n varied listings in one statement:
// titles, authors (some accented), conditions, prices, languages and ages
// spread by arithmetic on the series number, and a photo on every third.
const listingsSQL = `
INSERT INTO catalog.sellers (id, name) SELECT g, 'Seller ' || g FROM generate_series(1, 500) g ON CONFLICT DO NOTHING;
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
FROM generate_series(1, :n) g;
INSERT INTO catalog.photos (book_id, key, width, height, position)
SELECT id, 'bench-' || id, 600, 900, 1 FROM catalog.books WHERE id % 3 = 0;
ANALYZE;`

// fill loads n listings into a fresh database.
func fill(ctx context.Context, env *bench.Env, n int) (*bench.Database, error) {
	db, err := env.NewDatabase(ctx)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	if _, err := db.Pool.Exec(ctx, strings.Replace(listingsSQL, ":n", strconv.Itoa(n), 1)); err != nil {
		db.Drop()
		return nil, err
	}
	env.Logf("%d listings loaded in %s", n, time.Since(t0).Round(time.Millisecond))
	return db, nil
}

// searches are what shoppers type, each a figure of the report.
var searches = []struct {
	name   string
	q      service.Query
	target bool // the five kinds; the rest are context
}{
	{"one word", service.Query{Text: "garden"}, true},
	{"two words", service.Query{Text: "silent river"}, true},
	{"an author", service.Query{Text: "garcia marquez"}, true},
	{"filters", service.Query{Text: "winter", MinPrice: 1000, MaxPrice: 5000, MinCondition: catalog.ConditionGood, Language: "en", Sort: service.SortPriceAsc}, true},
	{"a prefix", service.Query{Text: "kingd"}, true},
	{"stop words", service.Query{Text: "the"}, false},
	{"a typo", service.Query{Text: "gardne"}, false},
	{"browse, page 5", service.Query{Language: "fr", Page: 5}, false},
}

func searchSection(ctx context.Context, env *bench.Env) ([]bench.Figure, error) {
	p99 := map[string][2]time.Duration{}
	var figs []bench.Figure
	for i, n := range []int{1_000, 100_000} {
		db, err := fill(ctx, env, n)
		if err != nil {
			return nil, err
		}
		svc := service.New(db.Pool, nil)
		for _, s := range searches {
			q := s.q
			q.Count = true
			res := loadgen.Run(ctx, loadgen.Options{Workers: 1, Duration: env.Dur(3 * time.Second), Warmup: env.Dur(500 * time.Millisecond)},
				func(ctx context.Context, _, _ int) error {
					_, err := svc.Search(ctx, q)
					return err
				})
			if res.Errors > 0 {
				db.Drop()
				return figs, fmt.Errorf("search %q: %w", s.name, res.FirstErr)
			}
			d := p99[s.name]
			d[i] = res.Percentile(99)
			p99[s.name] = d
			f := bench.Figure{Name: fmt.Sprintf("p99 %s, %s listings", s.name, thousands(n)), Value: bench.Ms(res.Percentile(99)), Unit: "ms",
				Note: fmt.Sprintf("p50 %.1f ms", bench.Ms(res.Percentile(50)))}
			if s.target {
				f.Target = bench.Max(20)
			}
			figs = append(figs, f)
		}
		db.Drop()
	}
	for _, s := range searches {
		if d := p99[s.name]; s.target && d[0] > 0 {
			figs = append(figs, bench.Info("p99 100k ÷ 1k, "+s.name, float64(d[1])/float64(d[0]), "×", "near 1 is flat"))
		}
	}
	return figs, nil
}

func thousands(n int) string {
	if n >= 1000 {
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

// pool opens a pool sized like the shop's.
func pool(ctx context.Context, url string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = maxConns
	return pgxpool.NewWithConfig(ctx, cfg)
}
