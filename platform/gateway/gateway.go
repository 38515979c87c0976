// Package gateway is the public face of a split shop: it forwards each page
// and API request to the process of the module that owns its path, and
// serves the static assets and its own probes itself. It holds no route
// list of its own: it learns each module's paths from the route
// declarations the module serves them by, so the two cannot drift.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/coalesce"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/tracing"
	"github.com/bookstore/bookstore/platform/web"
)

// Owner is a module the gateway forwards to: where its process is served
// and the routes the module declares.
type Owner struct {
	Module config.Module
	URL    string
	Routes []web.Routes
}

// Table maps each route pattern to the module that owns it.
type Table map[string]config.Module

// NewTable walks each owner's routes, leaving out internal endpoints,
// which no request through the gateway may reach. A pattern two modules
// declare is an error: the gateway could not tell where to send it.
func NewTable(owners []Owner) (Table, error) {
	t := Table{}
	for _, o := range owners {
		mux := chi.NewRouter()
		for _, add := range o.Routes {
			add(mux)
		}
		err := chi.Walk(mux, func(_ string, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
			if web.IsInternal(route) {
				return nil
			}
			if prev, ok := t[route]; ok && prev != o.Module {
				return fmt.Errorf("gateway: %s and %s both serve %s", prev, o.Module, route)
			}
			t[route] = o.Module
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return t, nil
}

// ResponseTimeout bounds the wait for a module's answer: beyond the 30 s a
// module gives any request, so a hung process gets a 503, never a hang.
const ResponseTimeout = 35 * time.Second

// errorPageTimeout bounds the rendering of the gateway's own error page,
// its header's counts included (web.HeaderTimeout each).
const errorPageTimeout = 2 * time.Second

// transport dials a module briefly, so a process that is down (refused) or
// gone (unroutable) is an immediate 503.
var transport = &http.Transport{
	DialContext:           (&net.Dialer{Timeout: time.Second, KeepAlive: 30 * time.Second}).DialContext,
	MaxIdleConns:          512,
	MaxIdleConnsPerHost:   256,
	IdleConnTimeout:       90 * time.Second,
	ResponseHeaderTimeout: ResponseTimeout,
}

// Routes returns the gateway's routes: every pattern of the owners' tables
// forwarded to its module whatever the method (the module answers 405 as
// the monolith would), a path no module declares forwarded to fallback (so
// its 404 page carries the shop's header), and /internal/ never forwarded.
// The gateway's own error page for a module that is down gets the header
// filled by header (the modules' middleware, over their clients), as every
// page of the shop does; only for GET and HEAD, whose requests the failed
// forward did not consume. Each forward is a client span of tr (nil: not
// traced), so a module's work hangs under the gateway's hop in a trace.
func Routes(owners []Owner, fallback config.Module, tr *tracing.Tracing, header ...web.Middleware) (web.Routes, error) {
	table, err := NewTable(owners)
	if err != nil {
		return nil, err
	}
	proxies := map[config.Module]http.Handler{}
	for _, o := range owners {
		target, err := url.Parse(o.URL)
		if err != nil || target.Host == "" {
			return nil, fmt.Errorf("gateway: %s URL %q: not a base URL", o.Module, o.URL)
		}
		proxies[o.Module] = newProxy(o.Module, target, tr.Transport(transport), header)
	}
	if proxies[fallback] == nil {
		return nil, fmt.Errorf("gateway: no owner for the fallback module %s", fallback)
	}
	patterns := slices.Sorted(maps.Keys(table))
	return func(r chi.Router) {
		r.Handle(web.InternalPrefix+"*", http.HandlerFunc(web.NotFound))
		for _, p := range patterns {
			r.Handle(p, proxies[table[p]])
		}
		r.NotFound(proxies[fallback].ServeHTTP)
	}, nil
}

type savedKey struct{}

// copyBufferSize is the buffer ReverseProxy copies an answer through; it
// would allocate one per answer without a pool.
const copyBufferSize = 32 << 10

// buffers lends the copy buffers, shared by every module's proxy: a
// checkout forwards two answers, and 64 KB of garbage per order made the
// gateway's collector work for nothing.
var buffers = bufferPool{sync.Pool{New: func() any { return new([copyBufferSize]byte) }}}

type bufferPool struct{ pool sync.Pool }

func (b *bufferPool) Get() []byte  { return b.pool.Get().(*[copyBufferSize]byte)[:] }
func (b *bufferPool) Put(p []byte) { b.pool.Put((*[copyBufferSize]byte)(p)) }

// newProxy forwards requests to one module's process. The process trusts
// the gateway's X-Forwarded-For and -Proto (it runs with --trust-proxy), so
// they are set from what the gateway itself believes, never passed on from
// the client.
func newProxy(module config.Module, target *url.URL, rt http.RoundTripper, header []web.Middleware) http.Handler {
	var down http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { web.Error(w, r, ErrModuleDown(module)) })
	withHeader := down
	header = slices.Clone(header)
	slices.SortStableFunc(header, func(a, b web.Middleware) int { return a.Order - b.Order })
	for i := len(header) - 1; i >= 0; i-- {
		withHeader = header[i].Func(withHeader)
	}
	rp := &httputil.ReverseProxy{
		Transport:  rt,
		BufferPool: &buffers,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host
			h := pr.Out.Header
			h.Del(web.InternalTokenHeader)
			proto := "http"
			if web.IsHTTPS(pr.In) {
				proto = "https"
			}
			// One array holds the three values, each header a slice of it
			// capped at its one element (as web's securityHeaders does):
			// one allocation per forward, not three.
			v := [...]string{web.ClientIP(pr.In), proto, middleware.GetReqID(pr.In.Context())}
			h["X-Forwarded-For"] = v[0:1:1]
			h["X-Forwarded-Proto"] = v[1:2:2]
			h[middleware.RequestIDHeader] = v[2:3:3]
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
				return // the client left; nobody reads an answer
			}
			if saved, ok := r.Context().Value(savedKey{}).(http.Header); ok {
				maps.Copy(w.Header(), saved)
			}
			// The error page gets a budget of its own: a module that hung
			// until the request's deadline left it none, and the page fell
			// back to plain text.
			ctx, cancel := coalesce.Detach(r.Context(), errorPageTimeout)
			defer cancel()
			r = r.WithContext(ctx)
			var tooBig *http.MaxBytesError
			switch {
			case errors.As(err, &tooBig):
				web.Error(w, r, apperr.ErrTooLarge)
			case r.Method == http.MethodGet || r.Method == http.MethodHead:
				web.Logger(r.Context()).Warn("module unreachable", "module", module, "err", err)
				withHeader.ServeHTTP(w, r)
			default:
				web.Logger(r.Context()).Warn("module unreachable", "module", module, "err", err)
				down.ServeHTTP(w, r)
			}
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The module's answer carries the same security headers as the
		// gateway's own would; keep them only for an error page of ours.
		saved := w.Header().Clone()
		clear(w.Header())
		rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), savedKey{}, saved)))
	})
}

// ErrModuleDown is the answer for a module whose process does not answer:
// the error page or a JSON error, with the other modules' pages unaffected.
func ErrModuleDown(module config.Module) error {
	return apperr.ErrUnavailable.WithMessage(fmt.Sprintf("this part of the shop (%s) is unavailable right now; please try again in a moment", strings.ToLower(string(module))))
}
