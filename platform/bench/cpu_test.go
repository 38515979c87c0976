package bench

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestProcStat: the times are read after the command name, which may hold
// spaces and parentheses of its own.
func TestProcStat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stat")
	line := "4242 (postgres: bench (idle) x) S 4100 4100 4100 0 -1 4194560 120 0 0 0 731 96 12 3 20 0 1 0 9000 0 0\n"
	require.NoError(t, os.WriteFile(path, []byte(line), 0o600))
	s, err := procStat(path)
	require.NoError(t, err)
	require.Equal(t, stat{ppid: "4100", utime: 731, stime: 96, cutime: 12, cstime: 3}, s)

	require.NoError(t, os.WriteFile(path, []byte("4242 (cut short) S 4100 1 2\n"), 0o600))
	_, err = procStat(path)
	require.Error(t, err)
}

// TestStealIn: the steal time is the eighth count of the machine's cpu
// line, in ticks.
func TestStealIn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stat")
	stat := "cpu  3309923 82839 1524411 5932046 60701 0 44337 92715 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n"
	require.NoError(t, os.WriteFile(path, []byte(stat), 0o600))
	d, err := stealIn(path)
	require.NoError(t, err)
	require.Equal(t, 927150*time.Millisecond, d)

	require.NoError(t, os.WriteFile(path, []byte("intr 1 2 3\n"), 0o600))
	_, err = stealIn(path)
	require.Error(t, err)
}
