package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"

	"github.com/bookstore/bookstore"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/migrate"
	"github.com/bookstore/bookstore/platform/pgtest"
)

// Listings and wants written before search folded ς and stored text
// composed are searched and matched as new ones: their text composed,
// their documents and stems folded, the words of suggestions too, and the
// new documents analysed so the planner knows how common each word is.
func TestMigration_SearchFold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.MigratedBefore(t, "catalog", "0014")
	_, err := pool.Exec(ctx, `INSERT INTO catalog.books (seller_id, title, author, condition, price_cents, listed, available)
		VALUES (1, $1, 'Νίκος Καζαντζάκης', 'good', 1000, 1, 1)`, norm.NFD.String("Ο Καπετάν Μιχάλης, Zorbás"))
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO catalog.wants (user_id, words, max_price_cents, min_condition) VALUES (2, 'ΖΟΡΜΠΑΣ', 5000, 'poor')`)
	require.NoError(t, err)

	require.NoError(t, migrate.Apply(ctx, pool, bookstore.MigrationSets("catalog")))
	var title string
	var words, lexemes []string
	var analysed bool
	require.NoError(t, pool.QueryRow(ctx, `SELECT b.title,
		  (SELECT array_agg(word ORDER BY word) FROM catalog.words WHERE word LIKE 'κ%'),
		  (SELECT lexemes FROM catalog.wants),
		  EXISTS (SELECT FROM pg_stats WHERE schemaname = 'catalog' AND tablename = 'books' AND attname = 'search')
		FROM catalog.books b`).Scan(&title, &words, &lexemes, &analysed))
	require.Equal(t, "Ο Καπετάν Μιχάλης, Zorbás", title, "composed")
	require.Equal(t, []string{"καζαντζακησ", "καπεταν"}, words)
	require.Equal(t, []string{"ζορμπασ"}, lexemes)
	require.True(t, analysed)
	res, err := service.New(pool, nil).Search(ctx, service.Query{Text: "καζαντζακης μιχαλης"})
	require.NoError(t, err)
	require.Len(t, res.Listings, 1)

	var tuples float64
	require.NoError(t, pgtest.New(t).QueryRow(ctx, "SELECT reltuples FROM pg_class WHERE oid = 'catalog.books'::regclass").Scan(&tuples))
	require.Equal(t, float64(-1), tuples, "an empty shop is not analysed")
}

// Listings and wants written before search read Han, kana and Hangul as
// characters and pairs are searched and matched as new ones, the words of
// suggestions lose the runs remembered whole, and a listing in other
// scripts keeps its document as it was.
func TestMigration_SearchCJK(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.MigratedBefore(t, "catalog", "0015")
	var ids []int64
	for _, b := range [][2]string{{"吾輩は猫である", "夏目漱石"}, {"Harry Potterと賢者の石", "J. K. Rowling"}, {"Ο Καπετάν Μιχάλης", "Νίκος Καζαντζάκης"}} {
		var id int64
		require.NoError(t, pool.QueryRow(ctx, `INSERT INTO catalog.books (seller_id, title, author, condition, price_cents, listed, available)
			VALUES (1, $1, $2, 'good', 1000, 1, 1) RETURNING id`, b[0], b[1]).Scan(&id))
		ids = append(ids, id)
	}
	_, err := pool.Exec(ctx, `INSERT INTO catalog.wants (user_id, words, max_price_cents, min_condition) VALUES (2, 'である', 5000, 'poor')`)
	require.NoError(t, err)
	document := func(id int64) string {
		t.Helper()
		var doc string
		require.NoError(t, pool.QueryRow(ctx, "SELECT search::text || title_search::text FROM catalog.books WHERE id = $1", id).Scan(&doc))
		return doc
	}
	greek := document(ids[2])
	var whole bool
	require.NoError(t, pool.QueryRow(ctx, "SELECT EXISTS (SELECT FROM catalog.words WHERE word = 'potterと賢者の石')").Scan(&whole))
	require.True(t, whole, "remembered whole before")

	require.NoError(t, migrate.Apply(ctx, pool, bookstore.MigrationSets("catalog")))
	var cjkWords, potter int
	var lexemes []string
	var analysed bool
	require.NoError(t, pool.QueryRow(ctx, `SELECT
		  (SELECT count(*) FROM catalog.words WHERE word ~ catalog.cjk_chars()),
		  (SELECT count(*) FROM catalog.words WHERE word = 'potter'),
		  (SELECT lexemes FROM catalog.wants),
		  EXISTS (SELECT FROM pg_stats WHERE schemaname = 'catalog' AND tablename = 'books' AND attname = 'search')`).
		Scan(&cjkWords, &potter, &lexemes, &analysed))
	require.Zero(t, cjkWords, "no run remembered whole")
	require.Equal(t, 1, potter)
	require.ElementsMatch(t, []string{"で", "あ", "る", "であ", "ある"}, lexemes)
	require.True(t, analysed)
	require.Equal(t, greek, document(ids[2]), "other scripts as before")
	svc := service.New(pool, nil)
	for text, id := range map[string]int64{"猫": ids[0], "漱石": ids[0], "potter rowling": ids[1], "賢者": ids[1]} {
		res, err := svc.Search(ctx, service.Query{Text: text})
		require.NoError(t, err)
		require.Len(t, res.Listings, 1, text)
		require.Equal(t, id, int64(res.Listings[0].ID), text)
	}
}

// Listings and wants written before migration 0016 are searched and
// matched as new ones: a title with a slash or a hyphen before a digit by
// its pieces, a want of stop words or typed halfway by what search finds.
func TestMigration_SearchAsTyped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.MigratedBefore(t, "catalog", "0016")
	_, err := pool.Exec(ctx, `INSERT INTO catalog.books (seller_id, title, author, condition, price_cents, listed, available)
		VALUES (1, 'Catch-22', 'Joseph Heller', 'good', 1000, 1, 1), (1, 'TCP/IP Illustrated', 'W. Richard Stevens', 'good', 1000, 1, 1)`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO catalog.wants (user_id, words, max_price_cents, min_condition) VALUES (2, 'tcp ip', 5000, 'poor'), (2, 'illustr', 5000, 'poor')`)
	require.NoError(t, err)

	require.NoError(t, migrate.Apply(ctx, pool, bookstore.MigrationSets("catalog")))
	svc := service.New(pool, nil)
	for text, title := range map[string]string{"catch 22": "Catch-22", "tcpip": "TCP/IP Illustrated"} {
		res, err := svc.Search(ctx, service.Query{Text: text})
		require.NoError(t, err)
		require.Len(t, res.Listings, 1, text)
		require.Equal(t, title, res.Listings[0].Title)
	}
	var tcp int64
	require.NoError(t, pool.QueryRow(ctx, "SELECT id FROM catalog.books WHERE title LIKE 'TCP%'").Scan(&tcp))
	n, err := svc.MatchWants(ctx, catalog.BookID(tcp))
	require.NoError(t, err)
	require.Equal(t, 2, n, "both wants, the second by a prefix")
}

// Wants written before migration 0018 match what search finds, as new
// ones do: a word of Han, kana or Hangul where its characters stand in a
// row; the other wants are not written again.
func TestMigration_SearchQuery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.MigratedBefore(t, "catalog", "0018")
	_, err := pool.Exec(ctx, `INSERT INTO catalog.wants (user_id, words, max_price_cents, min_condition)
		VALUES (2, '大阪神', 5000, 'poor'), (3, 'tigers', 5000, 'poor')`)
	require.NoError(t, err)
	versions := func() map[string]string {
		t.Helper()
		rows, err := pool.Query(ctx, "SELECT words, xmin::text FROM catalog.wants")
		require.NoError(t, err)
		got := map[string]string{}
		for rows.Next() {
			var words, xmin string
			require.NoError(t, rows.Scan(&words, &xmin))
			got[words] = xmin
		}
		require.NoError(t, rows.Err())
		return got
	}
	before := versions()

	require.NoError(t, migrate.Apply(ctx, pool, bookstore.MigrationSets("catalog")))
	after := versions()
	require.NotEqual(t, before["大阪神"], after["大阪神"])
	require.Equal(t, before["tigers"], after["tigers"], "a want that reads the same is not written")
	svc := service.New(pool, nil)
	for title, want := range map[string]int{"大阪と阪神 Tigers": 1, "大阪神 Tigers": 2} {
		var id int64
		require.NoError(t, pool.QueryRow(ctx, `INSERT INTO catalog.books (seller_id, title, author, condition, price_cents, listed, available)
			VALUES (1, $1, 'Ann Author', 'good', 1000, 1, 1) RETURNING id`, title).Scan(&id))
		n, err := svc.MatchWants(ctx, catalog.BookID(id))
		require.NoError(t, err)
		require.Equal(t, want, n, title)
	}
}

// A Korean listing written before migration 0019 gives its words to "did
// you mean", without being written again.
func TestMigration_SuggestKorean(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.MigratedBefore(t, "catalog", "0019")
	var xmin string
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO catalog.books (seller_id, title, author, condition, price_cents, listed, available)
		VALUES (1, '채식주의자를 읽다', '한강', 'good', 1000, 1, 1) RETURNING xmin::text`).Scan(&xmin))

	require.NoError(t, migrate.Apply(ctx, pool, bookstore.MigrationSets("catalog")))
	res, err := service.New(pool, nil).Search(ctx, service.Query{Text: "채식주의쟈를", Count: true})
	require.NoError(t, err)
	require.Equal(t, "채식주의자를", res.Suggestion)
	var after string
	require.NoError(t, pool.QueryRow(ctx, "SELECT xmin::text FROM catalog.books").Scan(&after))
	require.Equal(t, xmin, after, "the listing is not written again")
}

// TestMigration_SearchTextInlined: Postgres inlines the functions that fold
// every searched and indexed text into the statements that call them, so
// they cost an expression, not a call planned per statement.
func TestMigration_SearchTextInlined(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	for _, expr := range []string{"catalog.search_text(title)", "catalog.title_words(title)", "catalog.fold(title)"} {
		var plan strings.Builder
		rows, err := pool.Query(ctx, "EXPLAIN (VERBOSE) SELECT "+expr+" FROM catalog.books")
		require.NoError(t, err)
		for rows.Next() {
			var line string
			require.NoError(t, rows.Scan(&line))
			plan.WriteString(line + "\n")
		}
		require.NoError(t, rows.Err())
		require.NotContains(t, plan.String(), "search_text(", expr)
		require.NotContains(t, plan.String(), "title_words(", expr)
		require.NotContains(t, plan.String(), "fold(", expr)
		var null *string
		require.NoError(t, pool.QueryRow(ctx, "SELECT "+strings.Replace(expr, "(title)", "(NULL)", 1)+"::text").Scan(&null))
		require.Nil(t, null, expr)
	}
}
