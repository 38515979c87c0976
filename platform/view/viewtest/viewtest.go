// Package viewtest checks pages built on platform/view: each module's test
// renders every page it has with sample data through it.
package viewtest

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/view"
)

// runTogether is a visible word followed at once by hidden words that
// start with no space ("Remove<span class="visually-hidden">Dune").
var runTogether = regexp.MustCompile(`\w<span class="visually-hidden">[^\s<]`)

// RenderEach renders each page in the layout for a visitor and for a
// signed-in admin, and requires a whole page in which evil (a script the
// sample data carries in every text it can) comes out escaped, and in which
// every form that posts carries the CSRF token, and in which the words a
// control leaves to screen readers are not run into its visible label.
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
			require.Empty(t, runTogether.FindString(body), "%s: a screen reader would read the label and its hidden words as one", name)
			if nav.SignedIn {
				require.Equal(t, strings.Count(body, `method="post"`), strings.Count(body, `name="csrf_token" value="tok"`), "%s: every form that posts carries the token", name)
			}
		}
	}
}
