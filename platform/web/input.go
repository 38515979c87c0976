package web

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/text"
	"github.com/bookstore/bookstore/platform/view"
)

// textHeaders are the request headers handlers read as text.
var textHeaders = []string{"Idempotency-Key"}

// checkText refuses, before any handler runs, a request whose query
// string, form fields or text headers are not text (text.Check): a NUL
// byte or invalid UTF-8 gets a 422 naming the field instead of reaching
// Postgres as a 500. A page's form comes back to be sent again
// (resendForm), answered by offerRefused once the modules' middleware has
// run. JSON strings get the same check in DecodeJSON. A gateway
// (forwards) checks the query and headers only: it must pass the body on
// unread, and the module process it reaches checks the body. So does a
// route whose body is a file (fileBody reports it; see FileBody).
func checkText(forwards bool, fileBody func(*http.Request) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := requestText(r, !forwards && !fileBody(r)); err != nil {
				if f, ok := resendForm(r); ok {
					next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), refusedForm{}, f)))
					return
				}
				Error(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// FileBody is the handler of a route whose request body is a file sent as
// it is, in one media type, which h checks (SentAs) before reading it and
// refuses otherwise with a 415 that says what to send. The router's text
// check (checkText) leaves such a route's body unread even when it comes
// as a form: h never reads a form's fields, and the check's verdict on
// them (a 400 or 422 naming a field) would hide the 415. h must read no
// form, since no field of it is checked.
func FileBody(h http.HandlerFunc) http.Handler { return fileBody{h} }

type fileBody struct{ http.HandlerFunc }

// fileBodies are the routes served by a FileBody, by method and pattern,
// which checkText looks up in the router.
type fileBodies map[string]bool

// add is a chi.WalkFunc that notes the routes served by a FileBody.
func (fb fileBodies) add(method, pattern string, h http.Handler, _ ...func(http.Handler) http.Handler) error {
	if _, ok := h.(fileBody); ok {
		fb[method+" "+pattern] = true
	}
	return nil
}

// of reports whether mux serves r by a FileBody. Only a body checkText
// would read (a form) is looked up, so other requests pay nothing for it.
func (fb fileBodies) of(mux *chi.Mux) func(*http.Request) bool {
	return func(r *http.Request) bool {
		if len(fb) == 0 || r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
			return false
		}
		if mt := mediaType(r); mt != "application/x-www-form-urlencoded" && mt != "multipart/form-data" {
			return false
		}
		// The path as chi routes it.
		path := r.URL.RawPath
		if path == "" {
			path = r.URL.Path
		}
		return fb[r.Method+" "+mux.Find(chi.NewRouteContext(), r.Method, path)]
	}
}

// refusedForm is the context key of a page's form that checkText refused.
type refusedForm struct{}

// offerRefused answers a form checkText refused with the page that offers
// it back, in place of the handler, which never sees it. It runs after
// the modules' middleware, so the page's header is the sender's (signed
// in, their cart): the sign-in middleware's CSRF check, which reads one
// field of the form, has passed by then.
func offerRefused(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f, ok := r.Context().Value(refusedForm{}).(view.Resend); ok {
			Render(w, r, http.StatusUnprocessableEntity, view.Page{Title: "Check the form", Body: view.ResendForm(f)})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// mediaType is the request's Content-Type without its parameters, in lower
// case, as mime.ParseMediaType reads it, for comparing with a media type (a
// malformed value matches none). A value without parameters, as a JSON call
// sends, is read without that parse's allocations.
func mediaType(r *http.Request) string {
	v := r.Header.Get("Content-Type")
	if !strings.Contains(v, ";") {
		return strings.ToLower(strings.TrimSpace(v))
	}
	mt, _, _ := mime.ParseMediaType(v)
	return mt
}

// SentAs reports whether r's body is sent as media type mt (in lower case)
// in UTF-8: mt bare, or with charset=utf-8 alone. A route that reads its
// body as one format checks it before reading, and answers 415 otherwise
// (apperr.ErrMediaType): a form or a text/plain body, which a browser sends
// to any site without asking, or a multipart upload, is never read as
// something it is not. A bare media type, what clients send, is read as
// mediaType reads it, without parsing parameters it does not have.
func SentAs(r *http.Request, mt string) bool {
	v := r.Header.Get("Content-Type")
	if !strings.Contains(v, ";") {
		return mediaType(r) == mt
	}
	got, params, err := mime.ParseMediaType(v)
	if err != nil || got != mt {
		return false
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return false
		}
	}
	return true
}

func requestText(r *http.Request, body bool) error {
	// A malformed pair is left out of the query rather than refused, as
	// r.URL.Query() leaves it out for the handlers.
	q, _ := url.ParseQuery(r.URL.RawQuery)
	if err := checkValues(q); err != nil {
		return err
	}
	for _, h := range textHeaders {
		if err := checkField(h, r.Header.Get(h)); err != nil {
			return err
		}
	}
	if !body || (r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch) {
		return nil
	}
	switch mediaType(r) {
	case "application/x-www-form-urlencoded":
		if err := ParseForm(r); err != nil {
			return err
		}
		return checkValues(r.PostForm)
	case "multipart/form-data":
		if err := ParseMultipart(r); err != nil {
			return err
		}
		return checkValues(r.MultipartForm.Value)
	}
	return nil
}

// resendForm is a page's form that requestText refused for its fields'
// values, to offer back with those values cleaned (text.Clean) and
// marked, so that a control character pasted with the text loses nothing
// typed; ok is false for anything else (an API call, a bad query string
// or header, a field name that is not text: no form of the shop's).
func resendForm(r *http.Request) (f view.Resend, ok bool) {
	if r.Method != http.MethodPost || WantsJSON(r) {
		return f, false
	}
	q, _ := url.ParseQuery(r.URL.RawQuery)
	if checkValues(q) != nil {
		return f, false
	}
	for _, h := range textHeaders {
		if checkField(h, r.Header.Get(h)) != nil {
			return f, false
		}
	}
	values := r.PostForm
	if r.MultipartForm != nil {
		values = r.MultipartForm.Value
		f.Multipart = true
		f.Files = slices.Sorted(maps.Keys(r.MultipartForm.File))
	}
	f.Action = LocalPath(r.URL.RequestURI(), "/")
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if text.Check(name) != nil {
			return f, false
		}
		for _, v := range values[name] {
			fl := view.ResendField{Name: name, Value: v, Secret: strings.Contains(name, "password")}
			if err := text.Check(v); err != nil {
				fl.Value, fl.Problem = text.Clean(v), fmt.Sprintf("this field %s; those characters are removed here: check what is left", err)
				ok = true
			}
			if fl.Secret {
				fl.Value = ""
			}
			f.Fields = append(f.Fields, fl)
		}
	}
	return f, ok
}

func checkValues(v map[string][]string) error {
	names := make([]string, 0, len(v))
	for name := range v {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := checkField("a field name", name); err != nil {
			return err
		}
		for _, s := range v[name] {
			if err := checkField(name, s); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkField is text.Check's verdict on one field, as the error the client
// sees.
func checkField(name, s string) error {
	if err := text.Check(s); err != nil {
		return apperr.ErrInvalid.WithMessage(fmt.Sprintf("%s %s", strconv.Quote(name), err)).
			WithFields(map[string]string{name: err.Error()})
	}
	return nil
}

// multipartMemory is what a multipart form keeps in memory; larger files
// go to temporary files.
const multipartMemory = 8 << 20

// ParseMultipart reads a multipart form, telling a body over the size
// limit (413) apart from a malformed one (400). Its temporary files are
// removed when the request has been answered (removeUploads); every
// reader of a multipart body goes through it, so that none is left on
// disk.
func ParseMultipart(r *http.Request) error {
	if r.MultipartForm != nil {
		return nil
	}
	err := r.ParseMultipartForm(multipartMemory)
	if err == nil {
		if u, ok := r.Context().Value(uploadsKey{}).(*uploads); ok {
			u.forms = append(u.forms, r.MultipartForm)
		}
		return nil
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return apperr.ErrTooLarge.WithMessage("the upload is too large")
	}
	return apperr.ErrBadRequest.WithMessage("the form could not be read as a multipart upload")
}

// uploads are the multipart forms parsed while serving one request. Go's
// server removes the temporary files of the request it handed to the
// router only, and middleware hands on copies of it (r.WithContext), on
// which the forms are parsed: a large upload to any path would stay on
// disk. removeUploads removes them instead, whichever copy parsed them.
type uploads struct{ forms []*multipart.Form }

type uploadsKey struct{}

func removeUploads(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mediaType(r) != "multipart/form-data" {
			next.ServeHTTP(w, r)
			return
		}
		u := &uploads{}
		defer func() {
			for _, f := range u.forms {
				_ = f.RemoveAll()
			}
		}()
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), uploadsKey{}, u)))
	})
}
