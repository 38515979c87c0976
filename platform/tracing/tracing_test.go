package tracing_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/tracing"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

func TestTracing_OffInstallsNothing(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	off, err := tracing.FromEnv(context.Background(), "bookstore")
	require.NoError(t, err)
	require.False(t, off.Enabled())
	for _, tr := range []*tracing.Tracing{off, nil} {
		next := http.Handler(http.NewServeMux())
		require.Same(t, next, tr.Middleware(next), "no handler wraps the requests")
		base := &http.Transport{}
		require.Same(t, base, tr.Transport(base))
		require.Nil(t, tr.QueryTracer())
		require.Nil(t, tr.RiverMiddleware())
		require.NoError(t, tr.Shutdown(context.Background()))
	}
	ctx := context.Background()
	got, span := tracing.Start(ctx, "step")
	require.Equal(t, ctx, got, "no span, no new context")
	require.False(t, span.IsRecording())
	require.Zero(t, testing.AllocsPerRun(10, func() { tracing.JobMetadata(ctx) }), "a job outside any trace carries none")
	require.Empty(t, tracing.Parent(ctx))
	require.Zero(t, testing.AllocsPerRun(10, func() { tracing.Parent(ctx) }), "a call outside any trace passes on none")
}

func TestFromEnv(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
	tr, err := tracing.FromEnv(context.Background(), "bookstore")
	require.NoError(t, err)
	require.True(t, tr.Enabled())
	require.NoError(t, tr.Shutdown(context.Background()))

	t.Setenv("OTEL_SDK_DISABLED", "true")
	tr, err = tracing.FromEnv(context.Background(), "bookstore")
	require.NoError(t, err)
	require.False(t, tr.Enabled())

	t.Setenv("OTEL_SDK_DISABLED", "")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
	_, err = tracing.FromEnv(context.Background(), "bookstore")
	require.ErrorContains(t, err, "only http/protobuf")
}

func TestServiceName(t *testing.T) {
	t.Parallel()
	require.Equal(t, "bookstore", tracing.ServiceName(config.Config{Modules: config.AllModules}))
	require.Equal(t, "bookstore-orders", tracing.ServiceName(config.Config{Modules: []config.Module{config.ModuleOrders}}))
	require.Equal(t, "bookstore-catalog-orders", tracing.ServiceName(config.Config{Modules: []config.Module{config.ModuleCatalog, config.ModuleOrders}}))
	require.Equal(t, "bookstore-gateway", tracing.ServiceName(config.Config{Gateway: true}))
}

// TestTracing_AcrossProcesses runs two servers as two module processes of
// the split shop: a request to the first calls the second through the
// process's internal client (the rpc Dialer's, traced), and the second
// continues the same trace. Each server
// span is named after its route pattern and the log lines carry the trace
// id; health probes are not traced.
func TestTracing_AcrossProcesses(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tr := tracing.New(sdktrace.WithSyncer(exp))
	catalog := webtest.New(t, webtest.Opts{Tracing: tr, InternalToken: webtest.InternalToken, Routes: []web.Routes{func(r chi.Router) {
		r.Get("/internal/v1/catalog/books/{id}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	}}})
	client := rpc.NewDialer(config.Config{InternalToken: webtest.InternalToken}, tr).Client(config.ModuleCatalog, catalog.URL)
	orders := webtest.New(t, webtest.Opts{Tracing: tr, Routes: []web.Routes{func(r chi.Router) {
		r.Get("/api/v1/orders/{id}", func(w http.ResponseWriter, r *http.Request) {
			require.NoError(t, client.Call(r.Context(), http.MethodGet, "/internal/v1/catalog/books/7", nil, nil))
			web.Logger(r.Context()).Info("called the catalog")
			w.WriteHeader(http.StatusNoContent)
		})
	}}})

	for _, path := range []string{"/api/v1/orders/42", "/healthz"} {
		resp, err := http.Get(orders.URL + path)
		require.NoError(t, err)
		resp.Body.Close()
	}

	spans := exp.GetSpans()
	require.Len(t, spans, 3, "the request, its client call and the call's server side; no probe")
	byKind := map[trace.SpanKind]tracetest.SpanStub{}
	for _, s := range spans {
		byKind[s.SpanKind] = s
	}
	in, call, remote := byKind[trace.SpanKindServer], byKind[trace.SpanKindClient], byKind[trace.SpanKindServer]
	for _, s := range spans {
		if s.SpanKind == trace.SpanKindServer && s.Name == "GET /api/v1/orders/{id}" {
			in = s
		}
		if s.SpanKind == trace.SpanKindServer && s.Name == "GET /internal/v1/catalog/books/{id}" {
			remote = s
		}
	}
	require.Equal(t, "GET /api/v1/orders/{id}", in.Name)
	require.Equal(t, "GET /internal/v1/catalog/books/{id}", remote.Name)
	require.Equal(t, in.SpanContext.SpanID(), call.Parent.SpanID())
	require.Equal(t, call.SpanContext.SpanID(), remote.Parent.SpanID(), "the called process continues the caller's trace")
	require.True(t, remote.Parent.IsRemote())
	require.Equal(t, in.SpanContext.TraceID(), remote.SpanContext.TraceID())

	id := in.SpanContext.TraceID().String()
	logs := orders.Logs.String()
	require.Contains(t, logs, `msg="called the catalog" request_id=`)
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		if strings.Contains(line, "/api/v1/orders/42") || strings.Contains(line, "called the catalog") {
			require.Contains(t, line, "trace_id="+id, line)
		}
		if strings.Contains(line, "/healthz") {
			require.NotContains(t, line, "trace_id=", line)
		}
	}
}

// BenchmarkMiddleware measures what tracing adds to a request: nothing when
// off (no handler is installed), a span per request when on.
func BenchmarkMiddleware(b *testing.B) {
	for name, tr := range map[string]*tracing.Tracing{
		"Off": {},
		"On":  tracing.New(sdktrace.WithSyncer(tracetest.NewNoopExporter())),
	} {
		b.Run(name, func(b *testing.B) {
			r := chi.NewRouter()
			r.Use(tr.Middleware)
			r.Get("/api/v1/books/{id}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
			req := httptest.NewRequest(http.MethodGet, "/api/v1/books/7", nil)
			b.ReportAllocs()
			for b.Loop() {
				r.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}

// TestRiverMiddleware_ContinuesSampledTraces: a job's work continues the
// trace its metadata carries when that trace is recorded; a job inserted
// outside any recorded trace (River's periodic scheduler) starts its own.
func TestRiverMiddleware_ContinuesSampledTraces(t *testing.T) {
	t.Parallel()
	tr := tracing.New(sdktrace.WithSyncer(tracetest.NewInMemoryExporter()))
	mws := tr.RiverMiddleware()
	require.NotEmpty(t, mws)
	work := mws[0].(rivertype.WorkerMiddleware)
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	for flags, continued := range map[string]bool{"01": true, "00": false} {
		job := &rivertype.JobRow{Kind: "test", Metadata: []byte(`{"traceparent":"00-` + traceID + `-00f067aa0ba902b7-` + flags + `"}`)}
		var got trace.SpanContext
		require.NoError(t, work.Work(context.Background(), job, func(ctx context.Context) error {
			got = trace.SpanContextFromContext(ctx)
			return nil
		}))
		require.Equal(t, continued, got.IsValid() && got.TraceID().String() == traceID, "flags %s", flags)
	}
}

// TestRiverMiddleware_JobsContinueTheirTraces: a job's work continues the
// trace of the call that inserted it, unless the job carries a trace of
// its own (JobMetadata), which it keeps even when inserted with others by
// a call of another trace; the metadata a job had is kept either way.
func TestRiverMiddleware_JobsContinueTheirTraces(t *testing.T) {
	t.Parallel()
	tr := tracing.New(sdktrace.WithSyncer(tracetest.NewInMemoryExporter()))
	mws := tr.RiverMiddleware()
	inserter, own := sampled("4bf92f3577b34da6a3ce929d0e0e4736"), sampled("0af7651916cd43dd8448eb211c80319c")
	require.Nil(t, tracing.JobMetadata(context.Background()), "no trace, no metadata")
	params := []*rivertype.JobInsertParams{
		{Kind: "plain", Metadata: []byte(`{}`)},
		{Kind: "own", Metadata: tracing.JobMetadata(own)},
		{Kind: "other_keys", Metadata: []byte(`{"note":"kept"}`)},
	}
	insert := func(context.Context) ([]*rivertype.JobInsertResult, error) { return nil, nil }
	for _, mw := range slices.Backward(mws) {
		if ins, ok := mw.(rivertype.JobInsertMiddleware); ok {
			inner := insert
			insert = func(ctx context.Context) ([]*rivertype.JobInsertResult, error) {
				return ins.InsertMany(ctx, params, inner)
			}
		}
	}
	_, err := insert(inserter)
	require.NoError(t, err)

	work := mws[0].(rivertype.WorkerMiddleware)
	traceOf := func(p *rivertype.JobInsertParams) trace.SpanContext {
		var got trace.SpanContext
		require.NoError(t, work.Work(context.Background(), &rivertype.JobRow{Kind: p.Kind, Metadata: p.Metadata}, func(ctx context.Context) error {
			got = trace.SpanContextFromContext(ctx)
			return nil
		}))
		return got
	}
	ins := trace.SpanContextFromContext(inserter)
	plain := traceOf(params[0])
	require.Equal(t, ins.TraceID(), plain.TraceID())
	require.NotEqual(t, ins.SpanID(), plain.SpanID(), "the job's parent is the insert's span")
	require.Equal(t, trace.SpanContextFromContext(own), traceOf(params[1]))
	require.Equal(t, ins.TraceID(), traceOf(params[2]).TraceID())
	require.Contains(t, string(params[2].Metadata), `"note":"kept"`)
}

// sampled is a context in a recorded trace of the given id, as a request
// that continues a caller's trace has.
func sampled(traceID string) context.Context {
	tid, _ := trace.TraceIDFromHex(traceID)
	return trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: trace.SpanID{0, 0, 0, 0, 0, 0, 0, 1}, TraceFlags: trace.FlagsSampled, Remote: true,
	}))
}

// TestParents: a batch's trace contexts keep its calls' order, "" where a
// call was not traced, and are none when no call was.
func TestParents(t *testing.T) {
	parent := func(ctx context.Context) string { return tracing.Parent(ctx) }
	plain := context.Background()
	require.Nil(t, tracing.Parents([]context.Context{plain, plain}, parent))
	got := tracing.Parents([]context.Context{plain, sampled("0af7651916cd43dd8448eb211c80319c")}, parent)
	require.Len(t, got, 2)
	require.Empty(t, got[0])
	require.Equal(t, "00-0af7651916cd43dd8448eb211c80319c-0000000000000001-01", got[1])
}
