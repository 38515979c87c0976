package pg

import (
	"context"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// Statements is a pgx tracer that counts the statements its pool sends, a
// batch as one (one round trip): statements per operation is the cost
// figure that no noisy neighbour changes, for benchmarks and for tests that
// keep a path from growing round trips.
type Statements struct{ n atomic.Int64 }

// Count is how many statements were sent so far.
func (s *Statements) Count() int64 { return s.n.Load() }

// TraceQueryStart implements pgx.QueryTracer.
func (s *Statements) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	s.n.Add(1)
	return ctx
}

// TraceQueryEnd implements pgx.QueryTracer.
func (s *Statements) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TraceBatchStart implements pgx.BatchTracer.
func (s *Statements) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	s.n.Add(1)
	return ctx
}

// TraceBatchQuery implements pgx.BatchTracer.
func (s *Statements) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

// TraceBatchEnd implements pgx.BatchTracer.
func (s *Statements) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}
