package random_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/random"
)

func TestHex(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, n := range []int{1, 8, 12, 16, 16, 32} {
		s := random.Hex(n)
		require.Regexp(t, `^[0-9a-f]+$`, s)
		require.Len(t, s, 2*n)
		if n >= 8 {
			require.False(t, seen[s], "a value repeats")
			seen[s] = true
		}
	}
}
