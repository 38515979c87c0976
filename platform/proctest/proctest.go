// Package proctest runs the real bookstore binary in tests: built once per
// test binary, started with a data folder of its own, polled until ready and
// stopped at cleanup. Process tests of every package (commands, crash,
// browser) share it, so they all start the shop the same way.
package proctest

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// ReadyTimeout bounds a start on a loaded machine, initdb included.
const ReadyTimeout = 90 * time.Second

var build = sync.OnceValues(func() (string, error) {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	dir, err := os.MkdirTemp("", "bookstore-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "bookstore")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/bookstore")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
})

// Binary builds the real command once per test binary and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	bin, err := build()
	require.NoError(t, err)
	return bin
}

// ReachableDir is a temporary folder that the postgres user can enter,
// unlike t.TempDir's, for a binary that starts its own cluster as root.
func ReachableDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "bookstore-data-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(dir, 0o755))
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// FreeAddr returns a loopback address with a port nobody listens on.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// Process is one run of the binary.
type Process struct {
	Cmd *exec.Cmd
	// Addr is the HTTP address, for processes started by Serve.
	Addr   string
	split  bool
	stderr *syncBuffer
	done   chan struct{}
}

// Start runs the binary with args and env added to the test's environment.
// Unless env sets BOOKSTORE_DATA_DIR, the process gets a fresh data folder,
// so no test writes into the source tree. The process is stopped with
// SIGINT at cleanup if it is still running (SIGTERM would drain first,
// waiting for a load balancer there is none of).
func Start(t testing.TB, env []string, args ...string) *Process {
	t.Helper()
	if !slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, "BOOKSTORE_DATA_DIR=") }) {
		env = append(env, "BOOKSTORE_DATA_DIR="+ReachableDir(t))
	}
	p := &Process{stderr: &syncBuffer{}, done: make(chan struct{})}
	p.Cmd = exec.Command(Binary(t), args...)
	p.Cmd.Env = append(os.Environ(), env...)
	p.Cmd.Stderr = p.stderr
	require.NoError(t, p.Cmd.Start())
	go func() {
		_ = p.Cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.Cmd.Process.Signal(syscall.SIGINT)
			<-p.done
		}
	})
	return p
}

// Serve starts `bookstore serve` on a free loopback port with extra args
// and waits until it is ready.
func Serve(t testing.TB, env []string, args ...string) *Process {
	t.Helper()
	return ServeAt(t, FreeAddr(t), env, args...)
}

// ServeAt is Serve on a given address, for a restart that clients must
// find where they left it.
func ServeAt(t testing.TB, addr string, env []string, args ...string) *Process {
	t.Helper()
	p := Start(t, env, append([]string{"serve", "--addr", addr}, args...)...)
	p.Addr = addr
	p.WaitReady(t)
	return p
}

// Launch starts `bookstore serve` (split: `serve --split`) on a free
// loopback port and returns without waiting, so several processes boot at
// once; Wait then waits for it.
func Launch(t testing.TB, split bool, env []string, args ...string) *Process {
	t.Helper()
	addr := FreeAddr(t)
	cmd := []string{"serve", "--addr", addr}
	if split {
		cmd = append(cmd, "--split")
	}
	p := Start(t, env, append(cmd, args...)...)
	p.Addr, p.split = addr, split
	return p
}

// Wait waits until a process of Launch is ready: its /readyz, or, split,
// the supervisor reporting every process ready.
func (p *Process) Wait(t testing.TB) {
	t.Helper()
	if p.split {
		p.WaitLog(t, splitReady, ReadyTimeout)
		return
	}
	p.WaitReady(t)
}

// ServeSplit starts `bookstore serve --split` on a free loopback port with
// extra args and waits until the supervisor reports every process ready.
func ServeSplit(t testing.TB, env []string, args ...string) *Process {
	t.Helper()
	p := Launch(t, true, env, args...)
	p.Wait(t)
	return p
}

// splitReady is the supervisor's line once every process is ready.
const splitReady = `msg="split shop ready"`

// WaitLog waits until the process has logged text n times in all
// (n = 1 when omitted), failing the test if it exits or timeout passes
// first.
func (p *Process) WaitLog(t testing.TB, text string, timeout time.Duration, n ...int) {
	t.Helper()
	want := 1
	if len(n) > 0 {
		want = n[0]
	}
	deadline := time.After(timeout)
	for strings.Count(p.Stderr(), text) < want {
		select {
		case <-p.done:
			t.Fatalf("bookstore exited before logging %q: %s", text, p.Stderr())
		case <-deadline:
			t.Fatalf("bookstore did not log %q within %s: %s", text, timeout, p.Stderr())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

var childStarted = regexp.MustCompile(`msg="process started" process=(\w+) pid=(\d+)`)

// ChildPID is the process id of the split shop's child name (gateway,
// auth, catalog, orders), as the supervisor last logged it.
func (p *Process) ChildPID(t testing.TB, name string) int {
	t.Helper()
	pid := 0
	for _, m := range childStarted.FindAllStringSubmatch(p.Stderr(), -1) {
		if m[1] == name {
			pid, _ = strconv.Atoi(m[2])
		}
	}
	require.NotZero(t, pid, "no %s child in the log: %s", name, p.Stderr())
	return pid
}

// URL is the process's base URL.
func (p *Process) URL() string { return "http://" + p.Addr }

// Stderr is what the process wrote to standard error so far.
func (p *Process) Stderr() string { return p.stderr.String() }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// WaitReady polls /readyz until it answers 200, failing the test if the
// process exits or the deadline passes first.
func (p *Process) WaitReady(t testing.TB) {
	t.Helper()
	deadline := time.After(ReadyTimeout)
	for {
		resp, err := http.Get(p.URL() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-p.done:
			t.Fatalf("bookstore exited before ready: %s", p.Stderr())
		case <-deadline:
			t.Fatalf("bookstore not ready within %s: %s", ReadyTimeout, p.Stderr())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// WaitExit waits for the process to end and returns its exit code.
func (p *Process) WaitExit(t testing.TB) int {
	t.Helper()
	select {
	case <-p.done:
		return p.Cmd.ProcessState.ExitCode()
	case <-time.After(time.Minute):
		t.Fatalf("bookstore did not exit: %s", p.Stderr())
		return -1
	}
}

// Signal sends sig to the process.
func (p *Process) Signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	require.NoError(t, p.Cmd.Process.Signal(sig))
}

// Kill ends the process with SIGKILL, as a crash would, and waits for it.
func (p *Process) Kill(t testing.TB) {
	t.Helper()
	p.Signal(t, syscall.SIGKILL)
	<-p.done
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(b)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
