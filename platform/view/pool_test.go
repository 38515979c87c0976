package view

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPutBuffer_DropsLargeBuffers: a buffer grown past maxPooled is never
// handed out again, so one large page does not stay in memory; a small
// one is still recycled.
func TestPutBuffer_DropsLargeBuffers(t *testing.T) {
	big := Buffer()
	big.Grow(4 * maxPooled)
	PutBuffer(big)
	for range 100 {
		buf := Buffer()
		require.NotSame(t, big, buf)
		require.LessOrEqual(t, buf.Cap(), maxPooled)
		PutBuffer(buf)
	}
}
