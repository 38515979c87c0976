package view

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var staticFS embed.FS

// assets maps a logical name ("app.css") to its fingerprinted address
// ("/static/app.3f2a9c1b.css") and the fingerprinted name back to the
// file, so assets can be cached for a year and still change with each
// release.
var assets = fingerprint()

type assetTable struct {
	// byName holds whole addresses, made once, since every page's layout
	// asks for three.
	byName map[string]string
	byHash map[string]string
}

func fingerprint() assetTable {
	t := assetTable{byName: map[string]string{}, byHash: map[string]string{}}
	_ = fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "static/")
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		t.byName[name] = "/static/" + hashed
		t.byHash[hashed] = p
		return nil
	})
	return t
}

// AssetURL is the cache-busting URL of a static file.
func AssetURL(name string) string {
	if u, ok := assets.byName[name]; ok {
		return u
	}
	return "/static/" + name
}

// StaticHandler serves fingerprinted assets with a long cache lifetime.
func StaticHandler() http.Handler {
	return http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := assets.byHash[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		f, err := staticFS.Open(p)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		// Files of an embed.FS are seekable.
		http.ServeContent(w, r, p, time.Time{}, f.(io.ReadSeeker))
	}))
}
