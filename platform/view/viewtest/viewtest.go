// Package viewtest checks pages built on platform/view: each module's test
// renders every page it has with sample data through it.
package viewtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/bookstore/bookstore/platform/view"
)

// runTogether is a visible word followed at once by hidden words that
// start with no space ("Remove<span class="visually-hidden">Dune").
var runTogether = regexp.MustCompile(`\w<span class="visually-hidden">[^\s<]`)

// RenderEach renders each page in the layout for a visitor and for a
// signed-in admin, and requires a whole page in which evil (a script the
// sample data carries in every text it can) comes out escaped, and in which
// every form that posts carries the CSRF token, in which the words a
// control leaves to screen readers are not run into its visible label, and
// in which no field has a maxlength: a browser counts it in UTF-16 code
// units, so it would refuse a text of emoji half as long as the server
// takes, and the field's message gives the server's real limit.
func RenderEach(t *testing.T, pages map[string]templ.Component, evil string) {
	t.Helper()
	for name, page := range pages {
		for _, nav := range []*view.Nav{{}, {SignedIn: true, UserName: evil, Admin: true, CSRFToken: "tok"}} {
			req := httptest.NewRequest(http.MethodGet, "/x", nil)
			req = req.WithContext(view.WithNav(req.Context(), nav))
			rec := httptest.NewRecorder()
			require.NoError(t, view.Render(rec, req, http.StatusOK, view.Page{Title: name, Body: page}), name)
			body := rec.Body.String()
			require.NotContains(t, body, evil, name)
			require.Contains(t, body, "</html>", name)
			require.NotContains(t, body, "maxlength", name)
			require.Empty(t, runTogether.FindString(body), "%s: a screen reader would read the label and its hidden words as one", name)
			if nav.SignedIn {
				require.Equal(t, strings.Count(body, `method="post"`), strings.Count(body, `name="csrf_token" value="tok"`), "%s: every form that posts carries the token", name)
			}
		}
	}
}

// RequireIsolated renders page in the layout, for a visitor signed in as
// a user named rtl, and requires every text of the page that holds rtl
// (right-to-left words, as sample data puts in what people typed: titles,
// names, addresses, reviews) to be isolated: the whole of a <bdi> or of an
// element with dir="auto" (or of a link such an element holds alone), so
// that its direction neither scrambles the sentence around it nor is
// scrambled by the page's. Quotation marks may enclose it within the
// isolate. A text that text.Quote or text.Isolate put into a sentence
// (a message, a notification) is isolated by the characters around it.
// Hidden words a screen reader reads out (visually-hidden) and attribute
// values, which no one sees laid out, are left alone.
func RequireIsolated(t *testing.T, name string, page templ.Component, rtl string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/x", nil)
	req = req.WithContext(view.WithNav(req.Context(), &view.Nav{SignedIn: true, UserName: rtl, CSRFToken: "tok"}))
	rec := httptest.NewRecorder()
	require.NoError(t, view.Render(rec, req, http.StatusOK, view.Page{Title: name, Body: page}), name)
	doc, err := html.Parse(rec.Body)
	require.NoError(t, err, name)
	found := 0
	var bad []string
	for n := range doc.Descendants() {
		if n.Type != html.TextNode || !strings.Contains(n.Data, rtl) || hidden(n) {
			continue
		}
		found++
		if strings.Count(n.Data, rtl) == strings.Count(n.Data, isolate(rtl)) {
			continue
		}
		if strings.Trim(n.Data, quotesAndSpace) != rtl {
			bad = append(bad, fmt.Sprintf("<%s> holds %q with other words", n.Parent.Data, n.Data))
			continue
		}
		if !isolated(n.Parent) {
			bad = append(bad, fmt.Sprintf("<%s> holding %q does not isolate its direction", n.Parent.Data, n.Data))
		}
	}
	require.Empty(t, bad, name)
	require.NotZero(t, found, "%s: the page shows no %q", name, rtl)
}

const quotesAndSpace = " \t\n“”\""

// isolate is s as text.Isolate writes it, spelled out here so that the
// check does not take its word from the code it checks.
func isolate(s string) string { return "\u2068" + s + "\u2069" }

// isolated reports whether e, or an ancestor whose text is e's alone, is a
// <bdi> or has dir="auto".
func isolated(e *html.Node) bool {
	own := strings.Trim(textOf(e), quotesAndSpace)
	for ; e != nil && e.Type == html.ElementNode; e = e.Parent {
		if strings.Trim(textOf(e), quotesAndSpace) != own {
			return false
		}
		if e.DataAtom == atom.Bdi || attr(e, "dir") == "auto" {
			return true
		}
	}
	return false
}

func textOf(e *html.Node) string {
	var b strings.Builder
	for n := range e.Descendants() {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
	}
	return b.String()
}

func hidden(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if slices.Contains(strings.Fields(attr(p, "class")), "visually-hidden") {
			return true
		}
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
