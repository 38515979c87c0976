package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/view"
)

// gallery serves the gallery page with a signed-in admin's header; /flash
// sets a message and redirects to it, as a module's POST does; /live is a
// page that refreshes itself as an order's page does, under a header with
// the counts in live.
type gallery struct {
	*Shop
	live atomic.Pointer[view.Nav]
}

func startGallery(t *testing.T) *gallery {
	t.Helper()
	g := &gallery{}
	g.live.Store(&view.Nav{SignedIn: true, UserName: "Ada"})
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
	mux.HandleFunc("GET /live", func(w http.ResponseWriter, r *http.Request) {
		nav := *g.live.Load()
		r = r.WithContext(view.WithNav(r.Context(), &nav))
		if err := view.Render(w, r, http.StatusOK, view.Page{Title: "Order 1", Body: livePage()}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	g.Shop = &Shop{URL: srv.URL}
	return g
}

// TestShell_LayoutGallery checks the parts of the layout that only signed-in
// pages show, on a wide and on a 360 px screen.
func TestShell_LayoutGallery(t *testing.T) {
	t.Parallel()
	requireChromium(t)
	axeSource(t)
	j := newJourney(t, startBrowser(t), startGallery(t).Shop, "shell-layout-gallery")
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

// TestShell_LiveBadges: while an order's page refreshes itself, the header
// follows each count as it comes (0 to N), changes (N to M) and goes (N to
// 0); a count of 0 shows and says nothing, and the open account menu stays
// open.
func TestShell_LiveBadges(t *testing.T) {
	t.Parallel()
	requireChromium(t)
	axeSource(t)
	g := startGallery(t)
	b := newJourney(t, startBrowser(t), g.Shop, "shell-live-badges").Person("wide")
	// Each header badge as the page shows it, words for screen readers
	// included; "-" where nothing shows.
	const shown = `[...document.querySelectorAll(".site-header .badge")].map(e => e.checkVisibility() ? e.textContent : "-").join(" | ")`

	b.Visit("/live", "live-no-counts")
	b.Click(".account summary")
	require.Equal(t, "- | - | - | -", mustEval[string](b, "read the badges", shown))
	for _, step := range []struct {
		nav  view.Nav
		want string
	}{
		{view.Nav{CartCount: 2, Unread: 1}, "2 items | 1 unread | - | -"},
		{view.Nav{Unread: 120, WantAlerts: 3}, "- | 99+ unread | 3 new matches for your wants | 3 new matches"},
		{view.Nav{CartCount: 3, Unread: 7, WantAlerts: 4}, "3 items | 7 unread | 4 new matches for your wants | 4 new matches"},
		{view.Nav{}, "- | - | - | -"},
	} {
		step.nav.SignedIn, step.nav.UserName = true, "Ada"
		g.live.Store(&step.nav)
		b.waitJS(fmt.Sprintf("(%s) === %q", shown, step.want), actionTimeout, "the badges to read "+step.want)
	}
	b.Page("live-counts-gone")
	require.True(t, b.Exists(".account details[open]"), "the refresh leaves the account menu open")
}
