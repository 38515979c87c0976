package e2e

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/view"
)

// startGallery serves the gallery page with a signed-in admin's header;
// /flash sets a message and redirects to it, as a module's POST does.
func startGallery(t *testing.T) *Shop {
	t.Helper()
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
		if err := view.Render(w, r, http.StatusOK, view.Page{Title: "Layout gallery", Body: galleryPage(pager)}); err != nil {
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
