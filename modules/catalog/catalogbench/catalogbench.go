// Package catalogbench holds the catalog's sections of `make bench`:
// search latency at 1,000 and 100,000 listings, the catalog page (HTML and
// JSON) of the real binary beside bare handlers that run the same SQL, and
// matching a listing against 100,000 want lists.
package catalogbench

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
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

// listingsSQL fills catalog.books with :n varied listings in one statement.
// Words are spread as in a real shop's catalog: a title is one of 20 × 60 ×
// 20 phrasings, so a common noun ("garden") is in about 1 title of 60; one
// listing in ten is by one of 30 well-known authors (each about 1 in 300),
// the rest by one of 40 × 60 others. Title and author are picked by hashes
// of the series number, so a word's listings are spread over the table as
// a shop's are; conditions, prices, languages and ages by arithmetic on
// it, with a photo on every third.
const listingsSQL = `
INSERT INTO catalog.sellers (id, name) SELECT g, 'Seller ' || g FROM generate_series(1, 500) g ON CONFLICT DO NOTHING;
INSERT INTO catalog.books (seller_id, title, author, isbn, condition, price_cents, currency,
  description, lang, pub_year, status, listed, available, created_at)
SELECT 1 + g % 500,
  (ARRAY['The','A','Lost','Silent','Broken','Hidden','Last','First','Dark','Golden','Little','Secret',
         'Burning','Quiet','Northern','Endless','Wild','Distant','Bright','Forgotten'])[1 + t % 20] || ' ' ||
  (ARRAY['Garden','River','Empire','Winter','Machine','Ocean','Kingdom','Letters','Journey','Harvest','Mirror','Station',
         'Island','Forest','Memory','House','Mountain','Bridge','Orchard','Library','Lighthouse','Desert','Harbour','Village',
         'Cathedral','Summer','Country','Road','Castle','Valley','Meadow','Tower','Storm','Garden Party','Painter','Daughter',
         'Stranger','Soldier','Widow','Detective','Emperor','Gardener','Horizon','Shadow','Voyage','Silence','Promise','Secret',
         'Archive','Carnival','Comet','Compass','Frontier','Glacier','Inheritance','Labyrinth','Monastery','Pilgrim','Orchestra','Wanderer'])[1 + t / 20 % 60] || ' ' ||
  (ARRAY['of Shadows','in Paris','and Peace','of Time','for Beginners','Revisited','of Glass','at Dawn','Unbound','Returns',
         'in Winter','of the North','by Night','and Other Stories','at Sea','of Salt','in Ruins','Remembered','of Ash','at Last'])[1 + t / 1200 % 20],
  CASE WHEN a % 10 = 0 THEN
    (ARRAY['Jane Austen','Leo Tolstoy','Gabriel García Márquez','J. R. R. Tolkien','Virginia Woolf','Émile Zola',
           'Haruki Murakami','Toni Morrison','Italo Calvino','Chinua Achebe','Fyodor Dostoevsky','Charlotte Brontë',
           'Thomas Mann','Franz Kafka','Miguel de Cervantes','Jorge Luis Borges','Ursula K. Le Guin','Doris Lessing',
           'Naguib Mahfouz','Wisława Szymborska','Halldór Laxness','Selma Lagerlöf','José Saramago','Orhan Pamuk',
           'Kazuo Ishiguro','Alice Munro','Mario Vargas Llosa','Günter Grass','Octavio Paz','Nadine Gordimer'])[1 + a / 10 % 30]
  ELSE
    (ARRAY['Anna','Ben','Clara','David','Elena','Frank','Greta','Hugo','Ines','Jonas','Karin','Luis','Marta','Nils','Olga',
           'Pablo','Rosa','Simon','Tessa','Victor','Wanda','Yusuf','Zoe','Adam','Beatriz','Carl','Dora','Emil','Fiona','Goran',
           'Hanna','Ivan','Julia','Kofi','Lena','Milan','Nora','Oskar','Petra','Rafael'])[1 + a / 10 % 40] || ' ' ||
    (ARRAY['Abbott','Bergman','Castellano','Dumont','Eriksen','Fischer','Gallo','Hartmann','Ibsen','Jansen','Kowalski','Lindqvist',
           'Moreau','Novak','Olsen','Petrov','Quinn','Rossi','Schmidt','Tanaka','Urban','Varga','Weber','Young','Zimmermann',
           'Almeida','Brandt','Costa','Duarte','Engel','Ferrara','Gonzalez','Horvat','Iversen','Jovanović','Keller','Larsen',
           'Müller','Nowak','Ortega','Pereira','Quintana','Richter','Sørensen','Torres','Ulrich','Vidal','Wagner','Yilmaz',
           'Zapata','Andersson','Bianchi','Carvalho','Dahl','Esposito','Fontaine','García','Holm','Ilić','Jensen'])[1 + a / 400 % 60]
  END,
  CASE WHEN g % 1000 = 0 THEN '9780141439518'
       WHEN g % 3 = 0 THEN '978' || lpad(((g::bigint * 7919) % 1000000000)::text, 9, '0') || (g % 10)::text END,
  (ARRAY['new','as_new','fine','very_good','good','fair','poor'])[1 + g % 7],
  100 + (g::bigint * 37) % 20000, 'USD',
  'A ' || (ARRAY['moving','funny','dense','short','sprawling','quiet','violent','tender'])[1 + g % 8] ||
  ' story about ' || (ARRAY['a family','the sea','a war','a city','first love','exile','a journey','old age','a revolution','memory'])[1 + (g / 8) % 10] ||
  '. Read once, kept on a shelf since; some wear to the cover.',
  (ARRAY['en','en','en','en','fr','de','es','it','pt','nl'])[1 + (g / 3) % 10],
  1900 + g % 125, 'active', 1 + g % 3, 1 + g % 3, now() - make_interval(mins => g)
FROM generate_series(1, :n) g,
  LATERAL (SELECT hashint4(g) & 2147483647 AS t, hashint4(-g) & 2147483647 AS a) h;
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

// pageBlocks is the number of buffers the page statement of q touches,
// from EXPLAIN (ANALYZE, BUFFERS): the work of a search, which no noisy
// neighbour changes.
func pageBlocks(ctx context.Context, db *bench.Database, q service.Query) (int, error) {
	if err := q.Validate(); err != nil {
		return 0, err
	}
	st := service.SearchStatements(q)
	var plan []byte
	if err := db.Pool.QueryRow(ctx, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+st.Page,
		append([]any{pgx.QueryExecModeExec}, st.Args...)...).Scan(&plan); err != nil {
		return 0, fmt.Errorf("explain: %w", err)
	}
	var p []struct {
		Plan struct {
			Hit  int `json:"Shared Hit Blocks"`
			Read int `json:"Shared Read Blocks"`
		} `json:"Plan"`
	}
	if err := json.Unmarshal(plan, &p); err != nil || len(p) == 0 {
		return 0, fmt.Errorf("explain: unreadable plan %.100s", plan)
	}
	return p[0].Plan.Hit + p[0].Plan.Read, nil
}

func searchSection(ctx context.Context, env *bench.Env) ([]bench.Figure, error) {
	p99 := map[string][2]time.Duration{}
	blocks := map[string][2]int{}
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
			nb, err := pageBlocks(ctx, db, q)
			if err != nil {
				db.Drop()
				return figs, fmt.Errorf("search %q: %w", s.name, err)
			}
			d, b := p99[s.name], blocks[s.name]
			d[i], b[i] = res.Percentile(99), nb
			p99[s.name], blocks[s.name] = d, b
			f := bench.Figure{Name: fmt.Sprintf("p99 %s, %s listings", s.name, thousands(n)), Value: bench.Ms(res.Percentile(99)), Unit: "ms",
				Note: fmt.Sprintf("p50 %.1f ms, page reads %d buffers", bench.Ms(res.Percentile(50)), nb)}
			if s.target {
				f.Target = bench.Max(20)
			}
			figs = append(figs, f)
		}
		db.Drop()
	}
	for _, s := range searches {
		if d := p99[s.name]; s.target && d[0] > 0 {
			b := blocks[s.name]
			figs = append(figs, bench.Info("p99 100k ÷ 1k, "+s.name, float64(d[1])/float64(d[0]), "×",
				fmt.Sprintf("near 1 is flat; buffers %.2f×", float64(b[1])/float64(max(b[0], 1)))))
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

// Listing is one listing made by Listings.
type Listing struct {
	ID         catalog.BookID
	PriceCents int64
}

// Listings makes n plain listings of one seller (made too, if new), each
// with copies copies on sale, for another module's sections: the
// catalog's tables are written by the catalog's package.
func Listings(ctx context.Context, pool *pgxpool.Pool, sellerID int64, n, copies int) ([]Listing, error) {
	if _, err := pool.Exec(ctx, `INSERT INTO catalog.sellers (id, name) VALUES ($1, 'Bench seller') ON CONFLICT DO NOTHING`, sellerID); err != nil {
		return nil, fmt.Errorf("bench seller %d: %w", sellerID, err)
	}
	rows, err := pool.Query(ctx, `
		INSERT INTO catalog.books (seller_id, title, author, condition, price_cents, listed, available)
		SELECT $1, 'Bench book ' || g, 'Bench Author', 'good', 500 + g % 5000, $3, $3
		FROM generate_series(1, $2::int) g
		RETURNING id, price_cents`, sellerID, n, copies)
	if err != nil {
		return nil, fmt.Errorf("%d bench listings: %w", n, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Listing])
	if err != nil {
		return nil, fmt.Errorf("%d bench listings: %w", n, err)
	}
	return out, nil
}
