package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/proctest"
	"github.com/bookstore/bookstore/platform/web/webtest"
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

// TestSeed_SplitShop: with --split, the sellers go into the auth database
// of a split shop's private cluster and their listings into its catalog
// database, so the shop signs the sellers in and shows the listings under
// their names; a seed without it fills the monolith's database, which that
// shop does not read.
func TestSeed_SplitShop(t *testing.T) {
	t.Parallel()
	data := proctest.ReachableDir(t)
	env := []string{"DATABASE_URL=", "BOOKSTORE_DATA_DIR=" + data}
	printed := regexp.MustCompile(`sign in as a seller: (\S+) \(password (\S+)\)`)
	seed := func(args ...string) (email, password string) {
		t.Helper()
		out, errOut, code := runBinary(t, env, "", append([]string{"seed", "--sellers", "1"}, args...)...)
		require.Zero(t, code, errOut)
		m := printed.FindStringSubmatch(out)
		require.NotNil(t, m, out)
		return m[1], m[2]
	}
	signIn := func(c *webtest.Client, email, password string) webtest.Response {
		return c.JSON(t, http.MethodPost, "/api/v1/auth/signin", fmt.Sprintf(`{"email":%q,"password":%q}`, email, password))
	}

	// One seed before the shop first starts, one beside it running.
	plainEmail, plainPassword := seed("--listings", "3")
	p := proctest.ServeSplit(t, []string{"DATABASE_URL="}, "--data-dir", data)
	email, password := seed("--split", "--listings", "6")

	c := &webtest.Client{URL: p.URL(), HTTP: &http.Client{}}
	res := signIn(c, plainEmail, plainPassword)
	require.Equal(t, http.StatusUnauthorized, res.StatusCode, "the plain seed's seller is not the split shop's: %s", res.Body)
	res = signIn(c, email, password)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	var in struct {
		Token string
		User  struct {
			ID   int64
			Name string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(res.Body), &in))
	require.NotEmpty(t, in.User.Name)

	type books struct {
		Books []struct {
			ID     int64
			Seller struct {
				ID   int64
				Name string
			}
			Photos []struct {
				Thumb string `json:"thumbnail_url"`
			}
		}
		Total int
	}
	var mine, shown books
	call(t, c, in.Token, http.MethodGet, "/api/v1/me/books", "", http.StatusOK, &mine)
	require.Len(t, mine.Books, 6, "the split seed's listings, none of the plain seed's")
	call(t, c, "", http.MethodGet, "/api/v1/books?per_page=50", "", http.StatusOK, &shown)
	require.NotEmpty(t, shown.Books, "the catalog shows the seeded listings")
	require.Len(t, shown.Books, shown.Total)
	ids := make([]int64, 0, len(mine.Books))
	for _, b := range mine.Books {
		ids = append(ids, b.ID)
	}
	for _, b := range shown.Books {
		require.Contains(t, ids, b.ID)
		require.Equal(t, in.User.ID, b.Seller.ID)
		require.Equal(t, in.User.Name, b.Seller.Name, "a seeded listing shows its seller's name, not a placeholder")
	}
	require.NotEmpty(t, shown.Books[0].Photos)
	status, _, _ := get(t, p.URL()+shown.Books[0].Photos[0].Thumb)
	require.Equal(t, http.StatusOK, status, "the cover is where the split shop's catalog serves it")
}
