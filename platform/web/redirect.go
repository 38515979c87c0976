package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/bookstore/bookstore/platform/view"
)

// LocalPath returns p when it is a path on this site, else fallback. It
// refuses absolute URLs, scheme-relative ones (//evil.com) and
// backslashes, which browsers read as slashes (/\evil.com), so a "next"
// parameter or a Referer can never send a browser to another host.
func LocalPath(p, fallback string) string {
	if p == "" || p[0] != '/' || len(p) > 2000 ||
		strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\") ||
		strings.IndexFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return fallback
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return fallback
	}
	return p
}

// ListBack is the list a row's form was sent from (its "next" field), as
// it was searched and paged, when that is the list at path; else the whole
// list.
func ListBack(r *http.Request, path string) *url.URL {
	u, err := url.Parse(LocalPath(r.PostFormValue("next"), path))
	if err != nil || u.Path != path {
		return &url.URL{Path: path}
	}
	return u
}

// Back is the page a form was sent from: the Referer's path when it is on
// this host and a safe local path, else fallback.
func Back(r *http.Request, fallback string) string {
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Host != r.Host || ref.Path == "" {
		return fallback
	}
	return LocalPath(ref.RequestURI(), fallback)
}

// Redirect answers a form post: it sets the flash (kind "success", "error"
// or "info"; none when message is empty) and sends the browser to the local
// path to, or to "/" when to is not one.
func Redirect(w http.ResponseWriter, r *http.Request, kind, message, to string) {
	if message != "" {
		view.SetFlash(w, kind, message)
	}
	http.Redirect(w, r, LocalPath(to, "/"), http.StatusSeeOther)
}

// RedirectRefused answers a form post refused for its fields whose form is
// on a page its handler cannot draw (another module's): it sends the
// browser to that page, to, with message and the form, which the page
// shows again with what was typed and the message at each field
// (view.RefusedFormOf).
func RedirectRefused(w http.ResponseWriter, r *http.Request, message string, form view.RefusedForm, to string) {
	view.SetRefusedFlash(w, message, form)
	http.Redirect(w, r, LocalPath(to, "/"), http.StatusSeeOther)
}

// PageLenFunc reports how many items page (numbered from 1) of a list
// holds, for PastTheEnd to find the list's last page.
type PageLenFunc func(page int) (int, error)

// PastTheEnd sends a browser that asked for a page past the end of a list
// (a link kept from when the list was longer, a URL typed by hand) to the
// list's last page, the other parameters kept, saying so, rather than show
// an empty page under a count or a "nothing yet" that is not true; it
// reports whether it answered. param names the page number in the URL, n
// is how many items the page holds, and lenOf reads another page of the
// same list: the lists count nothing, so the last page is found by
// bisection, a few reads (at most log2 view.MaxPage) on this rare path.
func PastTheEnd(w http.ResponseWriter, r *http.Request, param string, page, n int, lenOf PageLenFunc) bool {
	if page <= 1 || n > 0 {
		return false
	}
	last, err := lastPage(page, lenOf)
	if err != nil {
		Error(w, r, fmt.Errorf("find the last page before page %d: %w", page, err))
		return true
	}
	q := r.URL.Query()
	if last == 1 {
		q.Del(param)
	} else {
		q.Set(param, strconv.Itoa(last))
	}
	to := r.URL.Path
	if len(q) > 0 {
		to += "?" + q.Encode()
	}
	Redirect(w, r, "info", fmt.Sprintf("The list has no page %d (it may be shorter now); here is its last page.", page), to)
	return true
}

// CountedPages is the PageLenFunc of a list that counts its items, perPage
// a page: count runs once, when PastTheEnd first asks, and answers for
// every page, where reading pages to bisect costs a read at a deep offset
// each.
func CountedPages(perPage int, count func() (int, error)) PageLenFunc {
	n, counted := 0, false
	return func(page int) (int, error) {
		if !counted {
			var err error
			if n, err = count(); err != nil {
				return 0, err
			}
			counted = true
		}
		return min(max(n-(page-1)*perPage, 0), perPage), nil
	}
}

// lastPage is the last page holding items of a list whose page past is
// empty: 1 when none does, as an empty list is shown on its first page.
func lastPage(past int, lenOf PageLenFunc) (int, error) {
	lo, hi := 1, past-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		n, err := lenOf(mid)
		if err != nil {
			return 0, err
		}
		if n > 0 {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo, nil
}
