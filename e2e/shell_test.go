package e2e

import (
	"net/url"
	"testing"

	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"
)

// The shell is what every page shares (layout, header, search, footer, error
// pages); these journeys work on any build, whichever modules it holds.

func shellHomeAndSearch(t *testing.T, j *Journey) {
	visitor := j.Person("visitor")

	visitor.Visit("/", "home")
	text := visitor.Text()
	require.Contains(t, text, "BookStore")
	require.Contains(t, text, "Sign in")

	// One search box per page: the home page's own, without the header's.
	boxes := `document.querySelectorAll('input[type="search"]').length`
	require.Equal(t, 1, mustEval[int](visitor, "count search boxes", boxes))
	visitor.Fill("#home-search", "Cien años de soledad")
	visitor.Submit("#home-search", "search-results")
	u, err := url.Parse(visitor.Path())
	require.NoError(t, err)
	require.Equal(t, "/books", u.Path)
	require.Equal(t, "Cien años de soledad", u.Query().Get("q"))
	require.Equal(t, "Cien años de soledad", visitor.Value("#f-q"), "the results page keeps the search words")
	require.Equal(t, 1, mustEval[int](visitor, "count search boxes", boxes))
	require.True(t, mustEval[bool](visitor, "filters open", `document.querySelector("details.filters-fold").open`))

	// On a phone the filters fold behind their button.
	phone := j.PersonSized("phone", 390, 844)
	phone.Visit("/books?q=soledad", "search-phone")
	require.False(t, mustEval[bool](phone, "filters folded", `document.querySelector("details.filters-fold").open`))
	phone.RequireFits()
}

func shellNotFound(t *testing.T, j *Journey) {
	visitor := j.Person("visitor")

	visitor.Visit("/no/such/page", "not-found")
	visitor.WaitText("Not Found")
	visitor.ClickAndLoad(`main a[href="/"]`, "back-home")
	require.Equal(t, "/", visitor.Path())
}

func shellErrorPage(t *testing.T, j *Journey) {
	visitor := j.Person("visitor")

	// A form that posts to an address that takes no POST gets the error page.
	visitor.Visit("/", "home")
	mustEval[bool](visitor, "add a form", `(() => {
		const f = document.createElement("form");
		f.method = "post";
		f.action = "/healthz";
		f.innerHTML = '<button type="submit" id="e2e-post">Post</button>';
		document.querySelector("main").append(f);
		return true;
	})()`)
	visitor.ClickAndLoad("#e2e-post", "error-page")
	visitor.WaitText("address does not accept POST")
	require.Contains(t, visitor.Text(), "Back to the shop")
}

// A phone-sized screen shows the whole layout without sideways scrolling,
// and the keyboard reaches the skip link first, visibly.
func shellSmallScreen(t *testing.T, j *Journey) {
	phone := j.PersonSized("phone", 360, 740)

	for _, p := range []struct{ path, shot string }{
		{"/", "home-360px"},
		{"/no/such/page", "not-found-360px"},
		{"/books?q=" + url.QueryEscape("a very long search phrase that must not widen the page"), "search-360px"},
	} {
		phone.Visit(p.path, p.shot)
		phone.RequireFits()
	}

	phone.Visit("/", "home-before-tab")
	phone.Press(kb.Tab)
	focus := mustEval[map[string]any](phone, "read the focus", `(() => {
		const e = document.activeElement, r = e.getBoundingClientRect(), s = getComputedStyle(e);
		return {text: e.textContent.trim(), visible: r.left >= 0 && r.top >= 0 && r.right <= innerWidth,
		        outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2};
	})()`)
	phone.Page("skip-link-focused")
	require.Equal(t, "Skip to content", focus["text"])
	require.Equal(t, true, focus["visible"], "the focused skip link must be on screen")
	require.Equal(t, true, focus["outline"], "the focused element must show an outline")
}
