// Package web is the process's HTTP server: the chi router that modules
// add routes to, the middleware every request goes through, health and
// readiness, and the one mapping from errors to responses.
package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/metrics"
	"github.com/bookstore/bookstore/platform/tracing"
	"github.com/bookstore/bookstore/platform/view"
)

// Routes adds a module's routes to the shared router.
type Routes func(chi.Router)

// Middleware is a module's middleware for every request; lower Order runs
// first (auth resolves the user before orders counts their cart).
type Middleware struct {
	Order int
	Func  func(http.Handler) http.Handler
}

// Check is one readiness probe.
type Check struct {
	Name string
	Func func(context.Context) error
}

// AsRoutes registers a constructor of a module's Routes.
func AsRoutes(constructor any) fx.Option {
	return fx.Provide(fx.Annotate(constructor, fx.ResultTags(`group:"routes"`)))
}

// AsMiddleware registers a constructor of a module's Middleware.
func AsMiddleware(constructor any) fx.Option {
	return fx.Provide(fx.Annotate(constructor, fx.ResultTags(`group:"middleware"`)))
}

// AsCheck registers a constructor of a readiness Check.
func AsCheck(constructor any) fx.Option {
	return fx.Provide(fx.Annotate(constructor, fx.ResultTags(`group:"readiness"`)))
}

// Module provides the router and runs the server, and reports the
// process's readiness in the metrics.
var Module = fx.Module("web",
	fx.Provide(NewRouter, func() *Drain { return &Drain{} }),
	metrics.AsCollector(newReadyMetric),
	fx.Invoke(Serve),
)

// Drain is a process on its way out. From Start on, /readyz answers 503, so
// the load balancer stops choosing this process, while requests still
// arriving are served; each response asks the client (the balancer) to
// close its connection, so that when the listener closes no idle
// connection is left that the balancer might be sending a request on.
type Drain struct{ on atomic.Bool }

// Start begins draining; it cannot be undone.
func (d *Drain) Start() {
	if d != nil {
		d.on.Store(true)
	}
}

// Draining reports whether Start was called.
func (d *Drain) Draining() bool { return d != nil && d.on.Load() }

func (d *Drain) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.Draining() {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}

// RouterParams are what NewRouter needs.
type RouterParams struct {
	fx.In

	Config     config.Config
	Log        *slog.Logger
	Metrics    *metrics.Metrics
	Tracing    *tracing.Tracing `optional:"true"`
	Drain      *Drain           `optional:"true"`
	Routes     []Routes         `group:"routes"`
	Middleware []Middleware     `group:"middleware"`
	Checks     []Check          `group:"readiness"`
}

// NewRouter assembles the handler every request goes through.
func NewRouter(p RouterParams) http.Handler {
	r := chi.NewRouter()
	files := fileBodies{}
	r.Use(
		trustProxy(p.Config.TrustProxy),
		requestScope(p.Log),
		p.Tracing.Middleware,
		p.Metrics.Middleware,
		accessLog(p.Log),
		recoverer,
		p.Drain.middleware,
		middleware.GetHead,
		securityHeaders,
		secureCookies,
		deadline,
		limitBody,
		removeUploads,
		internalOnly(p.Config.InternalToken),
		withNav,
		crossOrigin,
		// After the cross-origin check, so that only the shop's own
		// pages have a refused form offered back (resendForm).
		checkText(p.Config.Gateway, files.of(r)),
	)
	mws := slices.Clone(p.Middleware)
	slices.SortStableFunc(mws, func(a, b Middleware) int { return cmp.Compare(a.Order, b.Order) })
	for _, m := range mws {
		r.Use(m.Func)
	}
	r.Use(offerRefused)
	r.NotFound(NotFound)
	r.MethodNotAllowed(MethodNotAllowed)
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	r.Get("/readyz", readyz(p.Drain, p.Checks, p.Metrics))
	r.Method(http.MethodGet, "/static/*", view.StaticHandler())
	for _, add := range p.Routes {
		add(r)
	}
	// Every route is known by now, before the first request; files.add
	// returns no error.
	_ = chi.Walk(r, files.add)
	return r
}

// CheckResult is one line of the readiness report.
type CheckResult struct {
	Name  string `json:"name"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// readiness is what the readiness checks found.
type readiness struct {
	draining bool
	checks   []CheckResult
	ready    bool
}

// checkReadiness runs every check; a draining process runs none.
func checkReadiness(ctx context.Context, drain *Drain, checks []Check) readiness {
	if drain.Draining() {
		return readiness{draining: true}
	}
	out := readiness{checks: make([]CheckResult, 0, len(checks)), ready: true}
	for _, c := range checks {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := c.Func(cctx)
		cancel()
		res := CheckResult{Name: c.Name, OK: err == nil}
		if err != nil {
			out.ready = false
			res.Error = "unreachable"
			Logger(ctx).Warn("readiness check failed", "check", c.Name, "err", err)
		}
		out.checks = append(out.checks, res)
	}
	return out
}

// readyz answers whether the process is ready and counts each failed check
// in the metrics, where a readiness that flaps shows up; a draining
// process counts as failing the check "drain".
func readyz(drain *Drain, checks []Check, m *metrics.Metrics) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		res := checkReadiness(r.Context(), drain, checks)
		if res.draining {
			m.Readiness(map[string]bool{"drain": false})
			JSON(w, http.StatusServiceUnavailable, map[string]any{"ready": false, "draining": true})
			return
		}
		passed := make(map[string]bool, len(res.checks))
		for _, c := range res.checks {
			passed[c.Name] = c.OK
		}
		m.Readiness(passed)
		status := http.StatusOK
		if !res.ready {
			status = http.StatusServiceUnavailable
		}
		JSON(w, status, map[string]any{"ready": res.ready, "checks": res.checks})
	}
}

// readyMetricParams are what newReadyMetric needs: the same checks and
// drain as /readyz.
type readyMetricParams struct {
	fx.In

	Drain  *Drain
	Checks []Check `group:"readiness"`
}

// newReadyMetric makes bookstore_ready run the checks of /readyz at each
// scrape (see metrics.NewReady for why).
func newReadyMetric(p readyMetricParams) prometheus.Collector {
	return metrics.NewReady(func(ctx context.Context) bool {
		return checkReadiness(ctx, p.Drain, p.Checks).ready
	})
}

// Serve listens on the configured address when the app starts and drains
// in-flight requests when it stops. With a certificate (or ACME) it serves
// HTTPS only: a plain-HTTP client on that port gets a 400 and no page.
func Serve(lc fx.Lifecycle, cfg config.Config, h http.Handler, log *slog.Logger) error {
	tlsConfig, challenge, err := serverTLS(cfg, log)
	if err != nil {
		return err
	}
	errorLog := slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           h,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          errorLog,
	}
	servers := []*http.Server{srv}
	var redirect *http.Server
	if challenge != nil {
		redirect = &http.Server{
			Addr:              cfg.ACMEHTTPAddr,
			Handler:           challenge,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      30 * time.Second,
			ErrorLog:          errorLog,
		}
		servers = append(servers, redirect)
	}
	lc.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			ln, err := listen(ctx, "--addr", cfg.Addr)
			if err != nil {
				return err
			}
			if redirect != nil {
				rln, err := listen(ctx, "--acme-http-addr", cfg.ACMEHTTPAddr)
				if err != nil {
					_ = ln.Close()
					return err
				}
				log.Info("serving ACME challenges and redirects to HTTPS", "addr", rln.Addr().String())
				go run(log, func() error { return redirect.Serve(rln) })
			}
			log.Info("serving", "addr", ln.Addr().String(), "https", tlsConfig != nil, "trust_proxy", cfg.TrustProxy)
			if tlsConfig != nil {
				go run(log, func() error { return srv.ServeTLS(ln, "", "") })
			} else {
				go run(log, func() error { return srv.Serve(ln) })
			}
			return nil
		},
		OnStop: func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, cfg.ShutdownTimeout)
			defer cancel()
			var errs []error
			for _, s := range servers {
				if err := s.Shutdown(ctx); err != nil {
					_ = s.Close()
					errs = append(errs, err)
				}
			}
			if err := errors.Join(errs...); err != nil {
				return fmt.Errorf("drain HTTP requests: %w", err)
			}
			return nil
		},
	})
	return nil
}

// listen names the flag that set addr in its error, so that the operator
// knows which setting to change.
func listen(ctx context.Context, flag, addr string) (net.Listener, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: listen on %s: %w", flag, addr, unwrapOpError(err))
	}
	return ln, nil
}

func run(log *slog.Logger, serve func() error) {
	if err := serve(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("server stopped", "err", err)
	}
}

func unwrapOpError(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}
