package service

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestEstimates_KeepRecentOnesAndForgetTheOldestHalf: an estimate is reused
// for estimateTTL, and the cache stays bounded by forgetting its oldest
// half, so a crawler's endless distinct searches cannot grow it.
func TestEstimates_KeepRecentOnesAndForgetTheOldestHalf(t *testing.T) {
	t.Parallel()
	var e estimates
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	e.put("a", 7, t0)
	rows, ok := e.get("a", t0.Add(estimateTTL-time.Second))
	require.True(t, ok)
	require.Equal(t, 7, rows)
	_, ok = e.get("a", t0.Add(estimateTTL))
	require.False(t, ok, "an estimate as old as estimateTTL is made again")
	e.put("a", 9, t0.Add(estimateTTL))
	rows, _ = e.get("a", t0.Add(estimateTTL))
	require.Equal(t, 9, rows, "a new estimate replaces the old one")
	require.Len(t, e.keys, 1, "a key put again is kept once")

	for i := 1; i < maxEstimates; i++ {
		e.put(fmt.Sprint(i), i, t0.Add(estimateTTL))
	}
	require.Equal(t, maxEstimates, len(e.byQ))
	e.put("one more", 1, t0.Add(estimateTTL))
	require.Equal(t, maxEstimates/2+1, len(e.byQ))
	require.Equal(t, maxEstimates/2+1, len(e.keys))
	_, ok = e.get("a", t0.Add(estimateTTL))
	require.False(t, ok, "the oldest key is forgotten")
	_, ok = e.get(fmt.Sprint(maxEstimates/2-1), t0.Add(estimateTTL))
	require.False(t, ok, "the whole oldest half is forgotten")
	for _, k := range []string{fmt.Sprint(maxEstimates / 2), fmt.Sprint(maxEstimates - 1), "one more"} {
		_, ok = e.get(k, t0.Add(estimateTTL))
		require.True(t, ok, "the newest half and the new key are kept: %s", k)
	}
}
