package loadgen

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMerge_PoolsRounds: merged rounds count every operation and error of
// each, over the sum of their measured time, and their percentiles are
// taken over all the latencies together.
func TestMerge_PoolsRounds(t *testing.T) {
	t.Parallel()
	a := Result{Ops: 3, Errors: 1, Elapsed: time.Second, FirstErr: errors.New("first"), sorted: []time.Duration{1, 5, 9}}
	b := Result{Ops: 2, Elapsed: 3 * time.Second, sorted: []time.Duration{2, 4}}
	m := Merge(a, b)
	require.Equal(t, 5, m.Ops)
	require.Equal(t, 1, m.Errors)
	require.Equal(t, 4*time.Second, m.Elapsed)
	require.InDelta(t, 1.25, m.PerSecond(), 1e-9)
	require.EqualError(t, m.FirstErr, "first")
	require.Equal(t, time.Duration(1), m.Percentile(0))
	require.Equal(t, time.Duration(4), m.Percentile(50))
	require.Equal(t, time.Duration(9), m.Percentile(99))
	require.Equal(t, []time.Duration{1, 5, 9}, a.sorted, "the rounds are left as they were")
}

// TestRun_BoundedByMaxOps: a run stops after MaxOps measured operations
// and records a latency for each success.
func TestRun_BoundedByMaxOps(t *testing.T) {
	t.Parallel()
	r := Run(context.Background(), Options{Workers: 1, Duration: time.Minute, MaxOps: 20}, func(context.Context, int, int) error { return nil })
	require.Equal(t, 20, r.Ops)
	require.Len(t, r.sorted, 20)
}
