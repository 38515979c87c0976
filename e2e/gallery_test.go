package e2e

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/view"
)

// galleryPage uses every part of the layout a module page can: the signed-in
// header with its badges and account menu, a flash, fields with and without
// errors, a table, a grid of cards with images, and the pager.
const galleryPage = `{{define "title"}}Layout gallery{{end}}
{{define "content"}}<h1>Layout gallery</h1>
<section aria-labelledby="form-h">
  <h2 id="form-h">A form with an error</h2>
  <form method="post" action="/gallery">
    {{template "csrf" .}}
    {{template "field" (dict "Name" "email" "Label" "Email" "Type" "email" "Value" "not-an-email" "Error" "Enter an email address like name@example.com." "Hint" "We send the order's news there." "Required" true "Autocomplete" "email")}}
    {{template "field" (dict "Name" "title" "Label" "Title" "Value" "مئة عام من العزلة")}}
    {{template "field" (dict "Name" "description" "Label" "Description" "Type" "textarea" "Value" "<b>kept as text</b>")}}
    <button type="submit">Save</button> <button type="button" class="secondary">Cancel</button> <button type="button" class="danger">Delete</button>
  </form>
</section>
<section aria-labelledby="table-h">
  <h2 id="table-h">A table</h2>
  <div class="table-wrap"><table>
    <thead><tr><th scope="col">Title</th><th scope="col">Condition</th><th scope="col">Price</th><th scope="col">Available</th></tr></thead>
    <tbody><tr><td><a href="/books/1">Love in the Time of Cholera</a></td><td>Very good</td><td>{{money 1850}}</td><td>2</td></tr>
    <tr><td><a href="/books/2">Averyveryveryveryveryveryveryveryverylongwordwithoutanyspaces</a></td><td>Good</td><td>{{money 123456}}</td><td>1</td></tr></tbody>
  </table></div>
</section>
<section aria-labelledby="grid-h">
  <h2 id="grid-h">Cards</h2>
  <ul class="grid">
    <li class="card"><img src="{{asset "favicon.svg"}}" alt="Cover of Love in the Time of Cholera"><h3><a href="/books/1">Love in the Time of Cholera</a></h3><p class="muted">Gabriel García Márquez</p><p>{{money 1850}}</p></li>
    <li class="card"><img src="{{asset "favicon.svg"}}" alt="Cover of The Left Hand of Darkness"><h3><a href="/books/2">The Left Hand of Darkness</a></h3><p class="muted">Ursula K. Le Guin</p><p>{{money 1200}}</p></li>
  </ul>
</section>
{{template "pagination" .Data}}{{end}}`

// startGallery serves the gallery page with a signed-in admin's header;
// /flash sets a message and redirects to it, as a module's POST does.
func startGallery(t *testing.T) *Shop {
	t.Helper()
	set, err := view.Parse(fstest.MapFS{"gallery.html": {Data: []byte(galleryPage)}})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("GET /static/", view.StaticHandler())
	mux.HandleFunc("GET /flash", func(w http.ResponseWriter, r *http.Request) {
		view.SetFlash(w, "success", "Your listing is saved.")
		http.Redirect(w, r, "/gallery?page=2", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /gallery", func(w http.ResponseWriter, r *http.Request) {
		ctx := view.WithNav(r.Context(), &view.Nav{SignedIn: true, UserName: "Ada Admin", Admin: true, CartCount: 3, Unread: 12, CSRFToken: "token"})
		r = r.WithContext(ctx)
		pager := view.NewPager(r.URL, view.PageParam(r.URL.Query()), true)
		if err := set.Render(w, r, http.StatusOK, "gallery", view.Page{Title: "Layout gallery", Data: pager}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &Shop{URL: srv.URL}
}

// TestShell_LayoutGallery checks the parts of the layout that only signed-in
// pages show, on a wide and on a 360 px screen.
func TestShell_LayoutGallery(t *testing.T) {
	t.Parallel()
	requireChromium(t)
	axeSource(t)
	j := newJourney(t, startBrowser(t), startGallery(t), "shell-layout-gallery")
	for _, b := range []*Browser{j.Person("wide"), j.PersonSized("phone", 360, 740)} {
		b.Visit("/flash", "flash")
		b.WaitText("Your listing is saved.")
		require.Contains(t, b.Text(), "Ada Admin")
		b.RequireFits()

		// Every control the keyboard reaches shows where the focus is.
		if b.who == "wide" {
			for i := range 16 {
				b.Press(kb.Tab)
				focus := mustEval[map[string]any](b, "read the focus", `(() => {
					const e = document.activeElement, s = getComputedStyle(e);
					return {el: e.outerHTML.slice(0, 80), outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2};
				})()`)
				require.Equal(t, true, focus["outline"], "Tab %d: no visible focus on %s", i+1, focus["el"])
			}
		}

		// The account menu opens and lists the admin's pages.
		b.Click(".account summary")
		b.WaitText("My listings")
		b.Page("account-menu-open")
		require.True(t, b.Exists(`.account a[href="/admin"]`))
	}
}
