// Package view renders the shop's HTML: one layout, shared partials and
// fingerprinted static assets, all embedded in the binary. Each module parses
// its own page templates against the layout at start-up, so a broken
// template stops the process before it serves anyone.
package view

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
)

//go:embed templates/*.html
var baseFS embed.FS

//go:embed pages/*.html
var pagesFS embed.FS

// platformPages are the pages the platform itself renders (errors).
var platformPages = MustParse(mustSub(pagesFS, "pages"))

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// ErrorPage is the data of the error page.
type ErrorPage struct {
	Title   string
	Message string
}

// RenderError writes the shop's error page with status.
func RenderError(w http.ResponseWriter, r *http.Request, status int, title, message string) error {
	return platformPages.Render(w, r, status, "error", Page{Data: ErrorPage{Title: title, Message: message}})
}

// Page is what every template receives: the module's data plus what the
// layout needs.
type Page struct {
	Title string
	Data  any
	Flash *Flash
	Nav   *Nav
	// Path is the request's path and query, for "next" links back to it.
	Path string
}

// SearchQuery is the search words of a /books page, so the header's search
// box shows what the results are for.
func (p Page) SearchQuery() string {
	u, err := url.Parse(p.Path)
	if err != nil || (u.Path != "/books" && !strings.HasPrefix(u.Path, "/books/")) {
		return ""
	}
	return u.Query().Get("q")
}

// Set is one module's parsed pages.
type Set struct {
	pages map[string]*template.Template
}

// Parse builds every *.html page in fsys on top of the layout. A page
// defines "title" and "content"; it may define other blocks the layout
// offers. funcs add a module's own helpers (its labels) to Funcs.
func Parse(fsys fs.FS, funcs ...template.FuncMap) (*Set, error) {
	base, err := template.New("base").Funcs(Funcs()).ParseFS(baseFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	names, err := fs.Glob(fsys, "*.html")
	if err != nil {
		return nil, err
	}
	s := &Set{pages: map[string]*template.Template{}}
	for _, name := range names {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		for _, f := range funcs {
			t.Funcs(f)
		}
		if _, err := t.ParseFS(fsys, name); err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		s.pages[strings.TrimSuffix(path.Base(name), ".html")] = t
	}
	return s, nil
}

// MustParse is Parse for templates embedded in the binary, where an error
// is a programming mistake found by the first test.
func MustParse(fsys fs.FS) *Set {
	s, err := Parse(fsys)
	if err != nil {
		panic(err)
	}
	return s
}

// Pages lists the page names of the set, for tests that render them all.
func (s *Set) Pages() []string {
	out := make([]string, 0, len(s.pages))
	for n := range s.pages {
		out = append(out, n)
	}
	return out
}

// Render writes page with status. It renders into a buffer first, so a
// template error becomes a clean 500 instead of half a page.
func (s *Set) Render(w http.ResponseWriter, r *http.Request, status int, page string, p Page) error {
	t, ok := s.pages[page]
	if !ok {
		return fmt.Errorf("render: no page %q", page)
	}
	p.Nav = NavFrom(r.Context())
	p.Flash = TakeFlash(w, r)
	p.Path = r.URL.RequestURI()
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("render %s: %w", page, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if _, err := buf.WriteTo(w); err != nil {
		slog.Debug("write page", "err", err)
	}
	return nil
}
