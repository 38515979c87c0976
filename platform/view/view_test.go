package view_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/view"
)

func TestMoney(t *testing.T) {
	t.Parallel()
	cases := map[int64]string{0: "$0.00", 5: "$0.05", 1999: "$19.99", 123456789: "$1,234,567.89", -250: "-$2.50"}
	for cents, want := range cases {
		require.Equal(t, want, view.Money(cents))
	}
}

func TestFlash_SurvivesOneRedirect(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	view.SetFlash(rec, "success", "Listing saved.")
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	rec2 := httptest.NewRecorder()
	f := view.TakeFlash(rec2, req)
	require.Equal(t, &view.Flash{Kind: "success", Message: "Listing saved."}, f)
	cleared := rec2.Result().Cookies()
	require.Len(t, cleared, 1)
	require.Negative(t, cleared[0].MaxAge)

	forged := httptest.NewRequest(http.MethodGet, "/", nil)
	forged.AddCookie(&http.Cookie{Name: "flash", Value: "%%%"})
	require.Nil(t, view.TakeFlash(httptest.NewRecorder(), forged))
}

func TestRender_EscapesAndUsesLayout(t *testing.T) {
	t.Parallel()
	set, err := view.Parse(fstest.MapFS{
		"page.html": {Data: []byte(`{{define "title"}}Shelf{{end}}{{define "content"}}<p>{{.Data}}</p>{{end}}`)},
	})
	require.NoError(t, err)
	require.Equal(t, []string{"page"}, set.Pages())

	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/shelf?q=1", nil)
	req = req.WithContext(view.WithNav(req.Context(), &view.Nav{SignedIn: true, UserName: "Ada", CartCount: 2}))
	require.NoError(t, set.Render(rec, req, http.StatusOK, "page", view.Page{Data: `<script>alert(1)</script>`}))
	body := rec.Body.String()
	require.Contains(t, body, "<title>Shelf · BookStore</title>")
	require.Contains(t, body, "&lt;script&gt;alert(1)&lt;/script&gt;")
	require.NotContains(t, body, "<script>alert")
	require.Contains(t, body, "Ada")
	require.Contains(t, body, `<main id="main">`)

	require.Error(t, set.Render(httptest.NewRecorder(), req, http.StatusOK, "missing", view.Page{}))
}

func TestParse_RejectsBrokenTemplate(t *testing.T) {
	t.Parallel()
	_, err := view.Parse(fstest.MapFS{"bad.html": {Data: []byte(`{{define "content"}}{{.Data`)}})
	require.Error(t, err)
}

func TestStaticHandler_FingerprintedAndCached(t *testing.T) {
	t.Parallel()
	url := view.AssetURL("app.css")
	require.Regexp(t, `^/static/app\.[0-9a-f]{8}\.css$`, url)
	rec := httptest.NewRecorder()
	view.StaticHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Header().Get("Cache-Control"), "immutable")
	require.True(t, strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css"))

	rec = httptest.NewRecorder()
	view.StaticHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/static/app.css", nil))
	require.Equal(t, http.StatusNotFound, rec.Code, "only fingerprinted names are served")
}

func TestRenderError(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	require.NoError(t, view.RenderError(rec, httptest.NewRequest(http.MethodGet, "/x", nil), http.StatusForbidden, "Forbidden", "Only the seller can edit this listing."))
	require.Equal(t, http.StatusForbidden, rec.Code)
	require.Contains(t, rec.Body.String(), "Only the seller can edit this listing.")
}

func TestPager(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("/books?q=tolkien&page=2")
	require.Equal(t, 2, view.PageParam(u.Query()))
	p := view.NewPager(u, 2, true)
	require.Equal(t, "/books?q=tolkien", p.PrevURL)
	require.Equal(t, "/books?page=3&q=tolkien", p.NextURL)

	for _, raw := range []string{"", "0", "-3", "abc", "1e9"} {
		require.Equal(t, 1, view.PageParam(url.Values{"page": {raw}}), raw)
	}
	require.Equal(t, view.MaxPage, view.PageParam(url.Values{"page": {"99999999"}}))
	require.False(t, view.NewPager(u, 1, false).HasPrev)
}

func TestField_LabelsHintsErrorsAndDirection(t *testing.T) {
	t.Parallel()
	set, err := view.Parse(fstest.MapFS{
		"form.html": {Data: []byte(`{{define "title"}}Form{{end}}{{define "content"}}` +
			`{{template "field" (dict "Name" "email" "Label" "Email" "Type" "email" "Value" "a@b" "Error" "Not an email." "Hint" "We never share it." "Required" true "Autocomplete" "email")}}` +
			`{{template "field" (dict "Name" "note" "Label" "Note" "Type" "textarea" "Value" "<b>")}}{{end}}`)},
	})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	require.NoError(t, set.Render(rec, httptest.NewRequest(http.MethodGet, "/books?q=le+guin", nil), http.StatusUnprocessableEntity, "form", view.Page{}))
	body := rec.Body.String()
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	require.Contains(t, body, `<label for="f-email">Email <span class="required">(required)</span></label>`)
	require.Contains(t, body, `<p class="field-hint" id="h-email">We never share it.</p>`)
	require.Contains(t, body, `dir="auto" required autocomplete="email" aria-invalid="true" aria-describedby="h-email e-email">`)
	require.Contains(t, body, `<p class="field-error" id="e-email">Not an email.</p>`)
	require.Contains(t, body, `<textarea id="f-note" name="note" dir="auto">&lt;b&gt;</textarea>`)
	require.Contains(t, body, `name="q" value="le guin"`, "the header's search box keeps the words on a results page")
}

func TestLabel(t *testing.T) {
	t.Parallel()
	cases := map[string]string{"payment_failed": "Payment failed", "bank_transfer": "Bank transfer", "visa": "Visa", "": "", "ñandú": "Ñandú"}
	for code, want := range cases {
		require.Equal(t, want, view.Label(code))
	}
}
