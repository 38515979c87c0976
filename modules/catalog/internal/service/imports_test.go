package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/riverfx"
)

func sellerBooks(ctx context.Context, t *testing.T, pool *pgxpool.Pool, seller int) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM catalog.books WHERE seller_id = $1`, seller).Scan(&n))
	return n
}

func TestService_Import(t *testing.T) {
	t.Parallel()

	t.Run("CreatesUpdatesAndRefuses", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		in := validInput()
		in.Condition = catalog.ConditionGood
		mine, err := b.svc.Create(ctx, b.seller, in) // ISBN 9780141439518, good
		require.NoError(t, err)
		in.Description = "Someone else's"
		theirs, err := b.svc.Create(ctx, b.other, in)
		require.NoError(t, err)

		im, rows, err := b.svc.StageImport(ctx, b.seller, "stock.csv", []byte("title,author,isbn,condition,price,copies\n"+
			"Le Petit Prince,Saint-Exupéry,978-0141439518,Good,9.00,5\n"+
			"Le Petit Prince,Saint-Exupéry,978-0141439518,Fine,20,1\n"+
			"Dune,Frank Herbert,,very good,7.5,3\n"+
			"Emma,,,good,4,1\n"))
		require.NoError(t, err)
		require.Equal(t, service.ImportStaged, im.State)
		require.Equal(t, 4, im.Total)
		require.Equal(t, "stock.csv", im.Filename)
		require.Equal(t, mine.ID, rows[0].Updates, "the seller's own listing of that ISBN and condition")
		require.Zero(t, rows[1].Updates, "another condition is a new listing")
		require.False(t, rows[3].Valid())

		_, err = b.svc.Import(ctx, b.other, im.ID)
		require.ErrorIs(t, err, service.ErrImportNotFound)
		_, err = b.svc.ConfirmImport(ctx, b.other, im.ID)
		require.ErrorIs(t, err, service.ErrImportNotFound)
		unverified := b.seller
		unverified.EmailVerified = false
		_, err = b.svc.ConfirmImport(ctx, unverified, im.ID)
		require.ErrorIs(t, err, service.ErrUnverified, "publishing in bulk needs a confirmed address too")
		require.Equal(t, 1, sellerBooks(ctx, t, b.pool, int(b.seller.ID)), "a preview imports nothing")

		im, err = b.svc.ConfirmImport(ctx, b.seller, im.ID)
		require.NoError(t, err)
		require.Equal(t, service.ImportQueued, im.State)
		_, err = b.svc.ConfirmImport(ctx, b.seller, im.ID)
		require.ErrorIs(t, err, service.ErrImportState)

		require.NoError(t, b.svc.RunImport(ctx, im.ID))
		im, err = b.svc.Import(ctx, b.seller, im.ID)
		require.NoError(t, err)
		require.Equal(t, service.ImportDone, im.State)
		require.Equal(t, 100, im.Percent())
		require.Equal(t, 2, im.Created)
		require.Equal(t, 1, im.Updated)
		require.Equal(t, []service.ImportRefusal{{Line: 5, Reason: "author: enter the author, or several separated by commas"}}, im.Refused)

		got, err := b.svc.Listing(ctx, mine.ID)
		require.NoError(t, err)
		require.Equal(t, int64(900), got.PriceCents)
		require.Equal(t, 5, got.Available)
		require.Equal(t, "Saint-Exupéry", got.Author)
		require.Equal(t, "A classic.", got.Description, "a column the file lacks keeps its value")
		require.Equal(t, 1943, got.Year)
		other, err := b.svc.Listing(ctx, theirs.ID)
		require.NoError(t, err)
		require.Equal(t, int64(1250), other.PriceCents, "another seller's listing is never touched")
		require.Equal(t, 3, sellerBooks(ctx, t, b.pool, int(b.seller.ID)))

		require.NoError(t, b.svc.RunImport(ctx, im.ID), "a finished import runs again as a no-op")
		require.Equal(t, 3, sellerBooks(ctx, t, b.pool, int(b.seller.ID)))
	})

	// An empty language cell keeps an updated listing's language, as a
	// PATCH without the field does; a new listing's is English.
	t.Run("EmptyLanguageKeepsTheListings", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		in := validInput()
		in.Language = "de"
		mine, err := b.svc.Create(ctx, b.seller, in)
		require.NoError(t, err)
		im, rows, err := b.svc.StageImport(ctx, b.seller, "langs.csv", []byte("id,title,author,condition,price,copies,language\n"+
			fmt.Sprintf("%d,Die Verwandlung,Franz Kafka,good,17.27,2,\n", mine.ID)+
			",Emma,Jane Austen,good,4,1,\n"))
		require.NoError(t, err)
		require.True(t, rows[0].Valid() && rows[1].Valid())
		_, err = b.svc.ConfirmImport(ctx, b.seller, im.ID)
		require.NoError(t, err)
		require.NoError(t, b.svc.RunImport(ctx, im.ID))
		got, err := b.svc.Listing(ctx, mine.ID)
		require.NoError(t, err)
		require.Equal(t, "Die Verwandlung", got.Title)
		require.Equal(t, "de", got.Language, "an empty cell is no language: the listing keeps its own")
		var lang string
		require.NoError(t, b.pool.QueryRow(ctx, `SELECT lang FROM catalog.books WHERE title = 'Emma' AND seller_id = $1`, int64(b.seller.ID)).Scan(&lang))
		require.Equal(t, "en", lang, "a new listing's empty language is English, as the import page says")
	})

	// An id names the listing a row updates, and only the seller's own:
	// another seller's id reads as an unknown one, in the preview and in
	// the import, which leaves that listing as it was.
	t.Run("ByIDOnlyTheSellersOwn", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		mine, err := b.svc.Create(ctx, b.seller, validInput())
		require.NoError(t, err)
		deleted, err := b.svc.Create(ctx, b.seller, validInput())
		require.NoError(t, err)
		// Delete archives a listing that has sales and removes any other.
		_, err = b.pool.Exec(ctx, `UPDATE catalog.books SET status = 'archived' WHERE id = $1`, int64(deleted.ID))
		require.NoError(t, err)
		theirs, err := b.svc.Create(ctx, b.other, validInput())
		require.NoError(t, err)

		file := "id,title,author,condition,price\n" +
			fmt.Sprintf("%d,Mine,Me,good,1\n", mine.ID) +
			fmt.Sprintf("%d,Stolen,Me,good,1\n", theirs.ID) +
			"999999,Unknown,Me,good,1\n" +
			fmt.Sprintf("%d,Deleted,Me,good,1\n", deleted.ID) +
			fmt.Sprintf("%d,Twice,Me,good,1\n", mine.ID) +
			"x1,Bad,Me,good,1\n" +
			",New,Me,good,1\n"
		_, rows, err := b.svc.StageImport(ctx, b.seller, "ids.csv", []byte(file))
		require.NoError(t, err)
		require.Equal(t, mine.ID, rows[0].Updates)
		unknown := "none of your listings has this id; leave it empty to add a listing"
		require.Equal(t, map[string]string{"id": unknown}, rows[1].Errors, "another seller's listing")
		require.Equal(t, map[string]string{"id": unknown}, rows[2].Errors, "no listing: the same words, so ids cannot be probed")
		require.Equal(t, map[string]string{"id": "this listing was deleted; leave the id empty to list the book again"}, rows[3].Errors)
		require.Equal(t, map[string]string{"id": "line 2 already names this listing; one row per listing"}, rows[4].Errors)
		require.Contains(t, rows[5].Errors, "id")
		require.True(t, rows[6].Valid())
		require.Zero(t, rows[6].Updates)

		im := importNow(ctx, t, b, b.seller, file)
		require.Equal(t, 1, im.Updated)
		require.Equal(t, 1, im.Created)
		require.Equal(t, []int{3, 4, 5, 6, 7}, refusedLines(im))
		got, err := b.svc.Listing(ctx, theirs.ID)
		require.NoError(t, err)
		require.Equal(t, []any{"Le Petit Prince", int64(1250), catalog.ConditionVeryGood}, []any{got.Title, got.PriceCents, got.Condition})
		got, err = b.svc.Listing(ctx, mine.ID)
		require.NoError(t, err)
		require.Equal(t, []any{"Mine", int64(100), catalog.ConditionGood}, []any{got.Title, got.PriceCents, got.Condition})
	})

	// A row without an id updates by ISBN and condition, as an export
	// without the column did; it may not update a listing a row names by
	// its id.
	t.Run("WithoutIDByISBNAndCondition", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		mine, err := b.svc.Create(ctx, b.seller, validInput())
		require.NoError(t, err)
		im := importNow(ctx, t, b, b.seller, csvHeader+"Old export,Me,9780141439518,very_good,3,2,,fr,\n")
		require.Equal(t, 1, im.Updated)
		require.Zero(t, im.Created)
		got, err := b.svc.Listing(ctx, mine.ID)
		require.NoError(t, err)
		require.Equal(t, "Old export", got.Title)

		_, rows, err := b.svc.StageImport(ctx, b.seller, "both.csv", []byte("id,title,author,isbn,condition,price\n"+
			fmt.Sprintf("%d,By id,Me,,good,1\n", mine.ID)+
			",By ISBN,Me,9780141439518,very_good,1\n"))
		require.NoError(t, err)
		require.Equal(t, mine.ID, rows[0].Updates)
		require.Equal(t, map[string]string{"isbn": "line 2 already updates your listing of this ISBN and condition, by its id; one row per listing"}, rows[1].Errors)
	})

	t.Run("RefusesAFileAsAWhole", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		_, _, err := b.svc.StageImport(ctx, b.seller, "x.csv", []byte("title,colour\n"))
		require.Contains(t, fieldsOf(t, err), "file")
		_, _, err = b.svc.StageImport(ctx, auth.User{}, "x.csv", []byte(csvHeader))
		require.Error(t, err)
	})

	t.Run("FilenameLosesControlAndInvisibleCharacters", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		im, _, err := b.svc.StageImport(ctx, b.seller, " st\x00ock\u202e\x1b.csv ", []byte("title,author,condition,price\nEmma,Jane Austen,good,5\n"))
		require.NoError(t, err, "a NUL in a name the browser sent is no reason for Postgres to refuse the file")
		require.Equal(t, "stock.csv", im.Filename)
	})

	t.Run("UpdateBelowHeldCopiesIsRefused", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		l, err := b.svc.Create(ctx, b.seller, validInput())
		require.NoError(t, err)
		require.NoError(t, b.svc.Reserve(ctx, catalog.Reservation{OrderID: 501, BuyerID: b.other.ID, Lines: []catalog.Line{{BookID: l.ID, Quantity: 2, PriceCents: l.PriceCents, SellerID: l.SellerID, Title: l.Title}}}))
		im, _, err := b.svc.StageImport(ctx, b.seller, "", []byte("title,author,isbn,condition,price,copies\n"+
			"Le Petit Prince,Saint-Exupéry,0-14-143951-3,very_good,9,1\n"))
		require.NoError(t, err)
		_, err = b.svc.ConfirmImport(ctx, b.seller, im.ID)
		require.NoError(t, err)
		require.NoError(t, b.svc.RunImport(ctx, im.ID))
		im, err = b.svc.Import(ctx, b.seller, im.ID)
		require.NoError(t, err)
		require.Equal(t, []service.ImportRefusal{{Line: 2, Reason: "copies: cannot be less than 2: orders in progress hold 2 copies"}}, im.Refused)
		got, err := b.svc.Listing(ctx, l.ID)
		require.NoError(t, err)
		require.Equal(t, int64(1250), got.PriceCents)
	})

	t.Run("ConfirmInsertsTheJob", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		ins, err := riverfx.NewInserter(b.pool, nil)
		require.NoError(t, err)
		svc := service.New(b.pool, &service.Options{Jobs: ins})
		im, _, err := svc.StageImport(ctx, b.seller, "", []byte("title,author,condition,price\nEmma,Jane Austen,good,5\n"))
		require.NoError(t, err)
		_, err = svc.ConfirmImport(ctx, b.seller, im.ID)
		require.NoError(t, err)
		var n int
		require.NoError(t, b.pool.QueryRow(ctx, `SELECT count(*) FROM river.river_job WHERE kind = 'catalog.import_listings' AND args->>'import_id' = $1`,
			fmt.Sprint(im.ID)).Scan(&n))
		require.Equal(t, 1, n)
	})

	t.Run("TenThousandRows", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		var csv strings.Builder
		csv.WriteString("title,author,condition,price,copies,year\n")
		for i := range service.MaxImportRows {
			fmt.Fprintf(&csv, "Book %d,Author %d,good,%d.99,%d,%d\n", i, i%97, 1+i%40, 1+i%5, 1900+i%100)
		}
		im, _, err := b.svc.StageImport(ctx, b.seller, "big.csv", []byte(csv.String()))
		require.NoError(t, err)
		_, err = b.svc.ConfirmImport(ctx, b.seller, im.ID)
		require.NoError(t, err)
		start := time.Now()
		require.NoError(t, b.svc.RunImport(ctx, im.ID))
		t.Logf("imported %d rows in %s", service.MaxImportRows, time.Since(start))
		im, err = b.svc.Import(ctx, b.seller, im.ID)
		require.NoError(t, err)
		require.Equal(t, service.MaxImportRows, im.Created)
		require.Empty(t, im.Refused)
		require.Equal(t, service.MaxImportRows, sellerBooks(ctx, t, b.pool, int(b.seller.ID)))
	})

	t.Run("FailureMidwayLeavesNothing", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		// The database refuses the 300th listing, after progress was
		// written once: the rows before it must go too.
		_, err := b.pool.Exec(ctx, `
			CREATE FUNCTION catalog.refuse_300th() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				IF NEW.title = 'Book 299' THEN RAISE EXCEPTION 'disk full'; END IF;
				RETURN NEW;
			END $$;
			CREATE TRIGGER refuse_300th BEFORE INSERT ON catalog.books FOR EACH ROW EXECUTE FUNCTION catalog.refuse_300th();`)
		require.NoError(t, err)
		var csv strings.Builder
		csv.WriteString("title,author,condition,price\n")
		for i := range 400 {
			fmt.Fprintf(&csv, "Book %d,Author,good,5\n", i)
		}
		im, _, err := b.svc.StageImport(ctx, b.seller, "", []byte(csv.String()))
		require.NoError(t, err)
		_, err = b.svc.ConfirmImport(ctx, b.seller, im.ID)
		require.NoError(t, err)

		err = b.svc.RunImport(ctx, im.ID)
		require.ErrorContains(t, err, "line 301")
		require.ErrorContains(t, err, "disk full")
		require.Zero(t, sellerBooks(ctx, t, b.pool, int(b.seller.ID)))
		im, err = b.svc.Import(ctx, b.seller, im.ID)
		require.NoError(t, err)
		require.Equal(t, service.ImportRunning, im.State, "left for the job's retry")
		require.Equal(t, 250, im.Done, "the progress written before the failure")
		require.Equal(t, "the import stopped on an unexpected error", im.Error, "the database's words stay in the log")
		require.Zero(t, im.Created)

		require.NoError(t, b.svc.FailImport(ctx, im.ID, err))
		im, err = b.svc.Import(ctx, b.seller, im.ID)
		require.NoError(t, err)
		require.Equal(t, service.ImportFailed, im.State)
		require.NotContains(t, im.Error, "disk full")
		require.True(t, im.Finished())
		require.NoError(t, b.svc.RunImport(ctx, im.ID), "a failed import is not run again")
		require.Zero(t, sellerBooks(ctx, t, b.pool, int(b.seller.ID)))
		require.Equal(t, apperr.Conflict, apperr.KindOf(func() error { _, err := b.svc.ConfirmImport(ctx, b.seller, im.ID); return err }()))
	})
}

func TestService_SellerImports(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	var ids []int64
	for range 3 {
		im, _, err := b.svc.StageImport(ctx, b.seller, "", []byte("title,author,condition,price\nEmma,Jane Austen,good,5\nEmma,,good,5\n"))
		require.NoError(t, err)
		ids = append(ids, im.ID)
	}
	_, _, err := b.svc.StageImport(ctx, b.other, "", []byte("title,author,condition,price\nEmma,Jane Austen,good,5\n"))
	require.NoError(t, err)
	_, err = b.svc.ConfirmImport(ctx, b.seller, ids[0])
	require.NoError(t, err)
	require.NoError(t, b.svc.RunImport(ctx, ids[0]))

	first, hasNext, err := b.svc.SellerImports(ctx, b.seller, 1, 2)
	require.NoError(t, err)
	require.True(t, hasNext)
	require.Equal(t, []int64{ids[2], ids[1]}, []int64{first[0].ID, first[1].ID}, "newest first")
	second, hasNext, err := b.svc.SellerImports(ctx, b.seller, 2, 2)
	require.NoError(t, err)
	require.False(t, hasNext)
	require.Len(t, second, 1)
	require.Equal(t, ids[0], second[0].ID)
	require.Equal(t, service.ImportDone, second[0].State)
	require.Equal(t, 1, second[0].Created)
	require.Equal(t, 1, second[0].RefusedCount)

	_, _, err = b.svc.SellerImports(ctx, auth.User{}, 1, 2)
	require.ErrorIs(t, err, auth.ErrUnauthenticated)
}

func refusedLines(im service.Import) []int {
	lines := make([]int, 0, len(im.Refused))
	for _, r := range im.Refused {
		lines = append(lines, r.Line)
	}
	return lines
}
