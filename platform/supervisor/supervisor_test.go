package supervisor

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCopyLines_LongLineCutNotStopped checks that a line past maxLogLine
// is cut and the lines after it still pass: a reader that stopped would
// leave the child blocked on its pipe.
func TestCopyLines_LongLineCutNotStopped(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	w := &lineWriter{out: &out}
	long := strings.Repeat("x", 3*maxLogLine)
	w.copyLines("orders", strings.NewReader(`{"msg":"first"}`+"\n"+long+"\n"+"plain\n"+`{"msg":"last"}`))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 4)
	require.Equal(t, `{"process":"orders","msg":"first"}`, lines[0])
	require.Equal(t, "orders  | "+long[:maxLogLine]+"… (line cut at 1048576 bytes)", lines[1])
	require.Equal(t, "orders  | plain", lines[2])
	require.Equal(t, `{"process":"orders","msg":"last"}`, lines[3])
}
