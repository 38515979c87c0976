package api_test

import (
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/api"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

// A seller keeps at most MaxStagedImports imports unconfirmed: the next
// upload is 409, naming the cap.
func TestAPI_StagedImportsCap(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	csv := "title,author,condition,price\nDune,Frank Herbert,good,7.50\n"
	for range service.MaxStagedImports {
		res := env.Send(t, http.MethodPost, "/api/v1/me/imports", "text/csv", strings.NewReader(csv), authtest.As(seller)...)
		require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	}
	res := env.Send(t, http.MethodPost, "/api/v1/me/imports", "text/csv", strings.NewReader(csv), authtest.As(seller)...)
	require.Equal(t, http.StatusConflict, res.StatusCode, res.Body)
	e := errorOf(t, res)
	require.Equal(t, "catalog.too_many_imports", e.Code)
	require.Contains(t, e.Message, fmt.Sprintf("you have %d imports waiting", service.MaxStagedImports))
}

func TestAPI_Imports(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	book := createBook(t, env)
	l, err := env.Svc.Listing(t.Context(), book.ID)
	require.NoError(t, err)

	csv := "title,author,isbn,condition,price\n" +
		fmt.Sprintf("%s,%s,%s,%s,3\n", l.Title, l.Author, l.ISBN, l.Condition) +
		"Emma,,,good,4\n"
	res := env.Send(t, http.MethodPost, "/api/v1/me/imports?filename=stock.csv", "text/csv", strings.NewReader(csv), authtest.As(seller)...)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	p := decode[api.ImportPreview](t, res)
	require.Equal(t, "stock.csv", p.Import.Filename)
	require.Equal(t, service.ImportStaged, p.Import.State)
	require.Len(t, p.Rows, 2)
	require.Equal(t, 1, p.Valid)
	require.Equal(t, 1, p.Refused)
	require.Nil(t, p.NextPage)
	require.False(t, p.Rows[0].Valid, "refused rows first")
	require.Equal(t, 3, p.Rows[0].Line)
	require.Contains(t, p.Rows[0].Errors, "author")
	require.Equal(t, int64(400), *p.Rows[0].PriceCents, "read, though the row is refused for its author")
	require.True(t, p.Rows[1].Valid)
	require.NotNil(t, p.Rows[1].Updates, "the seller's listing of that ISBN and condition")
	require.Equal(t, book.ID, *p.Rows[1].Updates)
	require.Equal(t, int64(300), *p.Rows[1].PriceCents, "the price as read")
	at := res.Header.Get("Location")
	require.Equal(t, fmt.Sprintf("/api/v1/me/imports/%d", p.Import.ID), at)

	require.Equal(t, http.StatusNotFound, env.JSON(t, http.MethodGet, at, "", authtest.As(other)...).StatusCode)
	res = env.JSON(t, http.MethodPost, at+"/confirm", "", authtest.As(seller)...)
	require.Equal(t, http.StatusAccepted, res.StatusCode, res.Body)
	require.Equal(t, service.ImportQueued, decode[api.Import](t, res).State)
	res = env.JSON(t, http.MethodPost, at+"/confirm", "", authtest.As(seller)...)
	require.Equal(t, http.StatusConflict, res.StatusCode)
	require.Equal(t, "catalog.import_state", errorOf(t, res).Code)

	require.NoError(t, env.Svc.RunImport(t.Context(), p.Import.ID))
	res = env.JSON(t, http.MethodGet, at, "", authtest.As(seller)...)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	im := decode[api.Import](t, res)
	require.Equal(t, service.ImportDone, im.State)
	require.Equal(t, 1, im.Updated)
	require.Zero(t, im.Created)
	require.Equal(t, []service.ImportRefusal{{Line: 3, Reason: "author: enter the author, or several separated by commas"}}, im.Refused)

	res = env.JSON(t, http.MethodGet, "/api/v1/me/imports", "", authtest.As(seller)...)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	list := decode[api.ImportPage](t, res)
	require.Len(t, list.Imports, 1)
	require.Equal(t, api.ImportListItem{ID: im.ID, Filename: "stock.csv", State: service.ImportDone, Total: 2, Done: 2, Updated: 1, Refused: 1,
		CreatedAt: list.Imports[0].CreatedAt}, list.Imports[0])
	require.Nil(t, list.NextPage)
	res = env.JSON(t, http.MethodGet, "/api/v1/me/imports", "", authtest.As(other)...)
	require.Empty(t, decode[api.ImportPage](t, res).Imports, "the seller's own only")

	res = env.Send(t, http.MethodPost, "/api/v1/me/imports", "text/csv", strings.NewReader("title,colour\n"), authtest.As(seller)...)
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, errorOf(t, res).Fields, "file")
	res = env.Send(t, http.MethodPost, "/api/v1/me/imports", "text/csv", strings.NewReader(strings.Repeat("x", service.MaxImportBytes+1)), authtest.As(seller)...)
	require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)

	// The client chose the name: one too long is refused, not cut.
	longest := strings.Repeat("é", service.MaxImportFilename)
	res = env.Send(t, http.MethodPost, "/api/v1/me/imports?filename="+url.QueryEscape(longest), "text/csv", strings.NewReader(csv), authtest.As(seller)...)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	require.Equal(t, longest, decode[api.ImportPreview](t, res).Import.Filename)
	res = env.Send(t, http.MethodPost, "/api/v1/me/imports?filename="+strings.Repeat("x", 5000), "text/csv", strings.NewReader(csv), authtest.As(seller)...)
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, res.Body)
	require.Equal(t, map[string]string{"filename": "must be at most 300 characters"}, errorOf(t, res).Fields)
}

// TestAPI_ImportRowsArePaged: the answer to an upload holds the first
// page of rows, refused first, with the file's counts, and the rest are
// read page by page until the import is confirmed.
func TestAPI_ImportRowsArePaged(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	var csv strings.Builder
	csv.WriteString("title,author,condition,price\n")
	for i := range 250 {
		author := "Jane Austen"
		if i == 180 {
			author = ""
		}
		fmt.Fprintf(&csv, "Volume %d,%s,good,5\n", i, author)
	}
	res := env.Send(t, http.MethodPost, "/api/v1/me/imports", "text/csv", strings.NewReader(csv.String()), authtest.As(seller)...)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	p := decode[api.ImportPreview](t, res)
	require.Equal(t, 250, p.Import.Total)
	require.Equal(t, 249, p.Valid)
	require.Equal(t, 1, p.Refused)
	require.Len(t, p.Rows, service.ImportRowsPerPage)
	require.Equal(t, 182, p.Rows[0].Line, "the refused row first")
	require.Equal(t, 2, p.Rows[1].Line)
	require.Equal(t, 1, p.Page)
	require.NotNil(t, p.NextPage)
	require.Equal(t, 2, *p.NextPage)

	at := res.Header.Get("Location")
	res = env.JSON(t, http.MethodGet, at+"/rows?page=3", "", authtest.As(seller)...)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	rows := decode[api.ImportRows](t, res)
	require.Len(t, rows.Rows, 50)
	require.Equal(t, 251, rows.Rows[49].Line)
	require.Equal(t, 249, rows.Valid)
	require.Nil(t, rows.NextPage)
	res = env.JSON(t, http.MethodGet, at+"/rows?page=4", "", authtest.As(seller)...)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	require.Empty(t, decode[api.ImportRows](t, res).Rows)
	require.Equal(t, http.StatusNotFound, env.JSON(t, http.MethodGet, at+"/rows", "", authtest.As(other)...).StatusCode)

	res = env.JSON(t, http.MethodPost, at+"/confirm", "", authtest.As(seller)...)
	require.Equal(t, http.StatusAccepted, res.StatusCode, res.Body)
	res = env.JSON(t, http.MethodGet, at+"/rows", "", authtest.As(seller)...)
	require.Equal(t, http.StatusConflict, res.StatusCode, res.Body)
	require.Equal(t, "catalog.import_state", errorOf(t, res).Code)
}

// TestAPI_ImportSemicolonPrices is the audit's request: a file separated
// by semicolons writes prices as European spreadsheets do, "1,500" for
// 1.50, and its preview gives each price as read, or why it is refused.
func TestAPI_ImportSemicolonPrices(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	csv := "title;author;isbn;condition;price;copies\n" +
		`"Der Prozess";"Kafka";"";"good";"1,500";"1"` + "\n" +
		`"Faust";"Goethe";"";"good";"12,50";"1"` + "\n" +
		`"Odyssey";"Homer";"";"good";"12.50";"1"` + "\n"
	res := env.Send(t, http.MethodPost, "/api/v1/me/imports", "text/csv", strings.NewReader(csv), authtest.As(seller)...)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	p := decode[api.ImportPreview](t, res)
	require.Len(t, p.Rows, 3)
	require.False(t, p.Rows[0].Valid, "refused rows first")
	require.Nil(t, p.Rows[0].PriceCents)
	require.Equal(t, map[string]string{"price": "in a file separated by semicolons, write amounts like 12,50"}, p.Rows[0].Errors)
	require.True(t, p.Rows[1].Valid)
	require.Equal(t, int64(150), *p.Rows[1].PriceCents)
	require.True(t, p.Rows[2].Valid)
	require.Equal(t, int64(1250), *p.Rows[2].PriceCents)
}

// TestAPI_ImportTakesOnlyCSV: the file is the body, sent as text/csv; a
// file upload (multipart, as curl -F sends it) or a JSON body is refused
// with 415 saying how to send it, rather than judged as a file it is not
// (an upload was "empty", a JSON body staged as rows); the message says
// what a text/csv with another charset or parameter lacks.
func TestAPI_ImportTakesOnlyCSV(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	csv := "title,author,condition,price\nEmma,Jane Austen,good,4\n"

	var upload strings.Builder
	mw := multipart.NewWriter(&upload)
	fw, err := mw.CreateFormFile("file", "c.csv")
	require.NoError(t, err)
	_, err = fw.Write([]byte(csv))
	require.NoError(t, err)
	require.NoError(t, mw.Close())

	// A form whose fields the shop would refuse anywhere else: the route
	// never reads them, so the 415 that says what to send wins.
	var nul, badName strings.Builder
	nulForm, badNameForm := multipart.NewWriter(&nul), multipart.NewWriter(&badName)
	require.NoError(t, nulForm.WriteField("note", "a\x00b"))
	require.NoError(t, nulForm.Close())
	require.NoError(t, badNameForm.WriteField("n\xffte", "a"))
	require.NoError(t, badNameForm.Close())

	for _, c := range []struct{ contentType, body string }{
		{mw.FormDataContentType(), upload.String()},
		{nulForm.FormDataContentType(), nul.String()},
		{badNameForm.FormDataContentType(), badName.String()},
		{mw.FormDataContentType(), strings.TrimSuffix(upload.String(), "--\r\n")},
		{"application/x-www-form-urlencoded", "note=a%00b"},
		{"application/json", csv},
		{"application/csv", csv},
		{"text/csv; charset=latin1", csv},
		{"text/csv; header=present", csv},
		{"", csv},
	} {
		res := env.Send(t, http.MethodPost, "/api/v1/me/imports", c.contentType, strings.NewReader(c.body), authtest.As(seller)...)
		require.Equal(t, http.StatusUnsupportedMediaType, res.StatusCode, "%s: %s", c.contentType, res.Body)
		e := errorOf(t, res)
		require.Equal(t, "unsupported_media_type", e.Code, c.contentType)
		require.Equal(t, "send the CSV file in UTF-8 as the request body, with Content-Type: text/csv (its one parameter may be charset=utf-8)", e.Message, c.contentType)
	}
	res := env.JSON(t, http.MethodGet, "/api/v1/me/imports", "", authtest.As(seller)...)
	require.Empty(t, decode[api.ImportPage](t, res).Imports, "nothing staged")

	for _, contentType := range []string{"text/csv", "Text/CSV; charset=UTF-8"} {
		res := env.Send(t, http.MethodPost, "/api/v1/me/imports", contentType, strings.NewReader(csv), authtest.As(seller)...)
		require.Equal(t, http.StatusCreated, res.StatusCode, "%s: %s", contentType, res.Body)
		require.True(t, decode[api.ImportPreview](t, res).Rows[0].Valid, contentType)
	}
}

// TestAPI_ImportByIDOwnOnly sends a file naming another seller's listing
// by its id: the row is refused as an unknown id, and that listing stays
// as it was once the rest of the file is imported.
func TestAPI_ImportByIDOwnOnly(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	book := createBook(t, env)
	csv := "id,title,author,condition,price\n" + fmt.Sprintf("%d,Taken,Me,good,1\n", book.ID) + ",Emma,Jane Austen,good,4\n"
	res := env.Send(t, http.MethodPost, "/api/v1/me/imports", "text/csv", strings.NewReader(csv), authtest.As(other)...)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	p := decode[api.ImportPreview](t, res)
	require.False(t, p.Rows[0].Valid)
	require.Nil(t, p.Rows[0].Updates)
	require.Equal(t, map[string]string{"id": "none of your listings has this id; leave it empty to add a listing"}, p.Rows[0].Errors)
	require.True(t, p.Rows[1].Valid)

	res = env.JSON(t, http.MethodPost, fmt.Sprintf("/api/v1/me/imports/%d/confirm", p.Import.ID), "", authtest.As(other)...)
	require.Equal(t, http.StatusAccepted, res.StatusCode, res.Body)
	require.NoError(t, env.Svc.RunImport(t.Context(), p.Import.ID))
	im, err := env.Svc.Import(t.Context(), auth.User{ID: other.ID}, p.Import.ID)
	require.NoError(t, err)
	require.Equal(t, []int{1, 0}, []int{im.Created, im.Updated})
	l, err := env.Svc.Listing(t.Context(), book.ID)
	require.NoError(t, err)
	require.Equal(t, []any{book.Title, book.PriceCents}, []any{l.Title, l.PriceCents})
}

// TestAPI_ImportRefusals sends what a script or a careless seller might:
// each answer is a 4xx with a message that says what to do, and no word of
// the database's.
func TestAPI_ImportRefusals(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	newcomer := &catalogtest.Newcomer
	refused := func(t *testing.T, status int, code string, res webtest.Response) web.ErrorDetail {
		t.Helper()
		require.Equal(t, status, res.StatusCode, res.Body)
		e := errorOf(t, res)
		require.Equal(t, code, e.Code)
		require.NotEmpty(t, e.Message)
		for _, leak := range []string{"SQLSTATE", "pgx", "catalog.imports", "violates"} {
			require.NotContains(t, res.Body, leak)
		}
		return e
	}
	stage := func(t *testing.T, body string, as *auth.User) webtest.Response {
		t.Helper()
		return env.Send(t, http.MethodPost, "/api/v1/me/imports", "text/csv", strings.NewReader(body), authtest.As(as)...)
	}

	for name, tc := range map[string]struct{ body, says string }{
		"Empty":          {"", "the file is empty"},
		"OnlySpaces":     {" \n\n", "the file is empty"},
		"HeaderOnly":     {"title,author,condition,price\n", "no rows"},
		"JSON":           {`{"title": "Emma", "price": 5}`, "not valid CSV"},
		"PNG":            {"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "not UTF-8"},
		"UTF16":          {"\xff\xfet\x00i\x00", "UTF-16"},
		"WrongColumns":   {"name,cost\nEmma,5\n", "unknown column"},
		"MissingColumns": {"title,author\nEmma,Jane Austen\n", "lacks the columns condition, price"},
		"BrokenQuotes":   {"title,author,condition,price\n\"Emma,Jane Austen,good,5\n", "not valid CSV"},
	} {
		t.Run(name, func(t *testing.T) {
			e := refused(t, http.StatusUnprocessableEntity, "invalid", stage(t, tc.body, seller))
			require.Contains(t, e.Fields["file"], tc.says)
		})
	}
	t.Run("TooLarge", func(t *testing.T) {
		e := refused(t, http.StatusRequestEntityTooLarge, "too_large", stage(t, strings.Repeat("x", service.MaxImportBytes+1), seller))
		require.Contains(t, e.Message, "2 MB")
	})
	t.Run("SignedOut", func(t *testing.T) {
		refused(t, http.StatusUnauthorized, "auth.unauthenticated", env.Send(t, http.MethodPost, "/api/v1/me/imports", "text/csv", strings.NewReader("title,author,condition,price\nEmma,Jane Austen,good,5\n")))
	})

	res := stage(t, "title,author,condition,price\nEmma,Jane Austen,good,5\n", seller)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	at := res.Header.Get("Location")
	t.Run("SomeoneElsesImport", func(t *testing.T) {
		refused(t, http.StatusNotFound, "catalog.import_not_found", env.JSON(t, http.MethodPost, at+"/confirm", "", authtest.As(other)...))
		refused(t, http.StatusNotFound, "catalog.import_not_found", env.JSON(t, http.MethodGet, at, "", authtest.As(other)...))
	})
	t.Run("NoSuchImport", func(t *testing.T) {
		refused(t, http.StatusNotFound, "catalog.import_not_found", env.JSON(t, http.MethodPost, "/api/v1/me/imports/999999/confirm", "", authtest.As(seller)...))
		refused(t, http.StatusNotFound, "catalog.import_not_found", env.JSON(t, http.MethodGet, "/api/v1/me/imports/x", "", authtest.As(seller)...))
	})
	t.Run("SignedOutBeforeTheID", func(t *testing.T) {
		refused(t, http.StatusUnauthorized, "auth.unauthenticated", env.JSON(t, http.MethodPost, "/api/v1/me/imports/abc/confirm", ""))
		refused(t, http.StatusUnauthorized, "auth.unauthenticated", env.JSON(t, http.MethodGet, "/api/v1/me/imports/abc", ""))
	})
	t.Run("UnverifiedSeller", func(t *testing.T) {
		res := stage(t, "title,author,condition,price\nEmma,Jane Austen,good,5\n", newcomer)
		require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
		e := refused(t, http.StatusForbidden, "catalog.email_unverified", env.JSON(t, http.MethodPost, res.Header.Get("Location")+"/confirm", "", authtest.As(newcomer)...))
		require.Contains(t, e.Message, "confirm your email address")
	})
	t.Run("ConfirmTwice", func(t *testing.T) {
		require.Equal(t, http.StatusAccepted, env.JSON(t, http.MethodPost, at+"/confirm", "", authtest.As(seller)...).StatusCode)
		e := refused(t, http.StatusConflict, "catalog.import_state", env.JSON(t, http.MethodPost, at+"/confirm", "", authtest.As(seller)...))
		require.Equal(t, "this import has already been confirmed", e.Message)
	})
}
