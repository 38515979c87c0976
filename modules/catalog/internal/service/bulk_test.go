package service_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/pgtest"
)

const csvHeader = "title,author,isbn,condition,price,copies,description,language,year\n"

func TestService_ParseListings(t *testing.T) {
	t.Parallel()
	b, _ := setup(t)

	t.Run("ValidRows", func(t *testing.T) {
		t.Parallel()
		rows, err := b.svc.ParseListings([]byte(csvHeader +
			"Le Petit Prince,Antoine de Saint-Exupéry,0-14-143951-3,Very Good,12.50,2,A classic.,French,1943\n" +
			"\"Dune, Messiah\",Frank Herbert,,as_new,8,,\"Says \"\"spice\"\"\",en,\n"))
		require.NoError(t, err)
		require.Len(t, rows, 2)
		require.Empty(t, rows[0].Errors)
		require.Equal(t, 2, rows[0].Line)
		require.Equal(t, service.Input{
			Title: "Le Petit Prince", Author: "Antoine de Saint-Exupéry", ISBN: "0-14-143951-3",
			Condition: catalog.ConditionVeryGood, PriceCents: 1250, Copies: 2, Description: "A classic.",
			Language: "fr", Year: 1943,
		}, rows[0].Input)
		require.Empty(t, rows[1].Errors)
		require.Equal(t, 3, rows[1].Line)
		require.Equal(t, "Dune, Messiah", rows[1].Input.Title)
		require.Equal(t, catalog.ConditionAsNew, rows[1].Input.Condition)
		require.Equal(t, 1, rows[1].Input.Copies, "copies default to one")
		require.Equal(t, `Says "spice"`, rows[1].Input.Description)
		require.Equal(t, "en", rows[1].Input.Language)
		require.Zero(t, rows[1].Input.Year)
	})

	t.Run("ColumnsInAnyOrderAndOptional", func(t *testing.T) {
		t.Parallel()
		rows, err := b.svc.ParseListings([]byte("Price, CONDITION ,author,title\n9.99,good,Jane Austen,Emma\n"))
		require.NoError(t, err)
		require.Len(t, rows, 1)
		require.Empty(t, rows[0].Errors)
		require.Equal(t, int64(999), rows[0].Input.PriceCents)
		require.Equal(t, "Emma", rows[0].Input.Title)
		require.Equal(t, catalog.ConditionGood, rows[0].Input.Condition)
	})

	t.Run("BOMAndCRLFAndSemicolons", func(t *testing.T) {
		t.Parallel()
		rows, err := b.svc.ParseListings([]byte("\xEF\xBB\xBFtitle;author;condition;price\r\nEmma;Jane Austen;fine;4,50\r\n"))
		require.NoError(t, err)
		require.Len(t, rows, 1)
		require.Empty(t, rows[0].Errors)
		require.Equal(t, "Emma", rows[0].Input.Title)
		require.Equal(t, "Jane Austen", rows[0].Input.Author)
		require.Equal(t, int64(450), rows[0].Input.PriceCents)
	})

	t.Run("RowErrors", func(t *testing.T) {
		t.Parallel()
		year := 2027 // the test clock stands in 2026
		rows, err := b.svc.ParseListings([]byte(csvHeader +
			",Frank Herbert,978-0-14-143951-9,mint,-3,1000,,klingon," + fmt.Sprint(year) + "\n" +
			"Emma,Jane Austen,,good,abc,two,,,nineteen\n" +
			"Emma,Jane Austen,,good,5,1,,en\n" +
			"Bad\x01Title,Jane Austen,,good,5,1,,en,\n"))
		require.NoError(t, err)
		require.Len(t, rows, 4)
		require.Equal(t, map[string]string{
			"title":     "enter the title as printed on the cover",
			"isbn":      "the check digit does not match; please check the number",
			"condition": "choose one of New, As New, Fine, Very Good, Good, Fair or Poor",
			"price":     "must be more than zero",
			"copies":    "must be between 1 and 999",
			"language":  "choose a language from the list",
			"year":      "must be between 1450 and 2026",
		}, rows[0].Errors)
		require.Contains(t, rows[1].Errors, "price")
		require.Equal(t, "must be a whole number from 1 to 999", rows[1].Errors["copies"])
		require.Equal(t, "must be a year, like 1987", rows[1].Errors["year"])
		require.Equal(t, map[string]string{"row": "has 8 cells where the first line names 9"}, rows[2].Errors)
		require.Contains(t, rows[3].Errors, "title")
		require.False(t, rows[3].Valid())
	})

	t.Run("NegativeCopies", func(t *testing.T) {
		t.Parallel()
		rows, err := b.svc.ParseListings([]byte("title,author,condition,price,copies\nEmma,Jane Austen,good,5,-3\n"))
		require.NoError(t, err)
		require.Equal(t, map[string]string{"copies": "must be between 1 and 999"}, rows[0].Errors)
	})

	t.Run("PriceAboveTheCeiling", func(t *testing.T) {
		t.Parallel()
		rows, err := b.svc.ParseListings([]byte("title,author,condition,price\nEmma,Jane Austen,good,5000.01\nEmma,Jane Austen,good,999999999999.99\n"))
		require.NoError(t, err)
		for _, r := range rows {
			require.Equal(t, map[string]string{"price": "must be at most 5000.00"}, r.Errors)
		}
	})

	t.Run("DuplicateISBNAndCondition", func(t *testing.T) {
		t.Parallel()
		rows, err := b.svc.ParseListings([]byte("title,author,isbn,condition,price\n" +
			"Emma,Jane Austen,0141439513,good,5\n" +
			"Emma,Jane Austen,978-0141439518,good,6\n" +
			"Emma,Jane Austen,978-0141439518,fine,7\n"))
		require.NoError(t, err)
		require.Empty(t, rows[0].Errors)
		require.Equal(t, map[string]string{"isbn": "line 2 already lists this ISBN in this condition; one row per listing"}, rows[1].Errors)
		require.Empty(t, rows[2].Errors, "another condition is another listing")
	})

	t.Run("MaxRows", func(t *testing.T) {
		t.Parallel()
		body := "title,author,condition,price\n" + strings.Repeat("Emma,Jane Austen,good,5\n", service.MaxImportRows)
		rows, err := b.svc.ParseListings([]byte(body))
		require.NoError(t, err)
		require.Len(t, rows, service.MaxImportRows)
	})

	for _, tc := range []struct {
		name, body, msg string
	}{
		{"Empty", " \n", "the file is empty; its first line must name the columns: id, title, author, isbn, condition, price, copies, copies_base, description, language, year"},
		{"HeaderOnly", csvHeader, "the file has a header but no rows"},
		{"UnknownColumn", "title,author,condition,price,colour\n", "unknown column “\u2068colour\u2069”; the columns are id, title, author, isbn, condition, price, copies, copies_base, description, language, year"},
		{"NoHeader", "Emma,Jane Austen,good,5\n", "unknown column “\u2068Emma\u2069”; the columns are id, title, author, isbn, condition, price, copies, copies_base, description, language, year"},
		{"DuplicateColumn", "title,author,condition,price,Title\n", "the column “\u2068title\u2069” appears twice"},
		{"UnnamedColumn", "title,,condition,price\n", "column 2 of the first line has no name; the first line must name the columns: id, title, author, isbn, condition, price, copies, copies_base, description, language, year"},
		{"MissingColumns", "title,author,isbn\n", "the first line lacks the columns condition, price; it must name at least title, author, condition, price"},
		{"Latin1", "title,author,condition,price\nEmma,Jane Austen,good,5\nL'\xe9tranger,Camus,good,5\n", "line 3 is not UTF-8 text (perhaps Latin-1 or Windows-1252); save the file as “CSV UTF-8” and upload it again"},
		{"UTF16", "\xFF\xFEt\x00i\x00", "the file is UTF-16 text; save it as “CSV UTF-8” and upload it again"},
		{"BrokenQuotes", "title,author,condition,price\nEmma,Jane \"Austen\" x,good,5\n", `line 2 is not valid CSV: bare " in non-quoted-field; a cell holding a quote mark must be quoted, with the mark doubled`},
		{"TooManyRows", "title,author,condition,price\n" + strings.Repeat("Emma,Jane Austen,good,5\n", service.MaxImportRows+1), "the file has more than 10000 rows; split it into smaller files"},
	} {
		t.Run("File"+tc.name, func(t *testing.T) {
			t.Parallel()
			rows, err := b.svc.ParseListings([]byte(tc.body))
			require.Nil(t, rows)
			require.Equal(t, map[string]string{"file": tc.msg}, fieldsOf(t, err))
			require.EqualError(t, err, tc.msg)
		})
	}
	t.Run("FileTooLarge", func(t *testing.T) {
		t.Parallel()
		_, err := b.svc.ParseListings([]byte("title,author,condition,price\n" + strings.Repeat("x", service.MaxImportBytes)))
		require.Equal(t, apperr.TooLarge, apperr.KindOf(err))
		require.Equal(t, map[string]string{"file": "the file is larger than 2 MB; split it into smaller files"}, apperr.As(err).Fields)
	})
}

func TestService_ExportListings(t *testing.T) {
	t.Parallel()

	t.Run("QuotesEveryCellAndLeavesOutOthersAndArchived", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		first, err := b.svc.Create(ctx, b.seller, validInput())
		require.NoError(t, err)
		in := validInput()
		in.ISBN, in.Year, in.Title, in.Description = "", 0, `Say "hi"; world`, "line one\nline two"
		gone, err := b.svc.Create(ctx, b.seller, in)
		require.NoError(t, err)
		_, err = b.svc.Create(ctx, b.other, validInput())
		require.NoError(t, err)

		var out strings.Builder
		require.NoError(t, b.svc.ExportListings(ctx, b.seller, &out))
		require.Equal(t, "\xEF\xBB\xBF"+`"id","title","author","isbn","condition","price","copies","copies_base","description","language","year"`+"\r\n"+
			fmt.Sprintf(`"%d","Say ""hi""; world","Antoine de Saint-Exupéry","","very_good","12.50","2","2","line one`, gone.ID)+"\n"+`line two","fr",""`+"\r\n"+
			fmt.Sprintf(`"%d","Le Petit Prince","Antoine de Saint-Exupéry","9780141439518","very_good","12.50","2","2","A classic.","fr","1943"`, first.ID)+"\r\n", out.String())

		_, err = b.svc.Delete(ctx, b.seller, gone.ID)
		require.NoError(t, err)
		out.Reset()
		require.NoError(t, b.svc.ExportListings(ctx, b.seller, &out))
		require.NotContains(t, out.String(), "Say")
	})

	// An export of more listings than a page reads each listing once, each
	// page after the last, and writes each listing once, though one is
	// added and another deleted while it is written: the one added is not
	// written (it is newer than the first page), nor the one deleted
	// before its page was read.
	t.Run("EachPageAfterTheLast", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		const n = 1500
		_, err := b.pool.Exec(ctx, `INSERT INTO catalog.books (seller_id, title, author, condition, price_cents, listed, available)
			SELECT $1, 'Book ' || g, 'Author', 'good', 1000, 1, 1 FROM generate_series(1, $2::int) g`, int64(b.seller.ID), n)
		require.NoError(t, err)
		_, err = b.pool.Exec(ctx, "ANALYZE catalog.books")
		require.NoError(t, err)
		var oldest int64
		require.NoError(t, b.pool.QueryRow(ctx, "SELECT min(id) FROM catalog.books").Scan(&oldest))

		var out strings.Builder
		changed := false
		w := writerFunc(func(p []byte) (int, error) {
			if !changed {
				changed = true
				catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Title: "Listed meanwhile"})
				_, err := b.pool.Exec(ctx, "DELETE FROM catalog.books WHERE id = $1", oldest)
				require.NoError(t, err)
			}
			return out.Write(p)
		})
		before := pgtest.Stats(t, b.pool, "catalog.books").Read
		require.NoError(t, b.svc.ExportListings(ctx, b.seller, w))
		require.True(t, changed, "changed while written")
		require.LessOrEqual(t, pgtest.Stats(t, b.pool, "catalog.books").Read-before, int64(n+50), "each listing read once")

		rows, err := b.svc.ParseListings([]byte(out.String()))
		require.NoError(t, err)
		ids := map[catalog.BookID]int{}
		for _, r := range rows {
			ids[r.ID]++
		}
		require.Equal(t, []int{n - 1, n - 1}, []int{len(rows), len(ids)}, "the listings there were throughout, each once")
		require.Zero(t, ids[catalog.BookID(oldest)], "deleted before its page was read")
		require.NotContains(t, out.String(), "Listed meanwhile")
	})

	t.Run("FormulasOpenAsText", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		for _, title := range []string{`=HYPERLINK("http://evil.example","Click")`, "+44 Poems", "-ism", "@home", "'Tis Pity", "''quoted"} {
			in := validInput()
			in.ISBN, in.Title = "", title
			_, err := b.svc.Create(ctx, b.seller, in)
			require.NoError(t, err)
		}
		var out strings.Builder
		require.NoError(t, b.svc.ExportListings(ctx, b.seller, &out))
		for _, cell := range []string{`"'=HYPERLINK(""http://evil.example"",""Click"")"`, `"'+44 Poems"`, `"'-ism"`, `"'@home"`, `"''Tis Pity"`, `"'''quoted"`} {
			require.Contains(t, out.String(), cell)
		}
	})

	// Whatever a listing holds, its export reads back as it is, and
	// importing the export unchanged changes no listing and creates none:
	// not one without an ISBN, nor two of one ISBN and condition.
	t.Run("ImportsBackUnchanged", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		tricky := []service.Input{validInput(), validInput(), validInput(), validInput(), validInput(), validInput()}
		tricky[0].Title, tricky[0].Author, tricky[0].Description = `=1+2 "Sums", vol. 1; 2`, "@author", "-- signed\r\n\t+ dust jacket\n'a quote'"
		tricky[1].ISBN, tricky[1].Condition, tricky[1].Title, tricky[1].Author = "9780451524935", catalog.ConditionFine, "'Tis Pity", "''Ford"
		tricky[1].Description, tricky[1].Year = "", 0
		tricky[2].ISBN, tricky[2].Condition, tricky[2].Title, tricky[2].Language = "9780140449136", catalog.ConditionPoor, "Преступление и наказание", "ru"
		tricky[3].ISBN, tricky[3].Condition, tricky[3].Title, tricky[3].Description = "9780679783268", catalog.ConditionNew, "+", "\u202bمرحبا\u202c שלום 😀"
		tricky[4].ISBN, tricky[4].Title = "", "No ISBN"
		tricky[5].Title, tricky[5].PriceCents = "Second copy, same ISBN and condition as the first", 900
		before := map[catalog.BookID]service.Listing{}
		for _, in := range tricky {
			l, err := b.svc.Create(ctx, b.seller, in)
			require.NoError(t, err)
			before[l.ID] = l
		}
		var out strings.Builder
		require.NoError(t, b.svc.ExportListings(ctx, b.seller, &out))
		require.True(t, strings.HasPrefix(out.String(), "\xEF\xBB\xBF\"id\","), "a BOM, so that Excel opens accented titles as UTF-8")

		rows, err := b.svc.ParseListings([]byte(out.String()))
		require.NoError(t, err)
		require.Len(t, rows, len(tricky))
		im, staged, err := b.svc.StageImport(ctx, b.seller, "export.csv", []byte(out.String()))
		require.NoError(t, err)
		for i, r := range staged {
			require.Empty(t, r.Errors, "line %d", r.Line)
			require.NotZero(t, r.ID, "line %d names its listing", r.Line)
			require.Equal(t, r.ID, r.Updates, "line %d updates the listing it names", r.Line)
			l := before[r.Updates]
			require.Equal(t, []string{l.Title, l.Author, l.Description, l.Language}, []string{rows[i].Input.Title, rows[i].Input.Author, rows[i].Input.Description, rows[i].Input.Language})
		}
		_, err = b.svc.ConfirmImport(ctx, b.seller, im.ID)
		require.NoError(t, err)
		require.NoError(t, b.svc.RunImport(ctx, im.ID))
		im, err = b.svc.Import(ctx, b.seller, im.ID)
		require.NoError(t, err)
		require.Equal(t, len(tricky), im.Updated)
		require.Zero(t, im.Created)
		require.Empty(t, im.Refused)
		require.Equal(t, len(tricky), sellerBooks(ctx, t, b.pool, int(b.seller.ID)))
		for id, was := range before {
			now, err := b.svc.Listing(ctx, id)
			require.NoError(t, err)
			require.Equal(t, []any{was.Title, was.Author, was.ISBN, was.Condition, was.PriceCents, was.Copies(), was.Description, was.Language, was.Year},
				[]any{now.Title, now.Author, now.ISBN, now.Condition, now.PriceCents, now.Copies(), now.Description, now.Language, now.Year})
		}
	})

	// A price edited in the export changes that listing, and only it,
	// though its twin has the same ISBN and condition; the row's condition
	// changes too, which a match by ISBN and condition could not do.
	t.Run("AnEditedExportChangesItsListing", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		older, err := b.svc.Create(ctx, b.seller, validInput())
		require.NoError(t, err)
		twin, err := b.svc.Create(ctx, b.seller, validInput())
		require.NoError(t, err)
		var out strings.Builder
		require.NoError(t, b.svc.ExportListings(ctx, b.seller, &out))
		row := fmt.Sprintf(`"%d","Le Petit Prince","Antoine de Saint-Exupéry","9780141439518","very_good","12.50"`, twin.ID)
		require.Contains(t, out.String(), row)
		edited := strings.Replace(out.String(), row, fmt.Sprintf(`"%d","Le Petit Prince","Antoine de Saint-Exupéry","9780141439518","fine","8.00"`, twin.ID), 1)

		im := importNow(ctx, t, b, b.seller, edited)
		require.Equal(t, 2, im.Updated)
		require.Zero(t, im.Created)
		require.Empty(t, im.Refused)
		got, err := b.svc.Listing(ctx, twin.ID)
		require.NoError(t, err)
		require.Equal(t, int64(800), got.PriceCents)
		require.Equal(t, catalog.ConditionFine, got.Condition)
		require.Equal(t, "Name on flyleaf", got.ConditionNote, "a field the file lacks keeps its value")
		got, err = b.svc.Listing(ctx, older.ID)
		require.NoError(t, err)
		require.Equal(t, int64(1250), got.PriceCents)
		require.Equal(t, catalog.ConditionVeryGood, got.Condition)
		require.Equal(t, 2, sellerBooks(ctx, t, b.pool, int(b.seller.ID)))
	})
}

// TestService_ImportPricesByConvention reproduces the audit: a file whose
// cells are separated by semicolons, as European spreadsheets save one,
// writes amounts their way, the comma marking the cents, and was read as
// the shop writes them, so "1,500" (1.50) became 1,500.00 and "12,50" was
// refused. Each file is read in its own convention, an amount written in
// the other is refused with a message naming it, and the preview gives
// every price as read.
func TestService_ImportPricesByConvention(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, file string
		prices     map[string]int64
		refused    []service.ImportRefusal
	}{
		{
			name: "Semicolons",
			file: "title;author;isbn;condition;price;copies\n" +
				`"Der Prozess";"Kafka";"";"good";"1,500";"1"` + "\n" +
				`"Faust";"Goethe";"";"good";"12,50";"1"` + "\n" +
				`"Ulysses";"Joyce";"";"good";"1.500,00";"1"` + "\n" +
				`"Emma";"Austen";"";"good";"1500";"1"` + "\n" +
				"\"Dune\";\"Herbert\";\"\";\"good\";\"1\u00a0250\";\"1\"\n" +
				`"Odyssey";"Homer";"";"good";"12.50";"1"` + "\n",
			prices:  map[string]int64{"Der Prozess": 150, "Faust": 1250, "Ulysses": 150000, "Emma": 150000, "Dune": 125000},
			refused: []service.ImportRefusal{{Line: 7, Reason: "price: in a file separated by semicolons, write amounts like 12,50"}},
		},
		{
			name: "Commas",
			file: "title,author,isbn,condition,price,copies\n" +
				`Der Prozess,Kafka,,good,"1,500",1` + "\n" +
				"Faust,Goethe,,good,12.50,1\n" +
				`Odyssey,Homer,,good,"12,50",1` + "\n",
			prices:  map[string]int64{"Der Prozess": 150000, "Faust": 1250},
			refused: []service.ImportRefusal{{Line: 4, Reason: "price: in a file separated by commas, write amounts like 12.50"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, ctx := setup(t)
			_, rows, err := b.svc.StageImport(ctx, b.seller, "prices.csv", []byte(tc.file))
			require.NoError(t, err)
			shown := map[string]int64{}
			for _, r := range rows {
				if cents, ok := r.Price(); ok {
					shown[r.Input.Title] = cents
				}
			}
			require.Equal(t, tc.prices, shown, "the preview's prices, as read")

			im := importNow(ctx, t, b, b.seller, tc.file)
			require.Equal(t, len(tc.prices), im.Created)
			require.Equal(t, tc.refused, im.Refused)
			ls, _, err := b.svc.SellerListings(ctx, b.seller, 1, 100)
			require.NoError(t, err)
			got := map[string]int64{}
			for _, l := range ls {
				got[l.Title] = l.PriceCents
			}
			require.Equal(t, tc.prices, got)
		})
	}

	t.Run("NoPriceNamesTheConvention", func(t *testing.T) {
		t.Parallel()
		b, _ := setup(t)
		rows, err := b.svc.ParseListings([]byte("title;author;condition;price\nEmma;Jane Austen;good;\n"))
		require.NoError(t, err)
		require.Equal(t, map[string]string{"price": "enter the price; in a file separated by semicolons, write amounts like 12,50"}, rows[0].Errors)
		_, ok := rows[0].Price()
		require.False(t, ok)
	})
}

// TestService_ImportAfterSales checks invariant 7 for the CSV import: a
// copy sold between the export and the import stays sold.
func TestService_ImportAfterSales(t *testing.T) {
	t.Parallel()

	exported := func(ctx context.Context, t *testing.T, b *bundle, copies int) (service.Listing, string) {
		t.Helper()
		in := validInput()
		in.Copies = copies
		l, err := b.svc.Create(ctx, b.seller, in)
		require.NoError(t, err)
		var out strings.Builder
		require.NoError(t, b.svc.ExportListings(ctx, b.seller, &out))
		return l, out.String()
	}
	fields := func(l service.Listing) []any {
		return []any{l.Title, l.Author, l.ISBN, l.Condition, l.ConditionNote, l.PriceCents, l.Description, l.Language, l.Year, l.Status}
	}

	// Reproduces the report: 3 copies, export, 1 sold, the unchanged
	// export imported; 2 copies stay on sale, not 3.
	t.Run("UnchangedExportKeepsTheSale", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		l, file := exported(ctx, t, b, 3)
		sell(t, b, l.ID, 1)
		before, err := b.svc.Listing(ctx, l.ID)
		require.NoError(t, err)

		_, rows, err := b.svc.StageImport(ctx, b.seller, "export.csv", []byte(file))
		require.NoError(t, err)
		require.Empty(t, rows[0].Errors, "an unchanged row is valid in the preview")
		require.Equal(t, l.ID, rows[0].Updates)

		im := importNow(ctx, t, b, b.seller, file)
		require.Equal(t, 1, im.Updated)
		require.Empty(t, im.Refused)
		after, err := b.svc.Listing(ctx, l.ID)
		require.NoError(t, err)
		require.Equal(t, 2, after.Available, "the sold copy is not put back on sale")
		require.Equal(t, []int{2, 0}, []int{after.Copies(), after.Held})
		require.Equal(t, fields(before), fields(after), "nothing else changes")
		var listed, sold int
		require.NoError(t, b.pool.QueryRow(ctx, `SELECT listed, sold FROM catalog.books WHERE id = $1`, int64(l.ID)).Scan(&listed, &sold))
		require.Equal(t, []int{3, 1}, []int{listed, sold})
	})

	// Copies edited in a file exported before a sale are refused in the
	// preview, and by the job, with the message the edit form gives.
	t.Run("EditedCopiesAfterASaleAreRefused", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		l, file := exported(ctx, t, b, 3)
		edited := strings.Replace(file, `"12.50","3","3"`, `"12.50","5","3"`, 1)
		require.NotEqual(t, file, edited)
		sell(t, b, l.ID, 1)
		stale := "you have 2 copies now, not 3: a sale or another edit changed them since you last saw them; enter the copies you have now"

		im, rows, err := b.svc.StageImport(ctx, b.seller, "edited.csv", []byte(edited))
		require.NoError(t, err)
		require.Equal(t, map[string]string{"copies": stale}, rows[0].Errors)
		_, err = b.svc.ConfirmImport(ctx, b.seller, im.ID)
		require.NoError(t, err)
		require.NoError(t, b.svc.RunImport(ctx, im.ID))
		im, err = b.svc.Import(ctx, b.seller, im.ID)
		require.NoError(t, err)
		require.Equal(t, service.ImportDone, im.State)
		require.Equal(t, []service.ImportRefusal{{Line: 2, Reason: "copies: " + stale}}, im.Refused)
		require.Zero(t, im.Updated+im.Created, "nothing imported")
		got, err := b.svc.Listing(ctx, l.ID)
		require.NoError(t, err)
		require.Equal(t, 2, got.Available)
	})

	// A sale between the confirmation and the job: the preview passed the
	// row, the job refuses it under the listing's lock.
	t.Run("SaleAfterConfirmingIsRefusedByTheJob", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		l, file := exported(ctx, t, b, 3)
		edited := strings.Replace(file, `"12.50","3","3"`, `"9.00","5","3"`, 1)
		im, rows, err := b.svc.StageImport(ctx, b.seller, "edited.csv", []byte(edited))
		require.NoError(t, err)
		require.Empty(t, rows[0].Errors)
		_, err = b.svc.ConfirmImport(ctx, b.seller, im.ID)
		require.NoError(t, err)
		sell(t, b, l.ID, 1)
		require.NoError(t, b.svc.RunImport(ctx, im.ID))
		im, err = b.svc.Import(ctx, b.seller, im.ID)
		require.NoError(t, err)
		require.Equal(t, []int{2}, refusedLines(im))
		require.Contains(t, im.Refused[0].Reason, "you have 2 copies now, not 3: a sale or another edit changed them")
		require.Zero(t, im.Updated+im.Created)
		got, err := b.svc.Listing(ctx, l.ID)
		require.NoError(t, err)
		require.Equal(t, []any{2, int64(1250)}, []any{got.Available, got.PriceCents}, "the row's price is refused with its copies")
	})

	// Without the column, copies are taken as given, as before it existed;
	// a row creating a listing ignores the column.
	t.Run("WithoutCopiesBaseCopiesAreTakenAsGiven", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		l, _ := exported(ctx, t, b, 3)
		sell(t, b, l.ID, 1)
		im := importNow(ctx, t, b, b.seller, "id,title,author,condition,price,copies\n"+
			fmt.Sprintf("%d,Le Petit Prince,Saint-Exupéry,very_good,12.50,3\n", l.ID)+
			",Emma,Jane Austen,good,5,1\n")
		require.Equal(t, []int{1, 1}, []int{im.Updated, im.Created})
		got, err := b.svc.Listing(ctx, l.ID)
		require.NoError(t, err)
		require.Equal(t, 3, got.Available)

		im = importNow(ctx, t, b, b.seller, "title,author,condition,price,copies,copies_base\nDune,Frank Herbert,good,5,4,9\n")
		require.Equal(t, 1, im.Created)
		require.Empty(t, im.Refused)
	})

	// A sold-out listing exports 0 copies; its row imports back, changing
	// its price, as its edit form would. 0 copies cannot create a listing
	// or empty one on sale.
	t.Run("SoldOutListingImportsBack", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		onSale, _ := exported(ctx, t, b, 3)
		l, file := exported(ctx, t, b, 1)
		sell(t, b, l.ID, 1)
		var out strings.Builder
		require.NoError(t, b.svc.ExportListings(ctx, b.seller, &out))
		// encoding/csv, unlike a spreadsheet, keeps the BOM in the first cell.
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out.String(), "\uFEFF"))).ReadAll()
		require.NoError(t, err)
		col := map[string]int{}
		for i, name := range recs[0] {
			col[name] = i
		}
		for _, r := range recs[1:] {
			switch r[col["id"]] {
			case fmt.Sprint(l.ID):
				require.Equal(t, []string{"0", "0"}, []string{r[col["copies"]], r[col["copies_base"]]}, "sold out")
				r[col["price"]] = "9.00"
			case fmt.Sprint(onSale.ID):
				r[col["copies"]] = "0"
			}
		}
		created := slices.Clone(recs[1])
		created[col["id"]], created[col["isbn"]], created[col["copies"]], created[col["title"]] = "", "", "0", "Emma"
		recs = append(recs, created)
		var edited strings.Builder
		require.NoError(t, csv.NewWriter(&edited).WriteAll(recs))
		require.NotEqual(t, file, edited.String())

		_, rows, err := b.svc.StageImport(ctx, b.seller, "export.csv", []byte(edited.String()))
		require.NoError(t, err)
		require.Len(t, rows, 3)
		errs := map[catalog.BookID]map[string]string{}
		for _, r := range rows {
			errs[r.Updates] = r.Errors
		}
		require.Contains(t, errs, l.ID, "the sold-out listing's row updates it")
		require.Empty(t, errs[l.ID], "the sold-out listing's row is valid")
		require.Equal(t, map[string]string{"copies": "must be between 1 and 999"}, errs[onSale.ID], "a listing on sale is not emptied")
		require.Equal(t, map[string]string{"copies": "must be between 1 and 999"}, errs[0], "a new listing has a copy")

		im := importNow(ctx, t, b, b.seller, edited.String())
		require.Equal(t, []int{1, 0}, []int{im.Updated, im.Created})
		require.Len(t, im.Refused, 2)
		got, err := b.svc.Listing(ctx, l.ID)
		require.NoError(t, err)
		require.Equal(t, []any{int64(900), 0}, []any{got.PriceCents, got.Copies()})
		got, err = b.svc.Listing(ctx, onSale.ID)
		require.NoError(t, err)
		require.Equal(t, 3, got.Copies())
	})

	t.Run("BadCopiesBase", func(t *testing.T) {
		t.Parallel()
		b, _ := setup(t)
		rows, err := b.svc.ParseListings([]byte("title,author,condition,price,copies,copies_base\n" +
			"Emma,Jane Austen,good,5,1,x\nEmma,Jane Austen,good,5,1,-1\nEmma,Jane Austen,good,5,1,1000\nEmma,Jane Austen,good,5,1,0\n"))
		require.NoError(t, err)
		msg := "must be the copies your export wrote, a whole number from 0 to 999; leave it as exported"
		for _, r := range rows[:3] {
			require.Equal(t, map[string]string{"copies_base": msg}, r.Errors, "line %d", r.Line)
		}
		require.Empty(t, rows[3].Errors, "a sold-out listing exports 0 copies")
	})
}

// importNow stages, confirms and runs an import of file by seller, and
// returns it done.
func importNow(ctx context.Context, t *testing.T, b *bundle, seller auth.User, file string) service.Import {
	t.Helper()
	im, _, err := b.svc.StageImport(ctx, seller, "listings.csv", []byte(file))
	require.NoError(t, err)
	_, err = b.svc.ConfirmImport(ctx, seller, im.ID)
	require.NoError(t, err)
	require.NoError(t, b.svc.RunImport(ctx, im.ID))
	im, err = b.svc.Import(ctx, seller, im.ID)
	require.NoError(t, err)
	require.Equal(t, service.ImportDone, im.State)
	return im
}

// writerFunc is an io.Writer that calls itself.
type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
