package service_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"

	"github.com/bookstore/bookstore"
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
