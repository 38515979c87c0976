package pages_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
)

// csvUpload is the import form as the browser sends it.
func csvUpload(t *testing.T, name string, data []byte) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", name)
	require.NoError(t, err)
	_, err = fw.Write(data)
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	return mw.FormDataContentType(), &buf
}

func TestPages_ImportListings(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := context.Background()
	existing := create(t, env, validForm()) // 9780141439518, very_good

	t.Run("PreviewConfirmProgressSummary", func(t *testing.T) {
		res := env.Get(t, "/my/listings/import", authtest.As(seller)...)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, `enctype="multipart/form-data"`)

		ct, body := csvUpload(t, "stock.csv", []byte("title,author,isbn,condition,price,copies\n"+
			"Der Zauberberg,Thomas Mann,9780141439518,very_good,10,4\n"+
			"Buddenbrooks,Thomas Mann,,good,8,1\n"+
			"<b>Bad</b>,,,good,8,1\n"))
		res = env.Send(t, http.MethodPost, "/my/listings/import", ct, body, authtest.As(seller)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		at := res.Header.Get("Location")
		require.Regexp(t, regexp.MustCompile(`^/my/listings/import/\d+$`), at)

		res = env.Get(t, at, authtest.As(seller)...)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, "Check the rows below, then confirm the import.")
		require.Contains(t, res.Body, "2 of 3 rows will be imported")
		require.Contains(t, res.Body, fmt.Sprintf(`href="/books/%d"`, existing))
		require.Contains(t, res.Body, "author: enter the author")
		require.Contains(t, res.Body, "&lt;b&gt;Bad&lt;/b&gt;")
		require.Equal(t, http.StatusNotFound, env.Get(t, at, authtest.As(other)...).StatusCode)

		res = env.Post(t, at+"/confirm", nil, authtest.As(seller)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		res = env.Get(t, at, authtest.As(seller)...)
		require.Equal(t, "2", res.Header.Get("Refresh"), "the progress page follows the job")
		require.Contains(t, res.Body, `<progress id="import-progress" max="100" value="0">`)

		var id int64
		_, err := fmt.Sscanf(at, "/my/listings/import/%d", &id)
		require.NoError(t, err)
		require.NoError(t, env.Svc.RunImport(ctx, id))
		res = env.Get(t, at, authtest.As(seller)...)
		require.Empty(t, res.Header.Get("Refresh"))
		require.Contains(t, res.Body, "Done: 1 created, 1 updated, 1 refused.")
		require.Contains(t, res.Body, "author: enter the author")
		l, err := env.Svc.Listing(ctx, existing)
		require.NoError(t, err)
		require.Equal(t, int64(1000), l.PriceCents)

		res = env.Post(t, at+"/confirm", nil, authtest.As(seller)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, "a second confirmation is answered, not an error")
	})

	t.Run("LongFileNameIsCut", func(t *testing.T) {
		// The browser sends the file's own name, which the seller did not
		// type: the import keeps its first MaxImportFilename characters.
		ct, body := csvUpload(t, strings.Repeat("n", 2*service.MaxImportFilename)+".csv", []byte("title,author,condition,price\nEmma,Jane Austen,good,5\n"))
		res := env.Send(t, http.MethodPost, "/my/listings/import", ct, body, authtest.As(seller)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		var id int64
		_, err := fmt.Sscanf(res.Header.Get("Location"), "/my/listings/import/%d", &id)
		require.NoError(t, err)
		im, err := env.Svc.Import(ctx, catalogtest.Seller, id)
		require.NoError(t, err)
		require.Equal(t, strings.Repeat("n", service.MaxImportFilename), im.Filename)
	})

	t.Run("UnverifiedSellerKeepsThePreview", func(t *testing.T) {
		newcomer := authtest.As(&catalogtest.Newcomer)
		ct, body := csvUpload(t, "stock.csv", []byte("title,author,condition,price\nBuddenbrooks,Thomas Mann,good,8\n"))
		res := env.Send(t, http.MethodPost, "/my/listings/import", ct, body, newcomer...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		at := res.Header.Get("Location")
		res = env.Get(t, at, newcomer...)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, "Confirm your email address to import", "told before confirming")

		res = env.Post(t, at+"/confirm", nil, newcomer...)
		require.Equal(t, http.StatusForbidden, res.StatusCode)
		require.Contains(t, res.Body, "Preview of “\u2068stock.csv\u2069” · BookStore</title>", "the preview again, not an error page")
		require.Contains(t, res.Body, "Buddenbrooks")
		require.Contains(t, res.Body, "Confirm your email address to import")
		require.Contains(t, res.Body, `action="/account/verify/resend"`)
		var id int64
		_, err := fmt.Sscanf(at, "/my/listings/import/%d", &id)
		require.NoError(t, err)
		im, err := env.Svc.Import(ctx, catalogtest.Newcomer, id)
		require.NoError(t, err)
		require.Equal(t, "staged", im.State, "the import waits for the address")
	})

	// A semicolon file's "1,500" is 1.50, as European spreadsheets write
	// it: the preview shows the price as read beside the cell, so a seller
	// who meant 1,500.00 sees it before confirming.
	t.Run("PreviewShowsPricesAsRead", func(t *testing.T) {
		ct, body := csvUpload(t, "europe.csv", []byte("title;author;condition;price\nDer Prozess;Kafka;good;1,500\nFaust;Goethe;good;12.50\n"))
		res := env.Send(t, http.MethodPost, "/my/listings/import", ct, body, authtest.As(seller)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		res = env.Get(t, res.Header.Get("Location"), authtest.As(seller)...)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, "1 of 2 rows will be imported")
		require.Contains(t, res.Body, `$1.50 <span class="muted">(1,500)</span>`)
		require.Contains(t, res.Body, "price: in a file separated by semicolons, write amounts like 12,50")
	})

	// A large file's preview is paged, so its page stays small: the
	// refused rows first, wherever they are in the file, then the others.
	t.Run("PreviewIsPagedRefusedFirst", func(t *testing.T) {
		var file strings.Builder
		file.WriteString("title,author,condition,price\n")
		for i := range 250 {
			author := "Jane Austen"
			if i == 150 || i == 240 {
				author = ""
			}
			fmt.Fprintf(&file, "Volume %d,%s,good,5\n", i, author)
		}
		im, _, err := env.Svc.StageImport(ctx, catalogtest.Seller, "many.csv", []byte(file.String()))
		require.NoError(t, err)
		at := fmt.Sprintf("/my/listings/import/%d", im.ID)

		res := env.Get(t, at, authtest.As(seller)...)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, "248 of 250 rows will be imported; 2 refused rows are listed first")
		require.Contains(t, res.Body, `<button type="submit">Import 248 rows</button>`)
		require.Equal(t, service.ImportRowsPerPage, strings.Count(res.Body, "data-import-row"))
		require.Contains(t, res.Body, "Rows 1 to 100 of 250, refused rows first")
		first := strings.Index(res.Body, "data-import-row")
		require.Less(t, strings.Index(res.Body, "Volume 150"), strings.Index(res.Body[first:], "Volume 0<")+first, "refused rows come first")
		require.Contains(t, res.Body, "Volume 240")
		require.Contains(t, res.Body, `href="`+at+`?page=2"`)

		res = env.Get(t, at+"?page=3", authtest.As(seller)...)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, 50, strings.Count(res.Body, "data-import-row"))
		require.Contains(t, res.Body, "Rows 201 to 250 of 250, refused rows first")
		require.Contains(t, res.Body, "Volume 249<")

		res = env.Get(t, at+"?page=9", authtest.As(seller)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.Equal(t, at+"?page=3", res.Header.Get("Location"))
	})

	t.Run("PastImportsNewestFirstPaged", func(t *testing.T) {
		res := env.Get(t, "/my/listings/import", authtest.As(other)...)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, "You have not imported a file yet.")

		var ids []int64
		for i := range 21 {
			im, _, err := env.Svc.StageImport(ctx, catalogtest.Other, fmt.Sprintf("file-%02d.csv", i), []byte("title,author,condition,price\nEmma,Jane Austen,good,5\nEmma,,good,5\n"))
			require.NoError(t, err)
			ids = append(ids, im.ID)
			// Past imports, not waiting for a confirmation: a seller keeps
			// at most service.MaxStagedImports waiting.
			_, err = env.Pool.Exec(ctx, `UPDATE catalog.imports SET state = 'failed' WHERE id = $1 AND $2`, im.ID, i <= 20-service.MaxStagedImports)
			require.NoError(t, err)
		}
		last := ids[len(ids)-1]
		_, err := env.Svc.ConfirmImport(ctx, catalogtest.Other, last)
		require.NoError(t, err)
		require.NoError(t, env.Svc.RunImport(ctx, last))

		res = env.Get(t, "/my/listings/import", authtest.As(other)...)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.NotContains(t, res.Body, "You have not imported a file yet.")
		require.NotContains(t, res.Body, "stock.csv", "the seller's own imports only")
		require.Equal(t, 20, strings.Count(res.Body, `href="/my/listings/import/`))
		newest := strings.Index(res.Body, "file-20.csv")
		require.Positive(t, newest)
		require.Less(t, newest, strings.Index(res.Body, "file-19.csv"), "newest first")
		require.NotContains(t, res.Body, "file-00.csv")
		row := regexp.MustCompile(`(?s)<tr>.*?</tr>`).FindString(res.Body[strings.Index(res.Body, "<tbody>"):])
		require.Contains(t, row, fmt.Sprintf(`href="/my/listings/import/%d"`, last))
		require.Contains(t, row, "Done")
		require.Regexp(t, `data-label="Created">1<`, row)
		require.Regexp(t, `data-label="Refused">1<`, row)
		require.Contains(t, res.Body, "Not confirmed")
		require.Contains(t, res.Body, `href="/my/listings/import?page=2"`)

		res = env.Get(t, "/my/listings/import?page=2", authtest.As(other)...)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, "file-00.csv")
		require.Equal(t, 1, strings.Count(res.Body, `href="/my/listings/import/`))

		ct, body := csvUpload(t, "x.csv", []byte("title,colour\nEmma,red\n"))
		res = env.Send(t, http.MethodPost, "/my/listings/import", ct, body, authtest.As(other)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Contains(t, res.Body, "file-20.csv", "a refused file keeps the list below the form")
	})

	t.Run("FileRefusedOnTheForm", func(t *testing.T) {
		ct, body := csvUpload(t, "x.csv", []byte("title,colour\nEmma,red\n"))
		res := env.Send(t, http.MethodPost, "/my/listings/import", ct, body, authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Contains(t, res.Body, "unknown column “\u2068colour\u2069”")
		ct, body = csvUpload(t, "big.csv", bytes.Repeat([]byte("x"), 2<<20+1))
		res = env.Send(t, http.MethodPost, "/my/listings/import", ct, body, authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Contains(t, res.Body, "the file is larger than 2 MB")
	})

	t.Run("Export", func(t *testing.T) {
		res := env.Get(t, "/my/listings.csv", authtest.As(seller)...)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, "text/csv; charset=utf-8", res.Header.Get("Content-Type"))
		require.True(t, strings.HasPrefix(res.Body, "\xEF\xBB\xBF"+`"id","title","author","isbn","condition","price","copies","copies_base","description","language","year"`+"\r\n"), res.Body)
		require.Regexp(t, `"[0-9]+","Der Zauberberg","Thomas Mann","9780141439518","very_good",`, res.Body)
		require.NotEqual(t, http.StatusOK, env.Get(t, "/my/listings.csv").StatusCode, "signed in only")
	})
}
