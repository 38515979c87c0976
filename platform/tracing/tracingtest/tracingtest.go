// Package tracingtest holds what tests of traced code share: a context in
// a trace of its own and the check that batched work joined it.
package tracingtest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// InTrace is ctx in a recorded trace of its own, as a request that
// continues a caller's trace has; id tells traces apart.
func InTrace(ctx context.Context, id byte) context.Context {
	return trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{15: id}, SpanID: trace.SpanID{7: id}, TraceFlags: trace.FlagsSampled, Remote: true,
	}))
}

// RequireJoined fails t unless exp holds exactly one span named name in the
// trace of InTrace(id), as a child of its span, linking the batch that did
// the work (tracing.Resume).
func RequireJoined(t testing.TB, exp *tracetest.InMemoryExporter, name string, id byte) {
	t.Helper()
	var found []tracetest.SpanStub
	for _, s := range exp.GetSpans() {
		if s.Name == name && s.Parent.SpanID() == (trace.SpanID{7: id}) {
			found = append(found, s)
		}
	}
	require.Len(t, found, 1, "%s in trace %d", name, id)
	require.Equal(t, trace.TraceID{15: id}, found[0].SpanContext.TraceID())
	require.Len(t, found[0].Links, 1, "it links the batch that did it")
}
