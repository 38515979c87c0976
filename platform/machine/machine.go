// Package machine says what the process may use of the machine it runs on,
// so work that costs much memory can be sized to it rather than to a
// guess: a container's limit is far below the memory of the node.
package machine

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
)

// MemoryLimit is the memory the process may use, in bytes: GOMEMLIMIT
// when set, else the cgroup's limit (a container's), else the machine's
// memory.
func MemoryLimit() int64 {
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		return l
	}
	for _, f := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		if l, ok := readInt(f); ok && l > 0 && l < 1<<50 {
			return l
		}
	}
	if l := memTotal(); l > 0 {
		return l
	}
	return 1 << 30
}

// Slots is how many tasks that each hold up to each bytes may run at once
// within share of MemoryLimit (0 < share ≤ 1): never more than the CPUs the
// runtime uses, since the tasks are CPU-bound, and never less than one.
func Slots(each int64, share float64) int {
	byMemory := int64(float64(MemoryLimit())*share) / each
	return int(max(1, min(int64(runtime.GOMAXPROCS(0)), byMemory)))
}

func readInt(path string) (int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
	return n, err == nil
}

func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := bytes.Fields(sc.Bytes())
		if len(fields) >= 2 && string(fields[0]) == "MemTotal:" {
			kb, err := strconv.ParseInt(string(fields[1]), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}
