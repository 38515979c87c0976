// Package apidoc serves the contract of the JSON API: the OpenAPI document
// at /api/v1/openapi.json and a reference page rendered from it at
// /api/docs. The viewer is swagger-ui-dist from npm (package-lock.json
// here), copied into viewer/ by make and embedded, so the page loads
// nothing from another host.
package apidoc

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"go.uber.org/fx"
	"go.yaml.in/yaml/v3"

	"github.com/bookstore/bookstore/platform/web"
)

// Paths of what this package serves.
const (
	DocumentPath = "/api/v1/openapi.json"
	DocsPath     = "/api/docs"
)

//go:embed openapi.yaml
var source []byte

// viewerFS holds the copied viewer files; before make has copied them it
// holds only its README, and the page says so instead of failing.
//
//go:embed viewer docs.js
var viewerFS embed.FS

// Document returns the OpenAPI document as JSON. The source is YAML, for
// its comments and anchors; it is converted once.
var Document = sync.OnceValue(func() []byte {
	var doc any
	if err := yaml.Unmarshal(source, &doc); err != nil {
		panic(fmt.Sprintf("apidoc: openapi.yaml: %v", err)) // caught by the package's tests
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(fmt.Sprintf("apidoc: openapi.yaml to JSON: %v", err))
	}
	return b
})

// ViewerBuilt reports whether the viewer was copied in before the build.
func ViewerBuilt() bool {
	_, err := fs.Stat(viewerFS, "viewer/swagger-ui-bundle.js")
	return err == nil
}

// Module serves the document and the reference page in every process.
var Module = fx.Module("apidoc", web.AsRoutes(Routes))

// Routes returns the document's and the reference page's routes.
func Routes() web.Routes {
	return func(r chi.Router) {
		r.Get(DocumentPath, serveDocument)
		r.Get(DocsPath, servePage)
		r.Get(DocsPath+"/{file}", serveAsset)
	}
}

func serveDocument(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "openapi.json", time.Time{}, bytes.NewReader(Document()))
}

func servePage(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := docsPage(ViewerBuilt()).Render(r.Context(), &buf); err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

// assets are the files the page may load; nothing else in viewerFS is served.
var assets = map[string]string{
	"swagger-ui.css":       "viewer/swagger-ui.css",
	"swagger-ui-bundle.js": "viewer/swagger-ui-bundle.js",
	"docs.js":              "docs.js",
	"LICENSE":              "viewer/LICENSE",
	"NOTICE":               "viewer/NOTICE",
}

func serveAsset(w http.ResponseWriter, r *http.Request) {
	name, ok := assets[chi.URLParam(r, "file")]
	b, err := viewerFS.ReadFile(name)
	if !ok || err != nil {
		web.NotFound(w, r)
		return
	}
	if path.Ext(name) == "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}
