package view_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/text"
	"github.com/bookstore/bookstore/platform/view"
)

func TestMoney(t *testing.T) {
	t.Parallel()
	cases := map[int64]string{0: "$0.00", 5: "$0.05", 1999: "$19.99", 123456789: "$1,234,567.89", -250: "-$2.50"}
	for cents, want := range cases {
		require.Equal(t, want, view.Money(cents))
	}
}

// TestTime: a moment is written in UTC whatever the server's zone, and
// says so, inside a <time> whose datetime app.js writes in its reader's
// zone; a day is the UTC day, and says so too: 03:53 UTC on 5 Dec is
// still 4 Dec in Bogotá.
func TestTime(t *testing.T) {
	t.Parallel()
	bogota := time.FixedZone("COT", -5*3600)
	at := time.Date(2026, time.December, 4, 22, 53, 30, 0, bogota)
	require.Equal(t, "5 Dec 2026, 03:53 UTC", view.Moment(at))
	for _, tc := range []struct {
		c    templ.Component
		want string
	}{
		{view.Time(at), `<time datetime="2026-12-05T03:53:30Z" data-local="moment">5 Dec 2026, 03:53 UTC</time>`},
		{view.Day(at), `<time datetime="2026-12-05T03:53:30Z" data-local="day">5 Dec 2026 (UTC)</time>`},
	} {
		var buf bytes.Buffer
		require.NoError(t, tc.c.Render(context.Background(), &buf))
		require.Equal(t, tc.want, buf.String())
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

// A refused form rides with the flash to the page that holds it, which
// finds it by its action and leaves the flash for the layout to show; a
// value is kept cut so the cookie stays under the browsers' 4 KB.
func TestFlash_CarriesARefusedForm(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	long := strings.Repeat("€", 2000)
	view.SetRefusedFlash(rec, "Quantity: enter a whole number", view.RefusedForm{Action: "/cart/items",
		Values: map[string]string{"book_id": "7", "quantity": long}, Errors: map[string]string{"quantity": "enter a whole number"}})
	cookies := rec.Result().Cookies()
	require.Len(t, cookies, 1)
	require.Less(t, len(cookies[0].Value), 1000)
	req := httptest.NewRequest(http.MethodGet, "/books/7", nil)
	req.AddCookie(cookies[0])

	_, ok := view.RefusedFormOf(req, "/my/wants")
	require.False(t, ok, "another form's page finds none")
	f, ok := view.RefusedFormOf(req, "/cart/items")
	require.True(t, ok)
	require.Equal(t, "7", f.Values["book_id"])
	require.Equal(t, strings.Repeat("€", 66), f.Values["quantity"], "cut between characters")
	require.Equal(t, map[string]string{"quantity": "enter a whole number"}, f.Errors)

	fl := view.TakeFlash(httptest.NewRecorder(), req)
	require.Equal(t, "error", fl.Kind)
	require.Equal(t, "Quantity: enter a whole number", fl.Message, "the layout still shows the message")

	plain := httptest.NewRecorder()
	view.SetFlash(plain, "success", "Added 1 to your cart.")
	req = httptest.NewRequest(http.MethodGet, "/books/7", nil)
	req.AddCookie(plain.Result().Cookies()[0])
	_, ok = view.RefusedFormOf(req, "/cart/items")
	require.False(t, ok)
}

// A refused form's messages may quote a title of 300 characters, each of
// which JSON would escape: the flash still fits in a cookie a browser
// keeps (4 KB), or the message would be lost.
func TestFlash_RefusedFormFitsInACookie(t *testing.T) {
	t.Parallel()
	for name, title := range map[string]string{
		"Markup":   strings.Repeat("<&>", 100),
		"TooLong":  strings.Repeat("<", 2000),
		"FourByte": strings.Repeat("𝔄", 300),
	} {
		msg := fmt.Sprintf("only 2 copies of %s are available", text.Quote(title))
		rec := httptest.NewRecorder()
		view.SetRefusedFlash(rec, msg, view.RefusedForm{Action: "/cart/items",
			Values: map[string]string{"book_id": "7", "quantity": strings.Repeat("9", 500)}, Errors: map[string]string{"quantity": msg}})
		c := rec.Result().Cookies()[0]
		require.LessOrEqual(t, len(c.Name)+1+len(c.Value), 4096, name)

		req := httptest.NewRequest(http.MethodGet, "/books/7", nil)
		req.AddCookie(c)
		f, ok := view.RefusedFormOf(req, "/cart/items")
		require.True(t, ok, name)
		fl := view.TakeFlash(httptest.NewRecorder(), req)
		if len(msg) <= 1200 {
			require.Equal(t, msg, fl.Message, name)
			require.Equal(t, msg, f.Errors["quantity"], name)
		} else {
			require.True(t, strings.HasPrefix(msg, fl.Message) && len(fl.Message) > 1200-utf8.UTFMax, "cut between characters: %s", name)
		}
	}
}

// A page that answers a failed request, such as a form sent back with
// its messages, says so in its title, which a screen reader reads first.
func TestRender_TitleSaysTheRequestFailed(t *testing.T) {
	t.Parallel()
	for status, want := range map[int]string{
		http.StatusOK:                  "<title>Sign up · BookStore</title>",
		http.StatusUnprocessableEntity: "<title>Error: Sign up · BookStore</title>",
		http.StatusConflict:            "<title>Error: Sign up · BookStore</title>",
		http.StatusTooManyRequests:     "<title>Error: Sign up · BookStore</title>",
	} {
		rec := httptest.NewRecorder()
		require.NoError(t, view.Render(rec, httptest.NewRequest(http.MethodPost, "/signup", nil), status, view.Page{Title: "Sign up", Body: templ.Raw("<p>form</p>")}))
		require.Contains(t, rec.Body.String(), want, "status %d", status)
	}
}

func TestRender_EscapesAndUsesLayout(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/shelf?q=1", nil)
	req = req.WithContext(view.WithNav(req.Context(), &view.Nav{SignedIn: true, UserName: "Ada", CartCount: 2, Unread: 3, CSRFToken: "tok"}))
	body := templ.Raw("<p>kept</p>")
	require.NoError(t, view.Render(rec, req, http.StatusOK, view.Page{Title: `<script>alert(1)</script>`, Body: body}))
	out := rec.Body.String()
	require.Contains(t, out, "<title>&lt;script&gt;alert(1)&lt;/script&gt; · BookStore</title>")
	require.NotContains(t, out, "<script>alert")
	require.Contains(t, out, "Ada")
	require.Contains(t, out, `<main id="main"><p>kept</p></main>`)
	require.Contains(t, out, `name="csrf_token" value="tok"`)
	require.Contains(t, out, `id="site-search"`)
	require.Empty(t, rec.Header().Get("Cache-Control"), "the sign-in middleware, not the page, marks a signed-in answer private")

	rec = httptest.NewRecorder()
	require.NoError(t, view.Render(rec, httptest.NewRequest(http.MethodGet, "/books", nil), http.StatusOK, view.Page{Title: "Books", Body: body, OwnSearch: true}))
	require.NotContains(t, rec.Body.String(), `id="site-search"`, "a page with its own search form has no second box")
	require.Empty(t, rec.Header().Get("Cache-Control"), "a visitor's page holds nothing private")

	rec = httptest.NewRecorder()
	require.NoError(t, view.Render(rec, httptest.NewRequest(http.MethodGet, "/password/reset?token=x", nil), http.StatusOK, view.Page{Title: "Reset", Body: body, Private: true}))
	require.Equal(t, "no-store", rec.Header().Get("Cache-Control"), "a page holding a link's token is private, even for a visitor")
}

// The header spells out its counts (cart, unread notifications, new want
// matches) up to BadgeMax and shows a larger one, which the modules stop
// counting just past it, as "99+". A count of 0 leaves its badge in the
// page, hidden and empty, for the order page's refresh to fill.
func TestRender_BadgesCapped(t *testing.T) {
	t.Parallel()
	render := func(nav view.Nav) string {
		t.Helper()
		nav.SignedIn, nav.UserName = true, "Ada"
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req = req.WithContext(view.WithNav(req.Context(), &nav))
		require.NoError(t, view.Render(rec, req, http.StatusOK, view.Page{Title: "Home", Body: templ.Raw("")}))
		return rec.Body.String()
	}
	badge := func(nav view.Nav, attr string) string {
		t.Helper()
		_, rest, found := strings.Cut(render(nav), attr+">")
		if !found {
			return ""
		}
		n, _, _ := strings.Cut(rest, "<")
		return n
	}
	for _, c := range []struct {
		attr string
		nav  func(n int) view.Nav
	}{
		{"data-cart-count", func(n int) view.Nav { return view.Nav{CartCount: n} }},
		{"data-unread", func(n int) view.Nav { return view.Nav{Unread: n} }},
		{"data-want-alerts", func(n int) view.Nav { return view.Nav{WantAlerts: n} }},
	} {
		require.Contains(t, render(c.nav(0)), c.attr+" hidden></span>")
		require.Empty(t, badge(c.nav(0), c.attr))
		require.Equal(t, "7", badge(c.nav(7), c.attr))
		require.Equal(t, "99", badge(c.nav(view.BadgeMax), c.attr))
		require.Equal(t, "99+", badge(c.nav(view.BadgeMax+1), c.attr), c.attr)
		require.Equal(t, "99+", badge(c.nav(5000), c.attr), c.attr)
	}
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
	var b strings.Builder
	ctx := context.Background()
	require.NoError(t, view.Field(view.Input{Name: "email", Label: "Email", Type: "email", Value: "a@b", Error: "Not an email.", Hint: "We never share it.", Required: true, Autocomplete: "email"}).Render(ctx, &b))
	require.NoError(t, view.Field(view.Input{Name: "note", Label: "Note", Type: "textarea", Value: "<b>"}).Render(ctx, &b))
	require.NoError(t, view.SelectField(view.Select{Name: "lang", Label: "Language", Any: "Any", Selected: "fr", Options: []view.Option{{Value: "en", Label: "English"}, {Value: "fr", Label: "French"}}, Error: "Pick one."}).Render(ctx, &b))
	require.NoError(t, view.CheckboxField(view.Checkbox{Name: "active", Label: "Offered", Checked: true, ID: "active-3"}).Render(ctx, &b))
	require.NoError(t, view.Field(view.Input{Name: "year", Label: "Year", Type: "number", Value: "1924"}).Render(ctx, &b))
	require.NoError(t, view.Field(view.Input{Name: "copies", Label: "Copies", Type: "number", Value: "two", Error: "Enter a whole number."}).Render(ctx, &b))
	out := b.String()
	require.Contains(t, out, `<input id="f-year" name="year" type="number" value="1924" dir="auto">`)
	require.Contains(t, out, `<input id="f-copies" name="copies" type="text" value="two" dir="auto" inputmode="numeric" aria-invalid="true"`,
		"a refused number is shown as typed: a browser empties a number input that holds no number")
	require.Contains(t, out, `<label for="f-email">Email <span class="required">(required)</span></label>`)
	require.Contains(t, out, `<p class="field-hint" id="h-f-email">We never share it.</p>`)
	require.Contains(t, out, `dir="auto" required autocomplete="email" aria-invalid="true" aria-describedby="h-f-email e-f-email">`)
	require.Contains(t, out, `<p class="field-error" id="e-f-email">Not an email.</p>`)
	require.Contains(t, out, `<textarea id="f-note" name="note" dir="auto">&lt;b&gt;</textarea>`)
	require.Contains(t, out, `<option value="">Any</option> <option value="en">English</option><option value="fr" selected>French</option>`)
	require.Contains(t, out, `aria-describedby="e-f-lang"`)
	require.Contains(t, out, `<input id="active-3" type="checkbox" name="active" value="1" checked> <label for="active-3">Offered</label>`)
}

func TestThumbAndBadge(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	ctx := context.Background()
	require.NoError(t, view.ThumbImage(view.Thumb{URL: "/photos/a/thumb.jpg", Alt: "Cover of Emma", Small: true}).Render(ctx, &b))
	require.NoError(t, view.ThumbImage(view.Thumb{Alt: "Cover of Emma"}).Render(ctx, &b))
	require.NoError(t, view.StatusBadge(view.ToneBad, "Payment failed").Render(ctx, &b))
	out := b.String()
	require.Contains(t, out, `<img class="thumb thumb-small" src="/photos/a/thumb.jpg" alt="Cover of Emma"`)
	require.Contains(t, out, `aria-label="Cover of Emma: no photo yet"`)
	require.Contains(t, out, `<strong class="status status-bad">Payment failed</strong>`)
}

func TestLabel(t *testing.T) {
	t.Parallel()
	cases := map[string]string{"payment_failed": "Payment failed", "bank_transfer": "Bank transfer", "visa": "Visa", "": "", "ñandú": "Ñandú"}
	for code, want := range cases {
		require.Equal(t, want, view.Label(code))
	}
}

func TestRender_FailedPageDropsSuccessMessage(t *testing.T) {
	t.Parallel()
	for kind, shown := range map[string]bool{"success": false, "error": true, "info": true} {
		rec := httptest.NewRecorder()
		view.SetFlash(rec, kind, "The message.")
		req := httptest.NewRequest(http.MethodGet, "/orders/1", nil)
		for _, c := range rec.Result().Cookies() {
			req.AddCookie(c)
		}
		rec = httptest.NewRecorder()
		require.NoError(t, view.Render(rec, req, http.StatusOK, view.Page{Title: "Order", Body: templ.Raw("<p>Payment failed</p>"), Failed: true}))
		require.Equal(t, shown, strings.Contains(rec.Body.String(), "The message."), kind)
	}
}

// TestThumbImage_EveryVariant pins the markup of each kind of thumbnail,
// as it was before the classes became literal attributes (issue #11).
func TestThumbImage_EveryVariant(t *testing.T) {
	t.Parallel()
	evil := `Cover of "Emma" & <co>`
	cases := []struct {
		thumb view.Thumb
		want  string
	}{
		{view.Thumb{URL: "/p/a.jpg"}, `<img class="thumb" src="/p/a.jpg" alt="" width="240" height="320" loading="lazy">`},
		{view.Thumb{URL: "/p/a.jpg", Small: true}, `<img class="thumb thumb-small" src="/p/a.jpg" alt="" width="240" height="320" loading="lazy">`},
		{view.Thumb{URL: "/p/a&b.jpg", Alt: evil}, `<img class="thumb" src="/p/a&amp;b.jpg" alt="Cover of &#34;Emma&#34; &amp; &lt;co&gt;" width="240" height="320" loading="lazy">`},
		{view.Thumb{URL: "/p/a.jpg", Alt: "x", Small: true}, `<img class="thumb thumb-small" src="/p/a.jpg" alt="x" width="240" height="320" loading="lazy">`},
		{view.Thumb{}, `<span class="thumb no-photo" aria-hidden="true">No photo</span>`},
		{view.Thumb{Small: true}, `<span class="thumb thumb-small no-photo" aria-hidden="true">No photo</span>`},
		{view.Thumb{Alt: evil}, `<span class="thumb no-photo" role="img" aria-label="Cover of &#34;Emma&#34; &amp; &lt;co&gt;: no photo yet">No photo</span>`},
		{view.Thumb{Alt: "x", Small: true}, `<span class="thumb thumb-small no-photo" role="img" aria-label="x: no photo yet">No photo</span>`},
	}
	for _, c := range cases {
		var b strings.Builder
		require.NoError(t, view.ThumbImage(c.thumb).Render(context.Background(), &b))
		require.Equal(t, c.want, b.String(), "%+v", c.thumb)
	}
}

// TestRatingText_Exact pins a seller's rating in words, none, one and many.
func TestRatingText_Exact(t *testing.T) {
	t.Parallel()
	cases := map[view.Rating]string{
		{}:                           `<span class="rating muted">no ratings yet</span>`,
		{Average: 5, Count: 1}:       `<span class="rating"><span aria-hidden="true">★ </span>5.0<span class="visually-hidden"> out of 5</span> (1 rating)</span>`,
		{Average: 3.66, Count: 1234}: `<span class="rating"><span aria-hidden="true">★ </span>3.7<span class="visually-hidden"> out of 5</span> (1,234 ratings)</span>`,
	}
	for r, want := range cases {
		var b strings.Builder
		require.NoError(t, view.RatingText(r).Render(context.Background(), &b))
		require.Equal(t, want, b.String())
	}
}

// FuzzText checks that @Text(s) writes what templ's { s } writes, for any
// bytes (invalid UTF-8 too), and allocates nothing.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", "plain", `&'<>"`, `<script>alert("x")</script>`, "a&&b", "Zoë & Łukasz", "\xff<\xfe", "&amp;", "end&", "<start"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b strings.Builder
		require.NoError(t, view.Text(s).Render(context.Background(), &b))
		require.Equal(t, templ.EscapeString(s), b.String())
	})
}

func TestText_AllocatesNothing(t *testing.T) {
	var b bytes.Buffer
	b.Grow(1 << 10)
	ctx := context.Background()
	allocs := testing.AllocsPerRun(100, func() {
		b.Reset()
		_ = view.Text(`Émile <ou> "De l'éducation" & more`).Render(ctx, &b)
	})
	require.Zero(t, allocs)
}
