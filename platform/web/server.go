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
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/metrics"
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

// Module provides the router and runs the server.
var Module = fx.Module("web",
	fx.Provide(NewRouter),
	fx.Invoke(Serve),
)

// RouterParams are what NewRouter needs.
type RouterParams struct {
	fx.In

	Config     config.Config
	Log        *slog.Logger
	Metrics    *metrics.Metrics
	Routes     []Routes     `group:"routes"`
	Middleware []Middleware `group:"middleware"`
	Checks     []Check      `group:"readiness"`
}

// NewRouter assembles the handler every request goes through.
func NewRouter(p RouterParams) http.Handler {
	r := chi.NewRouter()
	r.Use(
		middleware.RequestID,
		p.Metrics.Middleware,
		accessLog(p.Log),
		recoverer,
		securityHeaders(false),
		middleware.Timeout(30*time.Second),
		limitBody,
		withNav,
		crossOrigin,
	)
	mws := slices.Clone(p.Middleware)
	slices.SortStableFunc(mws, func(a, b Middleware) int { return cmp.Compare(a.Order, b.Order) })
	for _, m := range mws {
		r.Use(m.Func)
	}
	r.NotFound(NotFound)
	r.MethodNotAllowed(MethodNotAllowed)
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	r.Get("/readyz", readyz(p.Checks))
	r.Method(http.MethodGet, "/metrics", p.Metrics.Handler())
	r.Method(http.MethodGet, "/static/*", view.StaticHandler())
	for _, add := range p.Routes {
		add(r)
	}
	return r
}

// CheckResult is one line of the readiness report.
type CheckResult struct {
	Name  string `json:"name"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

func readyz(checks []Check) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		status := http.StatusOK
		out := make([]CheckResult, 0, len(checks))
		for _, c := range checks {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			err := c.Func(ctx)
			cancel()
			res := CheckResult{Name: c.Name, OK: err == nil}
			if err != nil {
				status = http.StatusServiceUnavailable
				res.Error = "unreachable"
				Logger(r.Context()).Warn("readiness check failed", "check", c.Name, "err", err)
			}
			out = append(out, res)
		}
		JSON(w, status, map[string]any{"ready": status == http.StatusOK, "checks": out})
	}
}

// Serve listens on the configured address when the app starts and drains
// in-flight requests when it stops.
func Serve(lc fx.Lifecycle, cfg config.Config, h http.Handler, log *slog.Logger) {
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	lc.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.Addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", cfg.Addr, unwrapOpError(err))
			}
			log.Info("serving", "addr", ln.Addr().String())
			go func() {
				if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
					log.Error("server stopped", "err", err)
				}
			}()
			return nil
		},
		OnStop: func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, cfg.ShutdownTimeout)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				_ = srv.Close()
				return fmt.Errorf("drain HTTP requests: %w", err)
			}
			return nil
		},
	})
}

func unwrapOpError(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}
