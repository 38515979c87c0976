package catalogbench

import (
	"context"
	"fmt"
	"time"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/bench"
	"github.com/bookstore/bookstore/platform/loadgen"
)

// wantsSQL fills catalog.wants with 100,000 wants of 20,000 shoppers: one
// in five by ISBN (one in fifty the ISBN of listingsSQL's every thousandth
// book), the rest one to three words. One words want in ten is drawn from
// the very words listingsSQL builds titles and authors from, so a listing
// meets dozens of wants; the others name books not on sale (words of a
// vocabulary of 50,000), as most wants of a real shop do.
const wantsSQL = `
INSERT INTO catalog.wants (user_id, isbn, words, max_price_cents, min_condition)
SELECT 100000 + g % 20000,
  CASE WHEN g % 5 = 0 THEN
    CASE WHEN g % 50 = 0 THEN '9780141439518' ELSE '978' || lpad(((g::bigint * 104729) % 1000000000)::text, 9, '0') || (g % 10)::text END
  END,
  CASE WHEN g % 5 <> 0 AND g % 10 <> 1 THEN
    'title' || (g::bigint * 7919) % 50000 || CASE WHEN g % 2 = 0 THEN ' author' || (g::bigint * 104729) % 50000 ELSE '' END
  WHEN g % 5 <> 0 THEN
    (ARRAY['garden','river','empire','winter','machine','ocean','kingdom','letters','journey','harvest','mirror','station','island','forest','memory',
           'austen','tolstoy','marquez','tolkien','woolf','zola','murakami','morrison','calvino','achebe','kafka','borges','pamuk','ishiguro','munro'])[1 + g % 30] ||
    CASE g % 3 WHEN 0 THEN '' WHEN 1 THEN ' ' || (ARRAY['shadows','paris','peace','time','beginners','glass','dawn','lost','silent','golden'])[1 + (g / 30) % 10]
      ELSE ' ' || (ARRAY['silent','broken','hidden','dark','golden'])[1 + (g / 7) % 5] || ' ' || (ARRAY['garden','river','ocean','forest','island'])[1 + (g / 11) % 5] END
  ELSE '' END,
  500 + (g::bigint * 53) % 15000,
  (ARRAY['new','as_new','fine','very_good','good','fair','poor'])[1 + g % 7]
FROM generate_series(1, 100000) g;
ANALYZE catalog.wants;`

// wantsSection times matching one listing against 100,000 wants, the work
// of the job that publishing or repricing a listing inserts, with the
// matches it writes. Each run takes the next of 1,000 listings, so every
// listing is matched first for real and then again (finding its matches
// already recorded).
func wantsSection(ctx context.Context, env *bench.Env) ([]bench.Figure, error) {
	const listings = 1_000
	db, err := fill(ctx, env, listings)
	if err != nil {
		return nil, err
	}
	defer db.Drop()
	t0 := time.Now()
	if _, err := db.Pool.Exec(ctx, wantsSQL); err != nil {
		return nil, err
	}
	env.Logf("100000 wants loaded in %s", time.Since(t0).Round(time.Millisecond))
	var first, matched int
	svc := service.New(db.Pool, nil)
	res := loadgen.Run(ctx, loadgen.Options{Workers: 1, Duration: env.Dur(5 * time.Second), Warmup: env.Dur(500 * time.Millisecond)},
		func(ctx context.Context, _, n int) error {
			got, err := svc.MatchWants(ctx, catalog.BookID(1+n%listings))
			if n < listings {
				first++
				matched += got
			}
			return err
		})
	if res.Errors > 0 {
		return nil, fmt.Errorf("match wants: %w", res.FirstErr)
	}
	figs := []bench.Figure{
		{Name: "p99 match one listing, 100k wants", Value: bench.Ms(res.Percentile(99)), Unit: "ms", Target: bench.Max(50),
			Note: fmt.Sprintf("p50 %.1f ms", bench.Ms(res.Percentile(50)))},
	}
	if first > 0 {
		figs = append(figs, bench.Info("matches written per listing", float64(matched)/float64(first), "", "of the first runs"))
	}
	return figs, nil
}
