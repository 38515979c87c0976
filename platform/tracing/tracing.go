// Package tracing gives the process OpenTelemetry traces: the HTTP server
// and clients, every SQL statement and every River job, with W3C trace
// context carried across processes (HTTP headers) and into jobs (their
// metadata), so one trace follows an order from the request that placed it
// through its payment and shipping jobs.
//
// It is off unless OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, and off means free: no
// instrumentation is installed at all, so requests, queries and jobs take
// the same path as in a build without it.
package tracing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/exaring/otelpgx"
	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/riverqueue/rivercontrib/otelriver"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/platform/config"
)

// scope names the spans this package and its Start helper create.
const scope = "github.com/bookstore/bookstore"

// Tracing is the process's tracer provider and the instrumentation built
// on it. The zero value (and a nil pointer) is tracing switched off.
type Tracing struct {
	tp *sdktrace.TracerProvider
}

// propagator is W3C trace context, the one format every hop speaks.
var propagator = propagation.TraceContext{}

// Module provides *Tracing from the environment and flushes it on stop.
var Module = fx.Module("tracing", fx.Provide(fromEnv))

func fromEnv(lc fx.Lifecycle, cfg config.Config, log *slog.Logger) (*Tracing, error) {
	t, err := FromEnv(context.Background(), ServiceName(cfg))
	if err != nil {
		return nil, err
	}
	if t.Enabled() {
		log.Info("tracing on", "service", ServiceName(cfg))
	}
	lc.Append(fx.Hook{OnStop: t.Shutdown})
	return t, nil
}

// ServiceName is service.name for the process cfg configures: "bookstore"
// for the monolith, "bookstore-orders" for one module of the split shop,
// "bookstore-gateway" for its gateway. OTEL_SERVICE_NAME overrides it.
func ServiceName(cfg config.Config) string {
	if cfg.Gateway {
		return "bookstore-" + config.Gateway
	}
	modules := cfg.Modules
	if len(modules) == 0 || len(modules) == len(config.AllModules) {
		return "bookstore"
	}
	names := make([]string, len(modules))
	for i, m := range modules {
		names[i] = string(m)
	}
	return "bookstore-" + strings.Join(names, "-")
}

// Enabled reports whether the standard variables ask for traces.
func Enabled() bool {
	if strings.EqualFold(os.Getenv("OTEL_SDK_DISABLED"), "true") || os.Getenv("OTEL_TRACES_EXPORTER") == "none" {
		return false
	}
	return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// FromEnv exports spans over OTLP/HTTP as the standard OTEL_EXPORTER_OTLP_*
// variables say (endpoint, headers, timeout, TLS), or returns tracing off
// when they name no endpoint.
func FromEnv(ctx context.Context, service string) (*Tracing, error) {
	if !Enabled() {
		return &Tracing{}, nil
	}
	for _, v := range []string{"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"} {
		if p := os.Getenv(v); p != "" && p != "http/protobuf" {
			return nil, fmt.Errorf("%s=%s: only http/protobuf is supported (the collector's port 4318)", v, p)
		}
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName(service)),
		resource.WithFromEnv(), // OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
		resource.WithTelemetrySDK(),
	)
	if err != nil {
		return nil, fmt.Errorf("trace resource: %w", err)
	}
	return New(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)), nil
}

// New turns tracing on with the given processors (tests pass a
// synchronous one with an in-memory exporter).
func New(opts ...sdktrace.TracerProviderOption) *Tracing {
	opts = append([]sdktrace.TracerProviderOption{sdktrace.WithSampler(sdktrace.ParentBased(entryPoints{}))}, opts...)
	return &Tracing{tp: sdktrace.NewTracerProvider(opts...)}
}

// Enabled reports whether spans are recorded.
func (t *Tracing) Enabled() bool { return t != nil && t.tp != nil }

// Shutdown flushes the spans not yet exported.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if !t.Enabled() {
		return nil
	}
	if err := t.tp.Shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("flush traces: %w", err)
	}
	return nil
}

// entryPoints starts a trace only where work enters the process: a request
// (server span) or a job (consumer span). River's own polling and
// maintenance run SQL and insert jobs outside any of them; those spans
// would be noise, so they are dropped. Spans with a parent follow it.
type entryPoints struct{}

func (entryPoints) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	if p.Kind == trace.SpanKindServer || p.Kind == trace.SpanKindConsumer {
		return sdktrace.SamplingResult{Decision: sdktrace.RecordAndSample, Tracestate: trace.SpanContextFromContext(p.ParentContext).TraceState()}
	}
	return sdktrace.SamplingResult{Decision: sdktrace.Drop}
}

func (entryPoints) Description() string { return "EntryPoints" }

// untraced are paths probed every few seconds or fetched by every page;
// a trace of each would bury the ones that matter.
func untraced(r *http.Request) bool {
	p := r.URL.Path
	return p == "/healthz" || p == "/readyz" || p == "/metrics" || strings.HasPrefix(p, "/static/")
}

// Middleware traces each request as a server span named after its route
// pattern ("GET /api/v1/orders/{id}"), continuing the caller's trace from
// its traceparent header. It must run inside a chi router, which knows the
// pattern once the request has been routed. Off: next itself.
func (t *Tracing) Middleware(next http.Handler) http.Handler {
	if !t.Enabled() {
		return next
	}
	named := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			span := trace.SpanFromContext(r.Context())
			span.SetName(r.Method + " " + rc.RoutePattern())
			span.SetAttributes(semconv.HTTPRoute(rc.RoutePattern()))
		}
	})
	return otelhttp.NewHandler(named, "http",
		otelhttp.WithTracerProvider(t.tp),
		otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelhttp.WithPropagators(propagator),
		otelhttp.WithFilter(func(r *http.Request) bool { return !untraced(r) }),
		otelhttp.WithSpanNameFormatter(serverSpanName),
	)
}

// serverSpanName names a server span before the request is routed (its
// method alone) and again after, when chi set the request's Pattern on the
// request otelhttp holds (no middleware between them copied it): otelhttp
// then renames the span with this, after named did.
func serverSpanName(_ string, r *http.Request) string {
	if r.Pattern != "" {
		return r.Method + " " + r.Pattern
	}
	return r.Method
}

// Transport traces the requests of an HTTP client (the remote module
// clients of split mode) as client spans and sends W3C trace context in
// their headers, so the called process continues the same trace. base nil
// means http.DefaultTransport. Off: base itself, untouched.
func (t *Tracing) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	if !t.Enabled() {
		return base
	}
	return otelhttp.NewTransport(base,
		otelhttp.WithTracerProvider(t.tp),
		otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelhttp.WithPropagators(propagator),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }),
	)
}

// QueryTracer traces every SQL statement of a pgx pool, named after its
// sqlc query ("InsertOrder") or else its first word ("SELECT"). Parameters
// are never recorded: they carry addresses and password hashes. Off: nil,
// which pgx takes as no tracer.
func (t *Tracing) QueryTracer() pgx.QueryTracer {
	if !t.Enabled() {
		return nil
	}
	return otelpgx.NewTracer(
		otelpgx.WithTracerProvider(t.tp),
		otelpgx.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelpgx.WithDisableAcquireTracer(),
		otelpgx.WithDisableConnectionDetailsInAttributes(),
		otelpgx.WithSpanNameCtxFunc(queryName),
	)
}

// queryName is sqlc's name for a query ("-- name: InsertOrder :one").
func queryName(ctx context.Context, sql string) string {
	if rest, ok := strings.CutPrefix(sql, "-- name: "); ok {
		if name, _, ok := strings.Cut(rest, " "); ok {
			return name
		}
	}
	return otelpgx.SQLOperationName(ctx, sql)
}

// RiverMiddleware traces job insertion and work. A job's trace context
// travels in its metadata, and its work span is a child of the span that
// inserted it, so the trace of a checkout goes on into its charge job and
// the shipping steps after it (otelriver alone would only link them). A job
// that carries a trace of its own (JobMetadata) keeps it, so one insert of
// several requests' jobs continues each request's trace. Off: nil.
func (t *Tracing) RiverMiddleware() []rivertype.Middleware {
	if !t.Enabled() {
		return nil
	}
	// The order matters: continueTrace sets the parent of otelriver's
	// work span, and writeTrace, inside otelriver's insert span, writes
	// that span into the jobs without a trace of their own. otelriver's
	// own propagation is off, since it overwrites a job's trace.
	return []rivertype.Middleware{
		&continueTrace{},
		otelriver.NewMiddleware(&otelriver.MiddlewareConfig{
			TracerProvider:              t.tp,
			MeterProvider:               metricnoop.NewMeterProvider(),
			EnableWorkSpanJobKindSuffix: true,
		}),
		&writeTrace{},
	}
}

// continueTrace puts the trace context stored in a job's metadata into the
// context its work span starts from. A job inserted outside any trace (by
// River's periodic scheduler, say) carries an unsampled context; such a job
// starts a trace of its own instead of being left out.
type continueTrace struct{ river.MiddlewareDefaults }

func (*continueTrace) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	if parent := propagator.Extract(ctx, metadataCarrier(job.Metadata)); trace.SpanContextFromContext(parent).IsSampled() {
		ctx = parent
	}
	return doInner(ctx)
}

// writeTrace writes the trace context of the insert into the metadata of
// each job that does not carry one already.
type writeTrace struct{ river.MiddlewareDefaults }

func (*writeTrace) InsertMany(ctx context.Context, params []*rivertype.JobInsertParams, doInner func(context.Context) ([]*rivertype.JobInsertResult, error)) ([]*rivertype.JobInsertResult, error) {
	for _, p := range params {
		if metadataCarrier(p.Metadata).Get("traceparent") != "" {
			continue
		}
		m, err := withTrace(ctx, p.Metadata)
		if err != nil {
			return nil, fmt.Errorf("trace of a %s job: %w", p.Kind, err)
		}
		p.Metadata = m
	}
	return doInner(ctx)
}

// JobMetadata is the metadata (river.InsertOpts.Metadata) of a job whose
// work continues the trace of ctx rather than that of the call inserting
// it: a batch that inserts the jobs of several requests in one statement
// gives each its request's. nil outside any trace, so it costs nothing
// when tracing is off.
func JobMetadata(ctx context.Context) []byte {
	m, _ := withTrace(ctx, nil) // no metadata to parse: it cannot fail
	return m
}

// withTrace returns metadata, a JSON object or empty, with the W3C trace
// context of ctx under the keys otelriver would write.
func withTrace(ctx context.Context, metadata []byte) ([]byte, error) {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return metadata, nil
	}
	c := propagation.MapCarrier{}
	propagator.Inject(ctx, c)
	m := map[string]json.RawMessage{}
	if len(metadata) > 0 {
		if err := json.Unmarshal(metadata, &m); err != nil {
			return nil, fmt.Errorf("job metadata: %w", err)
		}
	}
	for k, v := range c {
		m[k], _ = json.Marshal(v)
	}
	return json.Marshal(m)
}

// metadataCarrier reads the W3C keys of a job's metadata.
func metadataCarrier(metadata []byte) propagation.MapCarrier {
	var m map[string]any
	if err := json.Unmarshal(metadata, &m); err != nil {
		return nil
	}
	c := propagation.MapCarrier{}
	for _, k := range propagator.Fields() {
		if v, ok := m[k].(string); ok {
			c[k] = v
		}
	}
	return c
}

// Start begins a span for a step of the caller's own (a cross-module call,
// say) as a child of the span in ctx, with that span's provider. Without a
// recording span in ctx (tracing off, or outside any request or job) it
// returns ctx and a no-op span, and costs nothing.
func Start(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	parent := trace.SpanFromContext(ctx)
	if !parent.IsRecording() {
		return ctx, parent
	}
	return parent.TracerProvider().Tracer(scope).Start(ctx, name, trace.WithAttributes(attrs...))
}

// Parent is the W3C trace context of the span in ctx, to store beside work
// that a later batch resumes from a row rather than from a job of its own
// (see Resume) or to send with a batched call; "" outside any trace,
// found without allocating, so every checkout may ask for it when
// tracing is off.
func Parent(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ""
	}
	c := propagation.MapCarrier{}
	propagator.Inject(ctx, c)
	return c.Get("traceparent")
}

// Resume records a span named name, from start until now, as a child of a
// trace context that Parent stored, with the provider of the span in ctx
// (the batch's own, which it links to). Without a recording span in ctx or
// a valid parent it records nothing.
func Resume(ctx context.Context, parent, name string, start time.Time, attrs ...attribute.KeyValue) {
	batch := trace.SpanFromContext(ctx)
	if !batch.IsRecording() || parent == "" {
		return
	}
	pctx := propagator.Extract(context.Background(), propagation.MapCarrier{"traceparent": parent})
	if !trace.SpanContextFromContext(pctx).IsValid() {
		return
	}
	_, span := batch.TracerProvider().Tracer(scope).Start(pctx, name, trace.WithTimestamp(start),
		trace.WithAttributes(attrs...), trace.WithLinks(trace.Link{SpanContext: batch.SpanContext()}))
	span.End()
}

// Parents returns the trace contexts (Parent) of the calls that one
// batched request serves, in their order, or nil when none was traced: a
// request sends them so that the called process records its work in each
// call's own trace (ResumeAll), and none outside any trace.
func Parents[T any](calls []T, parent func(T) string) []string {
	var out []string // made at the first traced call: a batch outside any trace allocates nothing
	for i, c := range calls {
		p := parent(c)
		if p != "" && out == nil {
			out = make([]string, len(calls))
		}
		if out != nil {
			out[i] = p
		}
	}
	return out
}

// ResumeAll records the work of a batched request, from start until now,
// as a span named name in the trace of each call it served (Resume), given
// the request's trace contexts (Parents); attrs, when not nil, gives the
// attributes of the span of the i-th call. Without a recording span in ctx
// it records nothing and asks attrs for nothing.
func ResumeAll(ctx context.Context, parents []string, name string, start time.Time, attrs func(i int) []attribute.KeyValue) {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return
	}
	for i, parent := range parents {
		var kv []attribute.KeyValue
		if attrs != nil {
			kv = attrs(i)
		}
		Resume(ctx, parent, name, start, kv...)
	}
}

// TraceID is the id of the trace ctx belongs to, for log lines; empty when
// it belongs to none.
func TraceID(ctx context.Context) string {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		return sc.TraceID().String()
	}
	return ""
}

// End ends a span that Start began, marking it failed when err is set.
func End(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}
