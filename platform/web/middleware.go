package web

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/tracing"
	"github.com/bookstore/bookstore/platform/view"
)

// Body limits: most requests are small forms or JSON; multipart uploads
// (photos) get a larger cap and their handlers check each part, as a body
// that is one CSV file (an import through the API) does its size.
const (
	MaxBody          = 1 << 20
	MaxCSVBody       = 4 << 20
	MaxMultipartBody = 40 << 20
)

type loggerKey struct{}

// Logger returns the request's logger, which carries its request id and,
// when it is traced, its trace id. It is made when asked for, which a
// request that logs nothing (most, and every internal call at INFO) never
// does; its base is the router's (requestScope).
func Logger(ctx context.Context) *slog.Logger {
	base, ok := ctx.Value(loggerKey{}).(*slog.Logger)
	if !ok {
		return slog.Default()
	}
	log := base.With("request_id", middleware.GetReqID(ctx))
	if id := tracing.TraceID(ctx); id != "" {
		log = log.With("trace_id", id)
	}
	return log
}

// requestTimeout bounds a request's work: its context's deadline, which
// its database calls honour.
const requestTimeout = 30 * time.Second

// requestIDs number the requests that come without an id, after a prefix
// that tells this process's apart from another's (as chi's RequestID does).
var (
	requestIDPrefix = newRequestIDPrefix()
	requestIDs      atomic.Uint64
)

func newRequestIDPrefix() string {
	host, err := os.Hostname()
	if host == "" || err != nil {
		host = "localhost"
	}
	return host + "/" + rand.Text()[:10]
}

// requestScope gives the request, in one copy of it, what every later step
// reads from its context: its id (the client's X-Request-Id, or a new one;
// middleware.GetReqID reads it), the base of its logger (see Logger) and
// the deadline of its work (requestTimeout; deadline answers 504 past it).
// Each of chi's RequestID, the access log and chi's Timeout copied the
// request for its own value.
func requestScope(base *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get(middleware.RequestIDHeader)
			if id == "" {
				var b [64]byte
				id = string(strconv.AppendUint(append(append(b[:0], requestIDPrefix...), '-'), requestIDs.Add(1), 10))
			}
			ctx := context.WithValue(context.WithValue(r.Context(), middleware.RequestIDKey, id), loggerKey{}, base)
			ctx, cancel := context.WithTimeout(ctx, requestTimeout)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// deadline answers 504 when the request's work outlived its deadline
// (requestScope), as chi's Timeout does, from where it ran: inside the
// security headers, so the answer carries them.
func deadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if errors.Is(r.Context().Err(), context.DeadlineExceeded) {
			w.WriteHeader(http.StatusGatewayTimeout)
		}
	})
}

// accessLog writes one record per request, after it ends, when its level
// is enabled. It never logs headers or bodies, where cookies, tokens and
// passwords travel. Heartbeats log at DEBUG (see accessLevel).
func accessLog(base *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			// The metrics' wrapper, just outside, counts the same answer.
			ww, ok := w.(middleware.WrapResponseWriter)
			if !ok {
				ww = middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			}
			next.ServeHTTP(ww, r)
			status := ww.Status()
			if status == 0 {
				status = http.StatusOK
			}
			ctx := r.Context()
			level := accessLevel(r.URL.Path, status)
			if !base.Enabled(ctx, level) {
				return
			}
			Logger(ctx).LogAttrs(ctx, level, "http",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Int("bytes", ww.BytesWritten()),
				slog.Duration("took", time.Since(start)),
			)
		})
	}
}

// accessLevel keeps an operator's log to events: the processes' own polls
// (a split auth answers /internal/v1/auth/user-changes every 2 s per
// process) and the probes' successes are heartbeats, logged at DEBUG. Their
// failures (a wrong internal token, a replica not ready) stay at INFO.
func accessLevel(path string, status int) slog.Level {
	if status < http.StatusBadRequest && (IsInternal(path) || path == "/healthz" || path == "/readyz") {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// recoverer turns a panic into the error page or JSON error; the stack goes
// to the log only.
func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			rec := recover()
			if rec == nil || rec == http.ErrAbortHandler {
				if rec != nil {
					panic(rec)
				}
				return
			}
			Logger(r.Context()).Error("panic", "panic", fmt.Sprint(rec), "stack", string(debug.Stack()))
			Error(w, r, apperr.ErrInternal)
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBody caps what a handler can read.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, tooLarge := int64(MaxBody), "the request is larger than %d MB"
		switch mediaType(r) {
		case "multipart/form-data":
			// A person chose the files, and is told what to choose instead.
			limit, tooLarge = MaxMultipartBody, "the form and its files together are larger than %d MB; go back and choose fewer or smaller files"
		case "text/csv":
			limit = MaxCSVBody
		}
		if r.ContentLength > limit {
			Error(w, r, apperr.ErrTooLarge.WithMessage(fmt.Sprintf(tooLarge, limit>>20)))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets the headers every response a browser may see
// carries. The policy allows only this origin, since the shop loads nothing
// from elsewhere. HSTS goes on HTTPS responses (IsHTTPS), where browsers
// honour it. An internal call's answer goes to another process of the
// shop, never to a browser (the gateway does not forward /internal/), so
// it goes without them rather than send and parse five headers per call.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if IsInternal(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		// One array holds every value, each header a slice of it capped at
		// its one element, so a handler's Add copies rather than writing
		// into the next header's value: one allocation, not one per header.
		v := [...]string{
			"default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
			"nosniff",
			"DENY",
			"same-origin",
			// The camera only for this origin: the new-listing form scans
			// a book's barcode (app.js), and the browser still asks the
			// user.
			"camera=(self), microphone=(), geolocation=()",
			"max-age=31536000; includeSubDomains",
		}
		h["Content-Security-Policy"] = v[0:1:1]
		h["X-Content-Type-Options"] = v[1:2:2]
		h["X-Frame-Options"] = v[2:3:3]
		h["Referrer-Policy"] = v[3:4:4]
		h["Permissions-Policy"] = v[4:5:5]
		if IsHTTPS(r) {
			h["Strict-Transport-Security"] = v[5:6:6]
		}
		next.ServeHTTP(w, r)
	})
}

// secureCookies marks every cookie Secure on a request that reached the
// shop over HTTPS (IsHTTPS: to this process, or to the load balancer under
// --trust-proxy), so no handler can forget it.
func secureCookies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if IsHTTPS(r) {
			w = &secureCookieWriter{ResponseWriter: w}
		}
		next.ServeHTTP(w, r)
	})
}

type secureCookieWriter struct {
	http.ResponseWriter
	wrote bool
}

func (s *secureCookieWriter) WriteHeader(code int) {
	if !s.wrote {
		s.wrote = true
		cookies := s.Header()["Set-Cookie"]
		for i, v := range cookies {
			if c, err := http.ParseSetCookie(v); err == nil && !c.Secure {
				cookies[i] = v + "; Secure"
			}
		}
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *secureCookieWriter) Write(b []byte) (int, error) {
	if !s.wrote {
		s.WriteHeader(http.StatusOK)
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (s *secureCookieWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// withNav gives every request that may answer a page (HasHeader) an empty
// header model for modules to fill; the JSON API, the internal calls and
// the probes render none.
func withNav(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !HasHeader(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(view.WithNav(r.Context(), &view.Nav{})))
	})
}

// crossOrigin rejects unsafe cross-site requests from browsers (CSRF), the
// attack on a credential the browser adds by itself: the session cookie.
// A request with a bearer token passes, whatever its origin: a page on
// another site cannot make a browser send one without the shop's CORS
// consent, which it never gives, and such a request is never taken for the
// cookie's holder (HasBearer). Other schemes, like the Basic credentials a
// browser may keep for a site behind a password, are checked as cookies.
func crossOrigin(next http.Handler) http.Handler {
	p := http.NewCrossOriginProtection()
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Error(w, r, apperr.New(apperr.Forbidden, "csrf", "this form was sent from another site and was refused; go back, reload the page and try again"))
	}))
	checked := p.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if HasBearer(r) {
			next.ServeHTTP(w, r)
			return
		}
		checked.ServeHTTP(w, r)
	})
}

// HasBearer reports whether r's Authorization header is of the Bearer
// scheme, with a token or not. Such a request is authenticated by that
// token or not at all, never by the session cookie it may also carry:
// crossOrigin lets it through, so the cookie must not stand in for a token
// that is wrong or missing.
func HasBearer(r *http.Request) bool {
	scheme, _, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	return strings.EqualFold(scheme, "Bearer")
}
