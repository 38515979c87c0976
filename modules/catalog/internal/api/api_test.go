package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/api"
	"github.com/bookstore/bookstore/platform/apidoc/apitest"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var (
	seller = &catalogtest.Seller
	other  = &catalogtest.Other
)

const validBody = `{"title":"Middlemarch","author":"George Eliot","isbn":"0141439548","condition":"good",
  "condition_note":"Foxing","price_cents":899,"copies":3,"description":"Provincial life.","language":"en","year":1871}`

func decode[T any](t *testing.T, res webtest.Response) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal([]byte(res.Body), &v), res.Body)
	return v
}

func errorOf(t *testing.T, res webtest.Response) web.ErrorDetail {
	t.Helper()
	return decode[web.ErrorBody](t, res).Error
}

func createBook(t *testing.T, env *catalogtest.Server) api.Book {
	t.Helper()
	res := env.JSON(t, http.MethodPost, "/api/v1/books", validBody, authtest.As(seller)...)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	return decode[api.Book](t, res)
}

func TestAPI_CreateBook(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)

	t.Run("Valid", func(t *testing.T) {
		res := env.JSON(t, http.MethodPost, "/api/v1/books", validBody, authtest.As(seller)...)
		require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
		var raw map[string]any
		require.NoError(t, json.Unmarshal([]byte(res.Body), &raw))
		for _, k := range []string{"id", "title", "author", "isbn", "condition", "condition_note", "price_cents", "currency", "copies", "available", "status", "description", "language", "year", "seller", "photos"} {
			require.Contains(t, raw, k)
		}
		b := decode[api.Book](t, res)
		require.Equal(t, "9780141439549", *b.ISBN)
		require.Equal(t, int64(899), b.PriceCents)
		require.Equal(t, "USD", b.Currency)
		require.Equal(t, catalog.ConditionGood, b.Condition)
		require.Equal(t, 3, b.Copies)
		require.Equal(t, catalog.StatusActive, b.Status)
		require.Equal(t, catalogtest.Seller.ID, b.Seller.ID)
		require.Equal(t, "Sally Seller", b.Seller.Name)
		require.Equal(t, 1871, *b.Year)
		require.Equal(t, fmt.Sprintf("/api/v1/books/%d", b.ID), res.Header.Get("Location"))
	})
	t.Run("SignedOut", func(t *testing.T) {
		res := env.JSON(t, http.MethodPost, "/api/v1/books", validBody)
		require.Equal(t, http.StatusUnauthorized, res.StatusCode)
		require.Equal(t, "auth.unauthenticated", errorOf(t, res).Code)
	})
	t.Run("BadInput", func(t *testing.T) {
		cases := map[string]struct {
			body   string
			status int
			field  string
		}{
			"Empty":           {"", http.StatusBadRequest, ""},
			"NotJSON":         {"title=x", http.StatusBadRequest, ""},
			"Array":           {"[]", http.StatusBadRequest, ""},
			"UnknownField":    {`{"title":"x","seller_id":12}`, http.StatusBadRequest, "seller_id"},
			"WrongType":       {`{"price_cents":"12.50"}`, http.StatusBadRequest, "price_cents"},
			"FloatPrice":      {`{"price_cents":12.5}`, http.StatusBadRequest, "price_cents"},
			"Missing":         {`{}`, http.StatusUnprocessableEntity, "title"},
			"NegativePrice":   {strings.Replace(validBody, `899`, `-899`, 1), http.StatusUnprocessableEntity, "price_cents"},
			"ZeroCopies":      {strings.Replace(validBody, `"copies":3`, `"copies":0`, 1), http.StatusUnprocessableEntity, "copies"},
			"ThousandCopies":  {strings.Replace(validBody, `"copies":3`, `"copies":1000`, 1), http.StatusUnprocessableEntity, "copies"},
			"BadISBN":         {strings.Replace(validBody, `0141439548`, `0141439549`, 1), http.StatusUnprocessableEntity, "isbn"},
			"BadCondition":    {strings.Replace(validBody, `"good"`, `"mint"`, 1), http.StatusUnprocessableEntity, "condition"},
			"FutureYear":      {strings.Replace(validBody, `1871`, `2999`, 1), http.StatusUnprocessableEntity, "year"},
			"LongTitle":       {strings.Replace(validBody, `Middlemarch`, strings.Repeat("M", 10_000), 1), http.StatusUnprocessableEntity, "title"},
			"ArchivedStatus":  {strings.Replace(validBody, `"year":1871`, `"year":1871,"status":"archived"`, 1), http.StatusUnprocessableEntity, "status"},
			"TrailingData":    {validBody + `{}`, http.StatusBadRequest, ""},
			"PriceOverMaxInt": {strings.Replace(validBody, `899`, `99999999999999999999`, 1), http.StatusBadRequest, "price_cents"},
		}
		for name, c := range cases {
			res := env.JSON(t, http.MethodPost, "/api/v1/books", c.body, authtest.As(seller)...)
			require.Equal(t, c.status, res.StatusCode, name+": "+res.Body)
			if c.field != "" {
				require.Contains(t, errorOf(t, res).Fields, c.field, name)
			}
		}
		res := env.JSON(t, http.MethodGet, "/api/v1/me/books", "", authtest.As(seller)...)
		page := decode[api.Page](t, res)
		for _, b := range page.Books {
			require.Equal(t, "Middlemarch", b.Title, "nothing invalid was stored")
		}
	})
	t.Run("InjectionStoredAsText", func(t *testing.T) {
		body := strings.Replace(validBody, `Middlemarch`, `<script>alert(1)<\/script>'; DROP TABLE catalog.books;--`, 1)
		res := env.JSON(t, http.MethodPost, "/api/v1/books", body, authtest.As(seller)...)
		require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
		require.Equal(t, `<script>alert(1)</script>'; DROP TABLE catalog.books;--`, decode[api.Book](t, res).Title)
	})
	t.Run("Draft", func(t *testing.T) {
		res := env.JSON(t, http.MethodPost, "/api/v1/books", strings.Replace(validBody, `"year":1871`, `"year":1871,"status":"draft"`, 1), authtest.As(seller)...)
		require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
		b := decode[api.Book](t, res)
		require.Equal(t, catalog.StatusDraft, b.Status)
		require.Equal(t, http.StatusNotFound, env.JSON(t, http.MethodGet, fmt.Sprintf("/api/v1/books/%d", b.ID), "").StatusCode)
	})
}

func TestAPI_ChangeBook(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	b := createBook(t, env)
	path := fmt.Sprintf("/api/v1/books/%d", b.ID)

	// Another seller's listing answers as one that does not exist, so the
	// answer tells no one that a listing they cannot see is there.
	t.Run("OtherUserFindsNothingAndNothingChanges", func(t *testing.T) {
		for _, m := range []string{http.MethodPatch, http.MethodDelete} {
			res := env.JSON(t, m, path, `{"title":"Hijacked","price_cents":1}`, authtest.As(other)...)
			require.Equal(t, http.StatusNotFound, res.StatusCode, m)
			require.Equal(t, "catalog.not_found", errorOf(t, res).Code)
		}
		res := env.Upload(t, path+"/photos", "photo", map[string][]byte{"a.jpg": catalogtest.JPEG(10, 10)}, authtest.As(other)...)
		require.Equal(t, http.StatusNotFound, res.StatusCode)
		require.Equal(t, "catalog.not_found", errorOf(t, res).Code)
		got := decode[api.Book](t, env.JSON(t, http.MethodGet, path, ""))
		require.Equal(t, "Middlemarch", got.Title)
		require.Equal(t, int64(899), got.PriceCents)
		require.Empty(t, got.Photos)
		require.Nil(t, got.Held, "counts are the seller's")
	})
	t.Run("Patch", func(t *testing.T) {
		res := env.JSON(t, http.MethodPatch, path, `{"price_cents":1200,"status":"paused"}`, authtest.As(seller)...)
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		got := decode[api.Book](t, res)
		require.Equal(t, int64(1200), got.PriceCents)
		require.Equal(t, "Middlemarch", got.Title, "fields left out keep their value")
		require.Equal(t, catalog.StatusPaused, got.Status)
		require.Equal(t, 0, *got.Held)
		for name, body := range map[string]string{
			"NegativePrice": `{"price_cents":-1}`,
			"ZeroCopies":    `{"copies":0}`,
			"Draft":         `{"status":"draft"}`,
			"EmptyTitle":    `{"title":""}`,
		} {
			res := env.JSON(t, http.MethodPatch, path, body, authtest.As(seller)...)
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, name)
		}
		require.Equal(t, http.StatusBadRequest, env.JSON(t, http.MethodPatch, path, `{"copies":"two"}`, authtest.As(seller)...).StatusCode)
		require.Equal(t, http.StatusNotFound, env.JSON(t, http.MethodPatch, "/api/v1/books/999999", `{}`, authtest.As(seller)...).StatusCode)
		res = env.JSON(t, http.MethodPatch, path, `{"status":"active"}`, authtest.As(seller)...)
		require.Equal(t, catalog.StatusActive, decode[api.Book](t, res).Status)
	})
	t.Run("CopiesNotBelowHeld", func(t *testing.T) {
		catalogtest.Hold(context.Background(), t, env.Svc, env.Pool, 5, b.ID, 2)
		res := env.JSON(t, http.MethodPatch, path, `{"copies":1}`, authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Contains(t, errorOf(t, res).Fields["copies"], "hold 2 copies")
	})
	t.Run("Photos", func(t *testing.T) {
		res := env.Upload(t, path+"/photos", "photo", map[string][]byte{"a.webp": catalogtest.WebP, "b.jpg": catalogtest.JPEG(30, 30)}, authtest.As(seller)...)
		require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
		big := make([]byte, 6<<20)
		copy(big, catalogtest.JPEG(10, 10))
		res = env.Upload(t, path+"/photos", "photo", map[string][]byte{"big.jpg": big}, authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Contains(t, errorOf(t, res).Fields, "photo")
		res = env.Upload(t, path+"/photos", "photo", map[string][]byte{"text.jpg": []byte("plain text pretending")}, authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Contains(t, errorOf(t, res).Fields["photo"], "JPEG, PNG or WebP")
		res = env.Upload(t, path+"/photos", "file", map[string][]byte{"a.jpg": catalogtest.JPEG(5, 5)}, authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		res = env.JSON(t, http.MethodPost, path+"/photos", `{}`, authtest.As(seller)...)
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
		got := decode[api.Book](t, env.JSON(t, http.MethodGet, path, ""))
		require.Len(t, got.Photos, 2)

		// A refused photo stops none of the others: every good one is
		// added, and each refused one named with its reason.
		res = env.Upload(t, path+"/photos", "photo", map[string][]byte{"1.jpg": catalogtest.JPEG(8, 8), "2.jpg": []byte("not an image"), "3.jpg": catalogtest.JPEG(9, 9)}, authtest.As(seller)...)
		require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
		partial := decode[api.PhotosAdded](t, res)
		require.Len(t, partial.Photos, 2)
		require.Equal(t, []api.RefusedPhoto{{File: "2.jpg", Message: "the file is not a JPEG, PNG or WebP image"}}, partial.Refused)
		got = decode[api.Book](t, env.JSON(t, http.MethodGet, path, ""))
		require.Len(t, got.Photos, 4)

		// Photos past the listing's limit are refused by name too; when
		// none is added, the answer is the refusal, naming each file.
		res = env.Upload(t, path+"/photos", "photo", map[string][]byte{"4.jpg": catalogtest.JPEG(8, 8), "5.jpg": catalogtest.JPEG(8, 8), "6.jpg": []byte("not an image"), "7.jpg": catalogtest.JPEG(8, 8)}, authtest.As(seller)...)
		require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
		partial = decode[api.PhotosAdded](t, res)
		require.Len(t, partial.Photos, 2)
		require.Equal(t, []api.RefusedPhoto{{File: "6.jpg", Message: "a listing has at most 6 photos"}, {File: "7.jpg", Message: "a listing has at most 6 photos"}}, partial.Refused)
		res = env.Upload(t, path+"/photos", "photo", map[string][]byte{"8.jpg": catalogtest.JPEG(8, 8), "9.jpg": []byte("not an image")}, authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		e := errorOf(t, res)
		require.Equal(t, "none of the 2 photos were added; “\u20688.jpg\u2069”: a listing has at most 6 photos; “\u20689.jpg\u2069”: a listing has at most 6 photos", e.Message)
		require.Contains(t, e.Fields, "photo")
		got = decode[api.Book](t, env.JSON(t, http.MethodGet, path, ""))
		require.Len(t, got.Photos, 6)

		photo := fmt.Sprintf("%s/photos/%d", path, got.Photos[0].ID)
		res = env.JSON(t, http.MethodDelete, photo, "", authtest.As(other)...)
		require.Equal(t, http.StatusNotFound, res.StatusCode)
		require.Equal(t, "catalog.not_found", errorOf(t, res).Code)
		require.Equal(t, http.StatusNoContent, env.JSON(t, http.MethodDelete, photo, "", authtest.As(seller)...).StatusCode)
		refused := env.JSON(t, http.MethodDelete, photo, "", authtest.As(seller)...)
		require.Equal(t, http.StatusNotFound, refused.StatusCode)
		require.Equal(t, "photo not found", errorOf(t, refused).Message)
		require.Equal(t, http.StatusNotFound, env.JSON(t, http.MethodDelete, path+"/photos/x", "", authtest.As(seller)...).StatusCode)
		got = decode[api.Book](t, env.JSON(t, http.MethodGet, path, ""))
		require.Len(t, got.Photos, 5)
	})
	t.Run("DeleteArchivesWhenOrdersReferToIt", func(t *testing.T) {
		before := decode[api.Book](t, env.JSON(t, http.MethodGet, path, ""))
		require.NotEmpty(t, before.Photos)
		res := env.JSON(t, http.MethodDelete, path, "", authtest.As(seller)...)
		require.Equal(t, http.StatusOK, res.StatusCode)
		archived := decode[api.Book](t, res)
		require.Equal(t, catalog.StatusArchived, archived.Status)
		require.Empty(t, archived.Photos, "an archived listing keeps no photos")
		require.Zero(t, env.Photos.Len(), "nor their files")
		require.Equal(t, http.StatusConflict, env.JSON(t, http.MethodPatch, path, `{"price_cents":5}`, authtest.As(seller)...).StatusCode)
		photo := fmt.Sprintf("%s/photos/%d", path, before.Photos[0].ID)
		res = env.JSON(t, http.MethodDelete, photo, "", authtest.As(seller)...)
		require.Equal(t, http.StatusNotFound, res.StatusCode, "removed already, not refused as archived: %s", res.Body)
	})
	t.Run("Delete", func(t *testing.T) {
		fresh := createBook(t, env)
		p := fmt.Sprintf("/api/v1/books/%d", fresh.ID)
		require.Equal(t, http.StatusNoContent, env.JSON(t, http.MethodDelete, p, "", authtest.As(seller)...).StatusCode)
		require.Equal(t, http.StatusNotFound, env.JSON(t, http.MethodGet, p, "").StatusCode)
		require.Equal(t, http.StatusNotFound, env.JSON(t, http.MethodDelete, p, "", authtest.As(seller)...).StatusCode)
	})
}

// TestAPI_GetBookVisibility: anyone sees a listing that is or was on sale,
// paused and archived too, with its status; a draft and a listing an admin
// hid are "not found" but for the seller and the admins. The book's page
// shows the same listings to the same people.
func TestAPI_GetBookVisibility(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := context.Background()
	paused, archived, hidden := createBook(t, env), createBook(t, env), createBook(t, env)
	res := env.JSON(t, http.MethodPatch, fmt.Sprintf("/api/v1/books/%d", paused.ID), `{"status":"paused"}`, authtest.As(seller)...)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	catalogtest.Hold(ctx, t, env.Svc, env.Pool, 7, archived.ID, 1)
	res = env.JSON(t, http.MethodDelete, fmt.Sprintf("/api/v1/books/%d", archived.ID), "", authtest.As(seller)...)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	require.NoError(t, env.Svc.Hide(ctx, catalogtest.Admin, hidden.ID, "spam"))
	res = env.JSON(t, http.MethodPost, "/api/v1/books", strings.Replace(validBody, `"year":1871`, `"year":1871,"status":"draft"`, 1), authtest.As(seller)...)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	draft := decode[api.Book](t, res)

	visitor := []string{}
	for _, c := range []struct {
		id     catalog.BookID
		status catalog.Status
		seen   [][]string
		unseen [][]string
	}{
		{paused.ID, catalog.StatusPaused, [][]string{visitor, authtest.As(other)}, nil},
		{archived.ID, catalog.StatusArchived, [][]string{visitor, authtest.As(other)}, nil},
		{draft.ID, catalog.StatusDraft, [][]string{authtest.As(seller), authtest.As(&catalogtest.Admin)}, [][]string{visitor, authtest.As(other)}},
		{hidden.ID, catalog.StatusActive, [][]string{authtest.As(seller), authtest.As(&catalogtest.Admin)}, [][]string{visitor, authtest.As(other)}},
	} {
		for _, as := range c.seen {
			res := env.JSON(t, http.MethodGet, fmt.Sprintf("/api/v1/books/%d", c.id), "", as...)
			require.Equal(t, http.StatusOK, res.StatusCode, "%s as %v", c.status, as)
			require.Equal(t, c.status, decode[api.Book](t, res).Status)
			require.Equal(t, http.StatusOK, env.Get(t, fmt.Sprintf("/books/%d", c.id), as...).StatusCode, "the page, %s as %v", c.status, as)
		}
		for _, as := range c.unseen {
			res := env.JSON(t, http.MethodGet, fmt.Sprintf("/api/v1/books/%d", c.id), "", as...)
			require.Equal(t, http.StatusNotFound, res.StatusCode, "%s as %v", c.status, as)
			require.Equal(t, http.StatusNotFound, env.Get(t, fmt.Sprintf("/books/%d", c.id), as...).StatusCode, "the page, %s as %v", c.status, as)
		}
	}
}

// TestAPI_MaxLengthCountsSpaces: a text's maxLength counts the text as
// sent, as the document's maxLength does: the longest text with a space
// around it is refused, naming the field, though trimmed it would fit; one
// a character shorter is stored trimmed.
func TestAPI_MaxLengthCountsSpaces(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	body := func(field, v string) string {
		var b map[string]any
		require.NoError(t, json.Unmarshal([]byte(validBody), &b))
		b[field] = v
		out, err := json.Marshal(b)
		require.NoError(t, err)
		return string(out)
	}
	for _, field := range []string{"title", "author", "condition_note", "description"} {
		max := int(apitest.At(t, "/components/schemas/BookInput/properties/"+field+"/maxLength").(float64))
		res := env.JSON(t, http.MethodPost, "/api/v1/books", body(field, strings.Repeat("é", max)+" "), authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, field)
		require.Equal(t, map[string]string{field: fmt.Sprintf("must be at most %d characters", max)}, errorOf(t, res).Fields)

		res = env.JSON(t, http.MethodPost, "/api/v1/books", body(field, " "+strings.Repeat("é", max-1)), authtest.As(seller)...)
		require.Equal(t, http.StatusCreated, res.StatusCode, field+": "+res.Body)
		var got map[string]any
		require.NoError(t, json.Unmarshal([]byte(res.Body), &got))
		require.Equal(t, strings.Repeat("é", max-1), got[field], "stored trimmed")
		path := fmt.Sprintf("/api/v1/books/%v", got["id"])
		res = env.JSON(t, http.MethodPatch, path, `{"`+field+`":"`+strings.Repeat("é", max)+`\n"}`, authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, field)
		require.Contains(t, errorOf(t, res).Fields, field)
	}
}

// TestAPI_EmptyLanguage: a language sent empty is refused, naming the
// field, rather than read as English (the document's languages leave ""
// out); left out, it is English on a new listing and unchanged on an edit.
func TestAPI_EmptyLanguage(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	for _, lang := range []string{`""`, `"  "`} {
		res := env.JSON(t, http.MethodPost, "/api/v1/books", strings.Replace(validBody, `"en"`, lang, 1), authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, res.Body)
		require.Contains(t, errorOf(t, res).Fields, "language")
	}
	res := env.JSON(t, http.MethodPost, "/api/v1/books", strings.Replace(validBody, `,"language":"en"`, ``, 1), authtest.As(seller)...)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	require.Equal(t, "en", decode[api.Book](t, res).Language, "left out, English")

	res = env.JSON(t, http.MethodPost, "/api/v1/books", strings.Replace(validBody, `"en"`, `"fr"`, 1), authtest.As(seller)...)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	path := fmt.Sprintf("/api/v1/books/%d", decode[api.Book](t, res).ID)
	res = env.JSON(t, http.MethodPatch, path, `{"language":"","price_cents":100}`, authtest.As(seller)...)
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, res.Body)
	require.Contains(t, errorOf(t, res).Fields, "language")
	got := decode[api.Book](t, env.JSON(t, http.MethodGet, path, ""))
	require.Equal(t, "fr", got.Language, "a refused PATCH changes nothing")
	require.Equal(t, int64(899), got.PriceCents)
	res = env.JSON(t, http.MethodPatch, path, `{"price_cents":100}`, authtest.As(seller)...)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	require.Equal(t, "fr", decode[api.Book](t, res).Language, "left out, unchanged")
}

// TestAPI_PatchStaleCopies: a PATCH changes only what it sends, and one
// whose copies were chosen from a count that has since changed (copies_base)
// gets a 409 instead of putting a sold copy back on sale.
func TestAPI_PatchStaleCopies(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := context.Background()
	b := createBook(t, env)
	path := fmt.Sprintf("/api/v1/books/%d", b.ID)
	before := catalogtest.StockOf(ctx, t, env.Pool, b.ID)
	catalogtest.Hold(ctx, t, env.Svc, env.Pool, 1, b.ID, 1)
	catalogtest.Sell(ctx, t, env.Svc, 1)

	res := env.JSON(t, http.MethodPatch, path, fmt.Sprintf(`{"copies":%d,"copies_base":%d,"price_cents":100}`, before.Available+2, before.Available), authtest.As(seller)...)
	require.Equal(t, http.StatusConflict, res.StatusCode, res.Body)
	e := errorOf(t, res)
	require.Equal(t, "catalog.stale_copies", e.Code)
	require.Contains(t, e.Fields["copies"], fmt.Sprintf("you have %d copies now, not %d: a sale or another edit changed them", before.Available-1, before.Available))
	require.Equal(t, int64(899), decode[api.Book](t, env.JSON(t, http.MethodGet, path, "")).PriceCents, "a refused PATCH changes nothing")

	res = env.JSON(t, http.MethodPatch, path, `{"description":"Foxed edges."}`, authtest.As(seller)...)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	require.Equal(t, catalogtest.Counts{Listed: before.Listed, Available: before.Available - 1, Sold: 1}, catalogtest.StockOf(ctx, t, env.Pool, b.ID))
}

// TestAPI_ListIsExact pins the bytes of an anonymous GET /api/v1/books: a
// faster way to write the list must keep every field, its order and its
// format (the OpenAPI check alone allows another order or spacing).
func TestAPI_ListIsExact(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := context.Background()
	plain := catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{Title: "Plain", SellerID: 41, SellerName: "Ann"})
	full := catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{Title: "Émile <ou> \"De l'éducation\"", Author: "Rousseau", SellerID: 42, SellerName: "Bo",
		ISBN: "9780141439549", Year: 1762, Language: "fr", Condition: catalog.ConditionFine, PriceCents: 1250, Copies: 2, Description: "Line one.\nLine two."})
	_, err := env.Pool.Exec(ctx, `UPDATE catalog.books SET created_at = timestamptz '2026-12-01 10:00:00+00' - make_interval(days => (id <> $1)::int), condition_note = CASE WHEN id = $1 THEN 'Foxed' ELSE '' END WHERE id IN ($1, $2)`, full.ID, plain.ID)
	require.NoError(t, err)
	_, err = env.Pool.Exec(ctx, `INSERT INTO catalog.photos (book_id, key, width, height, position) VALUES ($1, 'k1', 600, 900, 1), ($1, 'k2', 800, 600, 2)`, full.ID)
	require.NoError(t, err)
	res := env.JSON(t, http.MethodGet, "/api/v1/books", "")
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	require.Equal(t, `{"books":[{"id":2,"title":"Émile \u003cou\u003e \"De l'éducation\"","author":"Rousseau","isbn":"9780141439549","condition":"fine","condition_note":"Foxed","price_cents":1250,"currency":"USD","copies":2,"available":2,"status":"active","sold_out":false,"description":"Line one.\nLine two.","language":"fr","year":1762,"seller":{"id":42,"name":"Bo"},"photos":[{"id":1,"url":"/photos/k1-1200.jpg","thumbnail_url":"/photos/k1-320.jpg","width":600,"height":900},{"id":2,"url":"/photos/k2-1200.jpg","thumbnail_url":"/photos/k2-320.jpg","width":800,"height":600}],"created_at":"2026-12-01T10:00:00Z"},{"id":1,"title":"Plain","author":"Ann Author","isbn":null,"condition":"good","condition_note":"","price_cents":1000,"currency":"USD","copies":1,"available":1,"status":"active","sold_out":false,"description":"","language":"en","year":null,"seller":{"id":41,"name":"Ann"},"photos":[],"created_at":"2026-11-30T10:00:00Z"}],"page":1,"next_page":null,"total":2,"total_exact":true}`+"\n", res.Body)
	require.Equal(t, strconv.Itoa(len(res.Body)), res.Header.Get("Content-Length"), "sent whole")
}

func TestAPI_Browse(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := context.Background()
	for i := range 5 {
		catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{Title: fmt.Sprintf("Émile volume %d", i), PriceCents: int64(1000 + i*100), ISBN: "9780141439549", Condition: catalog.ConditionFine})
	}
	catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{Title: "Other", Language: "fr", Condition: catalog.ConditionPoor})

	res := env.JSON(t, http.MethodGet, "/api/v1/books?q=emile&sort=price_desc&per_page=2", "")
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	sp := decode[api.SearchPage](t, res)
	require.Equal(t, 5, sp.Total)
	require.True(t, sp.TotalExact)
	p := sp.Page
	require.Len(t, p.Books, 2)
	require.Equal(t, int64(1400), p.Books[0].PriceCents)
	require.Equal(t, 2, *p.NextPage)
	sp = decode[api.SearchPage](t, env.JSON(t, http.MethodGet, "/api/v1/books?q=emiel", ""))
	require.Empty(t, sp.Books)
	require.Equal(t, "emile", sp.Suggestion)
	res = env.JSON(t, http.MethodGet, "/api/v1/books?q=emile&sort=price_desc&per_page=2&cursor=3", "")
	p = decode[api.Page](t, res)
	require.Len(t, p.Books, 1)
	require.Nil(t, p.NextPage)

	p = decode[api.Page](t, env.JSON(t, http.MethodGet, "/api/v1/books?condition=good&min_price=11&max_price=13.00", ""))
	require.Len(t, p.Books, 3)
	p = decode[api.Page](t, env.JSON(t, http.MethodGet, "/api/v1/books?language=fr", ""))
	require.Len(t, p.Books, 1)
	// A page past the end is no redirect, as on the web pages: an empty
	// page, as the API document says.
	p = decode[api.Page](t, env.JSON(t, http.MethodGet, "/api/v1/books?page=99", ""))
	require.Empty(t, p.Books)
	require.Nil(t, p.NextPage)

	for _, qs := range []string{"min_price=abc", "min_price=-1", "condition=mint", "sort=x", "page=0", "page=abc", "per_page=1000", "language=xx", "min_price=20&max_price=10", "max_price=0"} {
		res := env.JSON(t, http.MethodGet, "/api/v1/books?"+qs, "")
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, qs)
		require.NotEmpty(t, errorOf(t, res).Fields, qs)
	}

	res = env.JSON(t, http.MethodGet, "/api/v1/editions/0-14-143954-8", "")
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	var ed struct {
		ISBN  string     `json:"isbn"`
		Books []api.Book `json:"books"`
	}
	require.NoError(t, json.Unmarshal([]byte(res.Body), &ed))
	require.Equal(t, "9780141439549", ed.ISBN)
	require.Len(t, ed.Books, 5)
	require.Equal(t, int64(1000), ed.Books[0].PriceCents, "cheapest first")
	require.Equal(t, http.StatusUnprocessableEntity, env.JSON(t, http.MethodGet, "/api/v1/editions/123", "").StatusCode)

	require.Equal(t, http.StatusNotFound, env.JSON(t, http.MethodGet, "/api/v1/books/abc", "").StatusCode)
	require.Equal(t, http.StatusUnauthorized, env.JSON(t, http.MethodGet, "/api/v1/me/books", "").StatusCode)
	res = env.JSON(t, http.MethodGet, "/api/v1/me/books", "", authtest.As(other)...)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Empty(t, decode[api.Page](t, res).Books)
}

// TestAPI_SearchReadsSymbolsAsTyped: the page and the JSON list find a
// title with a slash, dots or a hyphen before a digit by the same words.
func TestAPI_SearchReadsSymbolsAsTyped(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := context.Background()
	for _, title := range []string{"Catch-22", "TCP/IP Illustrated", "Node.js in Action", "Web 2.0 for Dummies"} {
		catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{Title: title})
	}
	for q, title := range map[string]string{"catch+22": "Catch-22", "tcp%2Fip": "TCP/IP Illustrated", "tcp+ip": "TCP/IP Illustrated",
		"node+js": "Node.js in Action", "web+2.0": "Web 2.0 for Dummies"} {
		sp := decode[api.SearchPage](t, env.JSON(t, http.MethodGet, "/api/v1/books?q="+q, ""))
		require.Len(t, sp.Books, 1, q)
		require.Equal(t, title, sp.Books[0].Title, q)
		page := env.Get(t, "/books?q="+q)
		require.Equal(t, http.StatusOK, page.StatusCode, q)
		require.Contains(t, page.Body, title, q)
		require.Contains(t, page.Body, ">1 book<", q)
	}
}
