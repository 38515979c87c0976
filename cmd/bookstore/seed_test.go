package main

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/pgtest"
)

func TestSeed(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewURL(t)
	env := []string{"DATABASE_URL=" + dbURL, "BOOKSTORE_DATA_DIR=" + t.TempDir()}
	count := func() (books, sellers, photos, editions, sales int) {
		pool, err := pgxpool.New(context.Background(), dbURL)
		require.NoError(t, err)
		defer pool.Close()
		require.NoError(t, pool.QueryRow(context.Background(), `SELECT
			(SELECT count(*) FROM catalog.books), (SELECT count(DISTINCT seller_id) FROM catalog.books),
			(SELECT count(*) FROM catalog.photos),
			(SELECT count(*) FROM (SELECT isbn FROM catalog.books WHERE isbn IS NOT NULL GROUP BY isbn HAVING count(*) > 1) e),
			(SELECT count(*) FROM catalog.sales)`).
			Scan(&books, &sellers, &photos, &editions, &sales))
		return
	}

	out, errOut, code := runBinary(t, env, "", "seed", "--listings", "40", "--sellers", "3")
	require.Zero(t, code, errOut)
	require.Contains(t, out, "seeded 40 listings from 3 sellers")
	require.Regexp(t, `sign in as a seller: seller1-[0-9a-f]+@bookstore.example \(password [0-9a-f]{16}\)`, out)
	books, sellers, photos, editions, sales := count()
	require.Equal(t, 40, books)
	require.Equal(t, 3, sellers)
	require.Equal(t, 40, photos, "every listing has a drawn cover")
	require.Positive(t, editions, "some editions have several copies")
	pool, err := pgxpool.New(context.Background(), dbURL)
	require.NoError(t, err)
	var choices []string
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT array_agg(array_to_string(email_topics, ' ') ORDER BY id) FROM auth.users`).Scan(&choices))
	require.Equal(t, []string{
		"order_placed order_shipped order_problem sale_paid sale_cancelled sale_delivered want_match",
		"order_placed order_shipped order_problem sale_paid sale_cancelled sale_delivered",
		"order_placed order_shipped order_problem sale_paid sale_cancelled sale_delivered want_match",
	}, choices, "the demo sellers' email choices")
	var state string
	var created, updated, refused int
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT state, created, updated, jsonb_array_length(refused) FROM catalog.imports`).
		Scan(&state, &created, &updated, &refused))
	pool.Close()
	require.Equal(t, "done", state, "the first seller has one finished import to show")
	require.Zero(t, created, "the import changes no count above")
	require.Positive(t, updated)
	require.Equal(t, 1, refused)
	require.Positive(t, sales, "some copies of them sold, for the price guide")

	_, errOut, code = runBinary(t, env, "", "seed", "--listings", "5")
	require.NotZero(t, code)
	require.Contains(t, errOut, "already has 40 listings; pass --force")
	books, _, _, _, _ = count()
	require.Equal(t, 40, books)

	out, errOut, code = runBinary(t, env, "", "seed", "--listings", "5", "--sellers", "1", "--force")
	require.Zero(t, code, errOut)
	require.Contains(t, out, "seeded 5 listings")
	books, _, _, _, _ = count()
	require.Equal(t, 45, books)
}

// A count out of range is refused before the database is touched: the
// database here is unreachable, so only a check made first names the flag.
func TestSeed_RejectsCountsOutOfRange(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		args []string
		want string
	}{
		"NegativeListings": {[]string{"--listings", "-5"}, "--listings: must be from 1 to 10000, got -5"},
		"NoListings":       {[]string{"--listings", "0"}, "--listings: must be from 1 to 10000, got 0"},
		"TooManyListings":  {[]string{"--listings", "99999999999"}, "--listings: must be from 1 to 10000, got 99999999999"},
		"NoSellers":        {[]string{"--sellers", "0"}, "--sellers: must be from 1 to 100, got 0"},
		"NegativeSellers":  {[]string{"--sellers", "-1"}, "--sellers: must be from 1 to 100, got -1"},
		"TooManySellers":   {[]string{"--sellers", "101"}, "--sellers: must be from 1 to 100, got 101"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"seed", "--database-url", "postgres://shop@127.0.0.1:1/shop", "--data-dir", t.TempDir()}, tc.args...)
			_, err := runCLI(t, args...)
			require.EqualError(t, err, tc.want)
		})
	}
}
