// Package view renders the shop's HTML: the layout every page shares, the
// parts module pages build on (fields, selects, pagination, thumbnails,
// status badges, the flash) and fingerprinted static assets, all compiled
// into the binary. Pages are templ components taking typed view structs, so
// a missing field is a compile error, not a blank on the page.
package view

import (
	"bytes"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/a-h/templ"
)

// Page is one page to render: its title (the layout adds the shop's name)
// and its content.
type Page struct {
	Title string
	Body  templ.Component
	// OwnSearch hides the header's search box on a page that has a search
	// form of its own, so no page shows two.
	OwnSearch bool
	// Failed is a page saying that what the visitor did went wrong after
	// all (a payment declined once the order was placed): the success
	// message that action left is not shown beside it.
	Failed bool
	// Private is a page that holds a secret of its own (a single-use
	// link's token) even for a visitor, so no cache may keep it. A
	// signed-in visitor's pages are private already: the sign-in
	// middleware says so for every answer it authenticates.
	Private bool
}

// shell is what the layout needs beside the page.
type shell struct {
	Page
	Nav   *Nav
	Flash *Flash
}

// bufs recycles response buffers: a catalog page is some 30 KB, and growing
// a fresh buffer for each request showed in the allocation profile.
var bufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Buffer is an empty buffer to write a response into before sending it
// whole; PutBuffer returns it once sent.
func Buffer() *bytes.Buffer {
	buf := bufs.Get().(*bytes.Buffer)
	buf.Reset()
	return buf
}

// maxPooled is the largest buffer PutBuffer keeps: a pool keeps what it is
// given, so one large answer (an import's preview was megabytes) would stay
// in memory, idle, for as long as the pool held it.
const maxPooled = 256 << 10

// PutBuffer recycles a buffer from Buffer, unless it grew past maxPooled.
func PutBuffer(buf *bytes.Buffer) {
	if buf.Cap() > maxPooled {
		return
	}
	bufs.Put(buf)
}

// Render writes p in the layout with status. It renders into a buffer
// first, so an error becomes a clean 500 instead of half a page.
func Render(w http.ResponseWriter, r *http.Request, status int, p Page) error {
	s := shell{Page: p, Nav: NavFrom(r.Context()), Flash: TakeFlash(w, r)}
	if status >= 400 && status < 500 {
		// A page answering a request that failed (a form sent back with
		// its messages) says so first thing: a screen reader reads the
		// title as the page loads, before the messages down the form.
		s.Title = "Error: " + s.Title
	}
	if p.Failed && s.Flash != nil && s.Flash.Kind == "success" {
		s.Flash = nil
	}
	buf := Buffer()
	defer PutBuffer(buf)
	if err := layout(s).Render(r.Context(), buf); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// The length lets the server send the page as is, rather than in
	// chunks, each with its own framing.
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	if p.Private {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	if _, err := buf.WriteTo(w); err != nil {
		slog.Debug("write page", "err", err)
	}
	return nil
}

// RenderError writes the shop's error page with status.
func RenderError(w http.ResponseWriter, r *http.Request, status int, title, message string) error {
	return Render(w, r, status, Page{Title: title, Body: errorPage(title, message)})
}
