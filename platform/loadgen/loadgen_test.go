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

// TestAlternate_TakesTurns: the sides take turns, each going first in
// every other round; each side's rounds are merged, and the spread is that
// of the rounds' ratios.
func TestAlternate_TakesTurns(t *testing.T) {
	t.Parallel()
	var order []int
	ops := [2][]int{{10, 30, 20}, {10, 10, 10}}
	sides, lo, hi, err := Alternate(3, func(side, i int) (Result, error) {
		order = append(order, side)
		return Result{Ops: ops[side][i], Elapsed: time.Second}, nil
	})
	require.NoError(t, err)
	require.Equal(t, []int{0, 1, 1, 0, 0, 1}, order)
	require.Equal(t, 60, sides[0].Ops)
	require.Equal(t, 30, sides[1].Ops)
	require.Equal(t, 3*time.Second, sides[0].Elapsed)
	require.InDelta(t, 1.0, lo, 1e-9)
	require.InDelta(t, 3.0, hi, 1e-9)

	_, _, _, err = Alternate(2, func(side, i int) (Result, error) {
		if i == 1 {
			return Result{}, errors.New("round failed")
		}
		return Result{Ops: 1, Elapsed: time.Second}, nil
	})
	require.EqualError(t, err, "round failed")
}

// TestRun_BoundedByMaxOps: a run stops after MaxOps measured operations
// and records a latency for each success.
func TestRun_BoundedByMaxOps(t *testing.T) {
	t.Parallel()
	r := Run(context.Background(), Options{Workers: 1, Duration: time.Minute, MaxOps: 20}, func(context.Context, int, int) error { return nil })
	require.Equal(t, 20, r.Ops)
	require.Len(t, r.sorted, 20)
}
