package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CPU is processor time spent so far: by the bench cluster's server (its
// postmaster and every process it started, those that exited included)
// and by this process, which runs the service-layer sections' shop and
// their load. On a machine that the sections keep busy, cores ÷ the CPU
// an operation costs is the most operations per second it can reach,
// whatever else shares the machine.
type CPU struct {
	Postgres, Self time.Duration
}

// Sub is the CPU spent between before and c.
func (c CPU) Sub(before CPU) CPU {
	return CPU{Postgres: c.Postgres - before.Postgres, Self: c.Self - before.Self}
}

// CPU reads the cluster's and this process's CPU time (Linux).
func (e *Env) CPU() (CPU, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return CPU{}, fmt.Errorf("getrusage: %w", err)
	}
	pg, err := clusterCPU(e.cluster.Dir())
	if err != nil {
		return CPU{}, err
	}
	return CPU{Postgres: pg, Self: time.Duration(ru.Utime.Nano() + ru.Stime.Nano())}, nil
}

// clockTicks is Linux's USER_HZ, the unit of /proc/<pid>/stat's times,
// which is 100 on every architecture Go supports there.
const clockTicks = 100

// clusterCPU sums the user and system time of the postmaster whose data
// folder is dir, of its children that exited (which it waited for), and
// of those still running.
func clusterCPU(dir string) (time.Duration, error) {
	pidFile, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("postgres cpu: %w", err)
	}
	postmaster, _, _ := strings.Cut(string(pidFile), "\n")
	procs, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return 0, err
	}
	var ticks int64
	for _, p := range procs {
		f, err := procStat(p)
		if err != nil {
			continue // exited since the listing
		}
		pid := strings.TrimSuffix(strings.TrimPrefix(p, "/proc/"), "/stat")
		switch {
		case pid == postmaster:
			ticks += f.utime + f.stime + f.cutime + f.cstime
		case f.ppid == postmaster:
			ticks += f.utime + f.stime
		}
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

type stat struct {
	ppid                         string
	utime, stime, cutime, cstime int64
}

// procStat reads the fields of /proc/<pid>/stat that clusterCPU needs; the
// command name, which may hold spaces and parentheses, ends at the last ')'.
func procStat(path string) (stat, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return stat{}, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return stat{}, fmt.Errorf("%s: no command name", path)
	}
	// Fields from the state (field 3 of stat(5)) on.
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 15 {
		return stat{}, fmt.Errorf("%s: %d fields", path, len(f))
	}
	var s stat
	s.ppid = f[1]
	for j, dst := range []*int64{&s.utime, &s.stime, &s.cutime, &s.cstime} {
		if *dst, err = strconv.ParseInt(f[11+j], 10, 64); err != nil {
			return stat{}, fmt.Errorf("%s: %w", path, err)
		}
	}
	return s, nil
}

// Steal is the processor time the hypervisor gave to other machines while
// this one's had work to run, summed over its CPUs (/proc/stat). On a
// shared virtual machine it comes in phases, and every figure of a section
// falls as it grows: the report gives it beside them.
func Steal() (time.Duration, error) { return stealIn("/proc/stat") }

func stealIn(path string) (time.Duration, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("steal time: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	// cpu user nice system idle iowait irq softirq steal ...
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, fmt.Errorf("steal time: %s: no cpu line", path)
	}
	ticks, err := strconv.ParseInt(f[8], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("steal time: %s: %w", path, err)
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}
