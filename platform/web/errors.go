package web

import (
	"cmp"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/view"
)

// statusOf is the one place that maps an error kind to an HTTP status.
var statusOf = map[apperr.Kind]int{
	apperr.Internal:             http.StatusInternalServerError,
	apperr.Invalid:              http.StatusUnprocessableEntity,
	apperr.NotFound:             http.StatusNotFound,
	apperr.Conflict:             http.StatusConflict,
	apperr.Unauthenticated:      http.StatusUnauthorized,
	apperr.Forbidden:            http.StatusForbidden,
	apperr.TooMany:              http.StatusTooManyRequests,
	apperr.Unavailable:          http.StatusServiceUnavailable,
	apperr.BadRequest:           http.StatusBadRequest,
	apperr.TooLarge:             http.StatusRequestEntityTooLarge,
	apperr.MethodNotAllowed:     http.StatusMethodNotAllowed,
	apperr.UnsupportedMediaType: http.StatusUnsupportedMediaType,
}

// Status returns the HTTP status for err.
func Status(err error) int { return statusOf[apperr.KindOf(err)] }

// KindOfStatus is the kind of error an HTTP status stands for, the inverse
// of Status, so a client of another process rebuilds the error it was
// answered with; a status outside the table is Internal.
func KindOfStatus(status int) apperr.Kind {
	for k, s := range statusOf {
		if s == status {
			return k
		}
	}
	return apperr.Internal
}

// Refusal is a refused request's error as the API answers it, for an
// answer that carries one per item of a batch.
type Refusal struct {
	Status int `json:"status"`
	ErrorDetail
}

// RefusalOf is err as the API answers it, when err is a refusal (an apperr
// of a kind other than Internal or Unavailable); ok is false for any other
// error, which only Error answers.
func RefusalOf(err error) (r Refusal, ok bool) {
	e := apperr.As(err)
	if e == nil || e.Kind == apperr.Internal || e.Kind == apperr.Unavailable {
		return Refusal{}, false
	}
	return Refusal{Status: statusOf[e.Kind], ErrorDetail: detailOf(e)}, true
}

// detailOf is e as API clients read it.
func detailOf(e *apperr.Error) ErrorDetail {
	return ErrorDetail{Code: e.Code, Message: e.Message, Fields: e.Fields}
}

// Err rebuilds the error the refusal carries: errors.Is matches the
// sentinel it was made from, as on the side that answered it.
func (r Refusal) Err() *apperr.Error {
	return &apperr.Error{Kind: KindOfStatus(r.Status), Code: r.Code, Message: r.Message, Fields: r.Fields}
}

// ErrorBody is the JSON shape of every API error.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail describes one error for API clients.
type ErrorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// Error answers a request that failed: JSON for API clients, the error page
// for browsers. Unclassified errors are logged here, once, and shown to the
// user without detail.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && errors.Is(r.Context().Err(), context.Canceled) {
		// The client left (a browser's stop button, or the gateway giving
		// up on a hung process): nothing failed here and nobody reads the
		// answer. The access log still shows the request, as nginx's 499.
		Logger(r.Context()).Info("request abandoned by its client", "err", err)
		w.WriteHeader(StatusClientClosed)
		return
	}
	e := apperr.As(err)
	if (e == nil || e.Kind == apperr.Internal) && dependencyDown(err) {
		Logger(r.Context()).Warn("request failed: database unavailable", "err", err)
		e = apperr.ErrUnavailable.WithMessage("the shop cannot reach its database right now; please try again in a few seconds").WithRetryAfter(5 * time.Second)
	}
	if e == nil || e.Kind == apperr.Internal {
		if errors.Is(err, http.ErrAbortHandler) {
			panic(err)
		}
		Logger(r.Context()).Error("request failed", "err", err)
		e = apperr.ErrInternal
	}
	status := statusOf[e.Kind]
	if e.Kind == apperr.TooMany || e.Kind == apperr.Unavailable {
		SetRetryAfter(w, e)
	}
	if WantsJSON(r) {
		if e.Kind == apperr.Unauthenticated {
			w.Header().Set("WWW-Authenticate", `Bearer realm="bookstore"`)
		}
		JSON(w, status, ErrorBody{Error: detailOf(e)})
		return
	}
	if e.Kind == apperr.Unauthenticated {
		// A browser is sent to sign in and brought back afterwards.
		view.SetFlash(w, "info", e.Message)
		http.Redirect(w, r, SignInPath+"?next="+url.QueryEscape(returnPath(r)), http.StatusSeeOther)
		return
	}
	if rerr := view.RenderError(w, r, status, http.StatusText(status), e.Message); rerr != nil {
		Logger(r.Context()).Error("render error page", "err", rerr)
		http.Error(w, e.Message, status)
	}
}

// SetRetryAfter tells a refused client when to try again, as Error does,
// for a handler that answers e (TooMany, Unavailable) with a page of its
// own: a form shown again with what was typed.
func SetRetryAfter(w http.ResponseWriter, e *apperr.Error) {
	w.Header().Set("Retry-After", retryAfter(e.RetryAfter))
}

// StatusClientClosed is the status logged for a request its client left
// before the answer (nginx's 499); the client never sees it.
const StatusClientClosed = 499

// SignInPath is the page that signs a browser in; it honours ?next=.
const SignInPath = "/signin"

// returnPath is where to come back after signing in: the page itself for a
// GET, the page the form was on for a POST (its body cannot be replayed).
func returnPath(r *http.Request) string {
	if r.Method == http.MethodGet {
		return r.URL.RequestURI()
	}
	return Back(r, "/")
}

// WantsJSON reports whether the client is an API client rather than a
// browser.
func WantsJSON(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/internal/") {
		return true
	}
	return strings.Contains(r.Header.Get("Accept"), "application/json") && !strings.Contains(r.Header.Get("Accept"), "text/html")
}

// NotFound answers unknown paths.
func NotFound(w http.ResponseWriter, r *http.Request) {
	Error(w, r, apperr.ErrNotFound)
}

// MethodNotAllowed answers a known path with the wrong method, naming in
// Allow the methods it does accept.
func MethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	if allow := allowed(r); len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
	}
	Error(w, r, apperr.New(apperr.MethodNotAllowed, "method_not_allowed", "this address does not accept "+r.Method))
}

// allowed lists the methods the router serves on r's path; HEAD goes
// wherever GET does (see the router's GetHead).
func allowed(r *http.Request) []string {
	rctx := chi.RouteContext(r.Context())
	if rctx == nil || rctx.Routes == nil {
		return nil
	}
	path := cmp.Or(r.URL.RawPath, r.URL.Path)
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if rctx.Routes.Match(chi.NewRouteContext(), m, path) {
			out = append(out, m)
			if m == http.MethodGet {
				out = append(out, http.MethodHead)
			}
		}
	}
	return out
}

// dependencyDown reports whether err says the database (or the network to
// it) is down or restarting, rather than that the request was wrong: the
// client gets a 503 to retry, not a 500.
func dependencyDown(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08 is a connection exception; 57P01-57P03 are a server
		// shutting down, crashing or starting; 53300 is a full server.
		return strings.HasPrefix(pgErr.Code, "08") || slices.Contains([]string{"57P01", "57P02", "57P03", "53300"}, pgErr.Code)
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connErr) || errors.As(err, &netErr) || pgconn.SafeToRetry(err) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE)
}

// retryAfter is the Retry-After header in whole seconds, rounded up, with a
// minute when the error does not say.
func retryAfter(d time.Duration) string {
	if d <= 0 {
		return "60"
	}
	return strconv.Itoa(int((d + time.Second - 1) / time.Second))
}

// Render writes a page, or the error page when it fails to render.
func Render(w http.ResponseWriter, r *http.Request, status int, p view.Page) {
	if err := view.Render(w, r, status, p); err != nil {
		Error(w, r, err)
	}
}
