package ordersbench

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMeanDepth_AveragesTheWindowOnly: the backlog's figures are the means
// of the samples inside a window, its start included and its end left to
// the next window; a window with no sample reads 0, not NaN.
func TestMeanDepth_AveragesTheWindowOnly(t *testing.T) {
	t.Parallel()
	s := []depth{{0, 4}, {5 * time.Second, 8}, {10 * time.Second, 30}, {50 * time.Second, 10}, {59 * time.Second, 20}}
	require.InDelta(t, 6.0, meanDepth(s, 0, 10*time.Second), 1e-9)
	require.InDelta(t, 15.0, meanDepth(s, 50*time.Second, 60*time.Second), 1e-9)
	require.InDelta(t, 0.0, meanDepth(s, 20*time.Second, 30*time.Second), 1e-9)
}
