package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds the real command once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bookstore-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "bookstore")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

// reachableDir is a temporary folder that the postgres user can enter,
// unlike t.TempDir's.
func reachableDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "bookstore-data-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(dir, 0o755))
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

type proc struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{}
	addr   string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(binary(t), args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = p.stderr
	require.NoError(t, p.cmd.Start())
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			<-p.done
		}
	})
	return p
}

func (p *proc) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + p.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-p.done:
			t.Fatalf("bookstore exited before ready: %s", p.stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("not ready within the deadline: %s", p.stderr.String())
}

func (p *proc) waitExit(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(60 * time.Second):
		t.Fatalf("bookstore did not exit: %s", p.stderr.String())
		return -1
	}
}

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b), resp.Header
}

func TestServe_EmbeddedPostgresLifecycle(t *testing.T) {
	t.Parallel()
	data := reachableDir(t)
	run := func() *proc {
		addr := freeAddr(t)
		p := start(t, []string{"DATABASE_URL="}, "serve", "--addr", addr, "--data-dir", data, "--shutdown-timeout", "5s")
		p.addr = addr
		p.waitReady(t)
		return p
	}

	p := run()
	status, body, _ := get(t, "http://"+p.addr+"/healthz")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "ok\n", body)
	status, body, hdr := get(t, "http://"+p.addr+"/")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "<title>")
	require.Contains(t, hdr.Get("Content-Security-Policy"), "frame-ancestors 'none'")
	status, body, _ = get(t, "http://"+p.addr+"/no/such/page")
	require.Equal(t, http.StatusNotFound, status)
	require.Contains(t, body, "Back to the shop")
	status, body, _ = get(t, "http://"+p.addr+"/metrics")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `bookstore_http_requests_total{method="GET",route="/",status="200"} 1`)

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGINT))
	require.Zero(t, p.waitExit(t), p.stderr.String())
	_, err := os.Stat(filepath.Join(data, "postgres", "postmaster.pid"))
	require.True(t, errors.Is(err, os.ErrNotExist), "the cluster must be stopped on exit")

	// A second run reuses the data folder.
	p = run()
	require.Contains(t, p.stderr.String(), "adopted=false")
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.Zero(t, p.waitExit(t), p.stderr.String())
}

func TestServe_AdoptsClusterOfKilledProcess(t *testing.T) {
	t.Parallel()
	data := reachableDir(t)
	addr := freeAddr(t)
	p := start(t, []string{"DATABASE_URL="}, "serve", "--addr", addr, "--data-dir", data)
	p.addr = addr
	p.waitReady(t)
	require.NoError(t, p.cmd.Process.Kill())
	p.waitExit(t)

	addr = freeAddr(t)
	p = start(t, []string{"DATABASE_URL="}, "serve", "--addr", addr, "--data-dir", data)
	p.addr = addr
	p.waitReady(t)
	require.Contains(t, p.stderr.String(), "adopted=true")
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.Zero(t, p.waitExit(t), p.stderr.String())
	_, err := os.Stat(filepath.Join(data, "postgres", "postmaster.pid"))
	require.True(t, errors.Is(err, os.ErrNotExist), "the adopted cluster must be stopped on exit")
}

func TestServe_FailsCleanly(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { taken.Close() })

	cases := map[string]struct {
		env  []string
		args []string
		want string
	}{
		"AddressTaken": {
			env:  []string{"DATABASE_URL=" + pgtest.NewURL(t)},
			args: []string{"serve", "--addr", taken.Addr().String()},
			want: "address already in use",
		},
		"DatabaseUnreachable": {
			env:  []string{"DATABASE_URL=postgres://shop:secret@127.0.0.1:1/shop"},
			args: []string{"serve", "--addr", "127.0.0.1:0"},
			want: "database unreachable",
		},
		"DatabaseURLMalformed": {
			env:  []string{"DATABASE_URL=postgres://%zz"},
			args: []string{"serve"},
			want: "--database-url is not a valid PostgreSQL URL",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := start(t, tc.env, tc.args...)
			require.Equal(t, 1, p.waitExit(t))
			out := strings.TrimSpace(p.stderr.String())
			require.Contains(t, out, tc.want)
			require.NotContains(t, out, "secret", "the password must not be printed")
			require.Len(t, strings.Split(out, "\n"), 1, "one line on stderr: %q", out)
		})
	}
}

func TestMigrate_AppliesAndReports(t *testing.T) {
	t.Parallel()
	url := pgtest.NewEmptyURL(t)
	for range 2 {
		cmd := exec.Command(binary(t), "migrate")
		cmd.Env = append(os.Environ(), "DATABASE_URL="+url)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		require.Regexp(t, `(?m)^auth\s+\d+\s+0$`, string(out))
		require.Regexp(t, `(?m)^river\s+\d+\s+0$`, string(out))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), "migrate", "--status", "--modules", "auth")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+url)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	require.NotContains(t, string(out), "catalog")
}

func TestServe_HTTPS(t *testing.T) {
	t.Parallel()
	cert := webtest.SelfSigned(t)
	addr := freeAddr(t)
	p := start(t, []string{"DATABASE_URL=" + pgtest.NewURL(t)},
		"serve", "--addr", addr, "--tls-cert", cert.CertFile, "--tls-key", cert.KeyFile, "--shutdown-timeout", "5s")
	client := cert.Client()
	deadline := time.After(90 * time.Second)
	for {
		resp, err := client.Get("https://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				require.Equal(t, "max-age=31536000; includeSubDomains", resp.Header.Get("Strict-Transport-Security"))
				break
			}
		}
		select {
		case <-p.done:
			t.Fatalf("bookstore exited before ready: %s", p.stderr.String())
		case <-deadline:
			t.Fatalf("not ready over HTTPS within the deadline: %s", p.stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}

	status, body, hdr := get(t, "http://"+addr+"/")
	require.Equal(t, http.StatusBadRequest, status, "plain HTTP on the HTTPS port is refused")
	require.NotContains(t, body, "<title>")
	require.Empty(t, hdr.Get("Strict-Transport-Security"))

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.Zero(t, p.waitExit(t), p.stderr.String())
}

func TestServe_BadCertificateFailsCleanly(t *testing.T) {
	t.Parallel()
	cert := webtest.SelfSigned(t)
	missing := filepath.Join(t.TempDir(), "nope.pem")
	data := reachableDir(t)
	// No DATABASE_URL: the key pair is read before the embedded cluster
	// would start, so nothing is left behind.
	p := start(t, []string{"DATABASE_URL="}, "serve", "--addr", "127.0.0.1:0", "--data-dir", data,
		"--tls-cert", missing, "--tls-key", cert.KeyFile)
	require.Equal(t, 1, p.waitExit(t))
	out := strings.TrimSpace(p.stderr.String())
	require.Equal(t, "bookstore: --tls-cert/--tls-key: open "+missing+": no such file or directory", out)
	_, err := os.Stat(filepath.Join(data, "postgres"))
	require.True(t, errors.Is(err, os.ErrNotExist), "no cluster was started")
}
