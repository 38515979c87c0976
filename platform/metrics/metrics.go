// Package metrics owns the process's Prometheus registry, so each process
// (monolith or split) exposes the same series on /metrics.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/platform/config"
)

// Module provides the registry and the HTTP instrumentation, registers the
// collectors that modules contribute with AsCollector, and serves /metrics
// on the private --metrics-addr listener when one is set. The public
// listener never serves them: series name routes and reveal load.
var Module = fx.Module("metrics",
	fx.Provide(func(p struct {
		fx.In
		Pool *pgxpool.Pool `optional:"true"`
	}) *Metrics {
		return New(p.Pool)
	}),
	fx.Invoke(fx.Annotate(register, fx.ParamTags(``, `group:"metrics"`))),
	fx.Invoke(Serve),
)

// AsCollector registers a constructor of a module's prometheus.Collector.
func AsCollector(constructor any) fx.Option {
	return fx.Provide(fx.Annotate(constructor, fx.As(new(prometheus.Collector)), fx.ResultTags(`group:"metrics"`)))
}

func register(m *Metrics, cs []prometheus.Collector) error {
	for _, c := range cs {
		if err := m.Registry.Register(c); err != nil {
			return fmt.Errorf("register metrics: %w", err)
		}
	}
	return nil
}

// Serve listens on cfg.MetricsAddr, if set, while the app runs.
func Serve(lc fx.Lifecycle, cfg config.Config, m *Metrics, log *slog.Logger) {
	if cfg.MetricsAddr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	// Profiles, for measuring before optimizing, on the same private port.
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      2 * time.Minute, // a CPU profile takes 30 s
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	lc.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.MetricsAddr)
			if err != nil {
				return fmt.Errorf("--metrics-addr: %w", err)
			}
			log.Info("serving metrics", "addr", ln.Addr().String())
			go func() {
				if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
					log.Error("metrics server stopped", "err", err)
				}
			}()
			return nil
		},
		OnStop: func(ctx context.Context) error { return srv.Shutdown(ctx) },
	})
}

// Metrics holds the registry and the series the platform records.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	notReady *prometheus.CounterVec
}

// New registers the Go runtime and process series, and the pool's when
// there is one (the gateway has no database).
func New(pool *pgxpool.Pool) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bookstore_http_requests_total",
			Help: "HTTP requests by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bookstore_http_request_duration_seconds",
			Help:    "HTTP request latency by method and route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
		notReady: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bookstore_readiness_check_failures_total",
			Help: "Readiness checks of /readyz requests that failed, by check (drain: the process was stopping); those bookstore_ready runs at a scrape are not counted.",
		}, []string{"check"}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration, m.notReady,
	)
	if pool != nil {
		reg.MustRegister(newPoolCollector(pool))
	}
	return m
}

// Readiness records the outcome of a readiness probe: whether each check
// passed, by name.
func (m *Metrics) Readiness(passed map[string]bool) {
	for name, ok := range passed {
		c := m.notReady.WithLabelValues(name)
		if !ok {
			c.Inc()
		}
	}
}

var readyDesc = prometheus.NewDesc("bookstore_ready",
	"1 when the process is ready (every check of /readyz passes and it is not draining), 0 otherwise; checked at each scrape.", nil, nil)

// NewReady is the collector of bookstore_ready, which asks ready at each
// scrape rather than keeping what the last /readyz found: a process that
// nothing polls (no orchestrator's probe, as in deploy/compose) would
// otherwise say 0 for ever and page as not ready. Checking at scrape time
// needs no goroutine of its own and is as fresh as the scrape; ready gets
// NewScrape's 2 s, and a check that has not answered by then fails. Its
// failures are not counted by Readiness: the registry collects in
// parallel, so a count made during a scrape would show in it or not, by
// chance.
func NewReady(ready func(context.Context) bool) prometheus.Collector {
	return NewScrape("readiness", []*prometheus.Desc{readyDesc}, func(ctx context.Context, ch chan<- prometheus.Metric) error {
		v := 0.0
		if ready(ctx) {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(readyDesc, prometheus.GaugeValue, v)
		return nil
	})
}

// ScrapeFunc reads values when Prometheus scrapes and sends them to ch.
type ScrapeFunc func(ctx context.Context, ch chan<- prometheus.Metric) error

// NewScrape is a collector of values read at scrape time (a count in the
// database, say), so they are as fresh as the scrape and cost nothing in
// between. A read that fails or takes over 2 s leaves its series out of
// that scrape, and is logged, rather than failing the whole scrape.
func NewScrape(name string, descs []*prometheus.Desc, read ScrapeFunc) prometheus.Collector {
	return &scrape{name: name, descs: descs, read: read}
}

type scrape struct {
	name  string
	descs []*prometheus.Desc
	read  ScrapeFunc
}

func (s *scrape) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range s.descs {
		ch <- d
	}
}

func (s *scrape) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.read(ctx, ch); err != nil {
		slog.Warn("metrics: read failed", "collector", s.name, "err", err)
	}
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// statusCodes are the HTTP statuses as label values, made once rather
// than once a request (strconv.Itoa allocates from 100 on).
var statusCodes = func() (codes [600]string) {
	for i := range codes {
		codes[i] = strconv.Itoa(i)
	}
	return codes
}()

func statusCode(status int) string {
	if status >= 0 && status < len(statusCodes) {
		return statusCodes[status]
	}
	return strconv.Itoa(status)
}

// Middleware records each request under its route pattern, not its path,
// so that ids in URLs do not explode the number of series.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		method := methodLabel(r.Method)
		m.requests.WithLabelValues(method, route, statusCode(status)).Inc()
		m.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
	})
}

// methodLabel is a request's method as a label: HTTP lets a client send
// any token as a method, and each new one would add series that live as
// long as the process, so those outside the standard set count as OTHER.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "OTHER"
}

type poolCollector struct {
	pool          *pgxpool.Pool
	total, idle   *prometheus.Desc
	acquired, max *prometheus.Desc
}

func newPoolCollector(pool *pgxpool.Pool) *poolCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("bookstore_db_pool_"+name, help, nil, nil)
	}
	return &poolCollector{
		pool:     pool,
		total:    d("connections", "Open connections."),
		idle:     d("idle_connections", "Idle connections."),
		acquired: d("acquired_connections", "Connections in use."),
		max:      d("max_connections", "Pool size limit."),
	}
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.total
	ch <- c.idle
	ch <- c.acquired
	ch <- c.max
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(c.total, prometheus.GaugeValue, float64(s.TotalConns()))
	ch <- prometheus.MustNewConstMetric(c.idle, prometheus.GaugeValue, float64(s.IdleConns()))
	ch <- prometheus.MustNewConstMetric(c.acquired, prometheus.GaugeValue, float64(s.AcquiredConns()))
	ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(s.MaxConns()))
}
