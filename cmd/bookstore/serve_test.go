package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/proctest"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

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
	data := proctest.ReachableDir(t)
	metricsAddr := proctest.FreeAddr(t)
	run := func() *proctest.Process {
		return proctest.Serve(t, []string{"DATABASE_URL="}, "--data-dir", data, "--shutdown-timeout", "5s", "--metrics-addr", metricsAddr)
	}

	p := run()
	status, body, _ := get(t, "http://"+p.Addr+"/healthz")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "ok\n", body)
	status, body, hdr := get(t, "http://"+p.Addr+"/")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "<title>")
	require.Contains(t, hdr.Get("Content-Security-Policy"), "frame-ancestors 'none'")
	status, body, _ = get(t, "http://"+p.Addr+"/no/such/page")
	require.Equal(t, http.StatusNotFound, status)
	require.Contains(t, body, "Back to the shop")
	status, _, _ = get(t, "http://"+p.Addr+"/metrics")
	require.Equal(t, http.StatusNotFound, status, "metrics are not for the public")
	status, body, _ = get(t, "http://"+metricsAddr+"/metrics")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `bookstore_http_requests_total{method="GET",route="/",status="200"} 1`)

	// A command run beside the server shares its cluster and leaves it up.
	beside := exec.Command(proctest.Binary(t), "migrate", "--status", "--data-dir", data)
	beside.Env = append(os.Environ(), "DATABASE_URL=")
	out, err := beside.CombinedOutput()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), "shared=true")
	status, _, _ = get(t, "http://"+p.Addr+"/readyz")
	require.Equal(t, http.StatusOK, status, "the server's database must survive the command")

	p.Signal(t, syscall.SIGINT)
	require.Zero(t, p.WaitExit(t), p.Stderr())
	_, err = os.Stat(filepath.Join(data, "postgres", "postmaster.pid"))
	require.True(t, errors.Is(err, os.ErrNotExist), "the cluster must be stopped on exit")

	// A second run reuses the data folder. SIGTERM drains first: the
	// replica turns unready at once and serves on until the drain ends.
	p = run()
	require.Contains(t, p.Stderr(), "adopted=false")
	p.Signal(t, syscall.SIGTERM)
	for deadline := time.Now().Add(5 * time.Second); ; {
		if status, _, _ := get(t, "http://"+p.Addr+"/readyz"); status == http.StatusServiceUnavailable {
			break
		}
		require.True(t, time.Now().Before(deadline), "/readyz did not turn 503 on SIGTERM")
		<-time.After(20 * time.Millisecond)
	}
	status, _, _ = get(t, "http://"+p.Addr+"/")
	require.Equal(t, http.StatusOK, status, "still serving while draining")
	require.Zero(t, p.WaitExit(t), p.Stderr())
	require.Contains(t, p.Stderr(), "draining")
}

func TestServe_AdoptsClusterOfKilledProcess(t *testing.T) {
	t.Parallel()
	data := proctest.ReachableDir(t)
	p := proctest.Serve(t, []string{"DATABASE_URL="}, "--data-dir", data)
	p.Kill(t)

	p = proctest.Serve(t, []string{"DATABASE_URL="}, "--data-dir", data)
	require.Contains(t, p.Stderr(), "adopted=true")
	p.Signal(t, syscall.SIGINT)
	require.Zero(t, p.WaitExit(t), p.Stderr())
	_, err := os.Stat(filepath.Join(data, "postgres", "postmaster.pid"))
	require.True(t, errors.Is(err, os.ErrNotExist), "the adopted cluster must be stopped on exit")
}

func TestServe_FailsCleanly(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { taken.Close() })
	empty := filepath.Join(t.TempDir(), "empty")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))

	cases := map[string]struct {
		env  []string
		args []string
		want string
	}{
		"AddressTaken": {
			env:  []string{"DATABASE_URL=" + pgtest.NewURL(t)},
			args: []string{"serve", "--addr", taken.Addr().String()},
			want: "bookstore: --addr: listen on " + taken.Addr().String() + ": bind: address already in use",
		},
		"ACMEAddressTaken": {
			env: []string{"DATABASE_URL=" + pgtest.NewURL(t)},
			args: []string{"serve", "--addr", "127.0.0.1:0", "--acme-domain", "shop.example.com", "--acme-http-addr", taken.Addr().String(),
				"--public-url", "https://shop.example.com", "--data-dir", t.TempDir()},
			want: "bookstore: --acme-http-addr: listen on " + taken.Addr().String() + ": bind: address already in use",
		},
		"DataDirCannotBeMade": {
			env:  []string{"DATABASE_URL=" + pgtest.NewURL(t)},
			args: []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", "/proc/forbidden"},
			want: "bookstore: --data-dir: mkdir /proc/forbidden: ",
		},
		"DatabaseUnreachable": {
			env:  []string{"DATABASE_URL=postgres://shop:secret@127.0.0.1:1/shop"},
			args: []string{"serve", "--addr", "127.0.0.1:0"},
			want: "database unreachable",
		},
		"AddrEmpty": {
			env:  []string{"DATABASE_URL=" + pgtest.NewURL(t)},
			args: []string{"serve", "--addr", ""},
			want: "--addr: must not be empty",
		},
		"AddrVariableEmpty": {
			env:  []string{"DATABASE_URL=" + pgtest.NewURL(t), "BOOKSTORE_ADDR="},
			args: []string{"serve"},
			want: "--addr: must not be empty",
		},
		"DatabaseURLFileEmpty": {
			env:  []string{"DATABASE_URL_FILE=" + empty},
			args: []string{"serve", "--addr", "127.0.0.1:0"},
			want: "environment variable DATABASE_URL_FILE: " + empty + " is empty",
		},
		"AddrFileEmpty": {
			env:  []string{"DATABASE_URL=" + pgtest.NewURL(t), "BOOKSTORE_ADDR_FILE=" + empty},
			args: []string{"serve"},
			want: "environment variable BOOKSTORE_ADDR_FILE: " + empty + " is empty",
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
			p := proctest.Start(t, tc.env, tc.args...)
			require.Equal(t, 1, p.WaitExit(t))
			out := strings.TrimSpace(p.Stderr())
			require.Contains(t, out, tc.want)
			require.NotContains(t, out, "secret", "the password must not be printed")
			require.Len(t, strings.Split(out, "\n"), 1, "one line on stderr: %q", out)
		})
	}
}

// TestServe_DataDirUnreachableLeavesNothing: as root, a --data-dir the
// postgres user cannot reach is refused before any folder is made in it.
func TestServe_DataDirUnreachableLeavesNothing(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root runs the cluster as another user")
	}
	t.Parallel()
	data := filepath.Join(t.TempDir(), "x") // t.TempDir is closed to others
	p := proctest.Start(t, []string{"DATABASE_URL="}, "serve", "--addr", "127.0.0.1:0", "--data-dir", data)
	require.Equal(t, 1, p.WaitExit(t))
	out := strings.TrimSpace(p.Stderr())
	require.Regexp(t, `^bookstore: the postgres user cannot reach \S+ \(a parent folder is closed to it\): set --data-dir`, out)
	require.Len(t, strings.Split(out, "\n"), 1, "one line on stderr: %q", out)
	_, err := os.Stat(data)
	require.True(t, errors.Is(err, os.ErrNotExist), "the refused folder was made")
}

// TestServe_GatewayNeedsNoClusterFolder: a split shop's gateway opens no
// database, so a data folder the postgres user cannot reach does not stop
// it, though it has no DATABASE_URL (a split shop on an outside Postgres
// starts its gateway so).
func TestServe_GatewayNeedsNoClusterFolder(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root runs the cluster as another user")
	}
	t.Parallel()
	data := filepath.Join(t.TempDir(), "x") // t.TempDir is closed to others
	nowhere := "http://127.0.0.1:1"
	p := proctest.Start(t, []string{"DATABASE_URL=", "BOOKSTORE_INTERNAL_TOKEN=" + strings.Repeat("t", 32)},
		"serve", "--modules", "gateway", "--addr", proctest.FreeAddr(t), "--data-dir", data,
		"--auth-url", nowhere, "--catalog-url", nowhere, "--orders-url", nowhere)
	p.WaitLog(t, "msg=serving", 30*time.Second)
}

func TestMigrate_AppliesAndReports(t *testing.T) {
	t.Parallel()
	url := pgtest.NewEmptyURL(t)
	for range 2 {
		cmd := exec.Command(proctest.Binary(t), "migrate")
		cmd.Env = append(os.Environ(), "DATABASE_URL="+url)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		require.Regexp(t, `(?m)^auth\s+\d+\s+0$`, string(out))
		require.Regexp(t, `(?m)^river\s+\d+\s+0$`, string(out))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, proctest.Binary(t), "migrate", "--status", "--modules", "auth")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+url)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	require.NotContains(t, string(out), "catalog")
}

func TestServe_HTTPS(t *testing.T) {
	t.Parallel()
	cert := webtest.SelfSigned(t)
	addr := proctest.FreeAddr(t)
	p := proctest.Start(t, []string{"DATABASE_URL=" + pgtest.NewURL(t)},
		"serve", "--addr", addr, "--tls-cert", cert.CertFile, "--tls-key", cert.KeyFile, "--public-url", "https://"+addr, "--shutdown-timeout", "5s")
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
		case <-p.Done():
			t.Fatalf("bookstore exited before ready: %s", p.Stderr())
		case <-deadline:
			t.Fatalf("not ready over HTTPS within the deadline: %s", p.Stderr())
		case <-time.After(50 * time.Millisecond):
		}
	}

	status, body, hdr := get(t, "http://"+addr+"/")
	require.Equal(t, http.StatusBadRequest, status, "plain HTTP on the HTTPS port is refused")
	require.NotContains(t, body, "<title>")
	require.Empty(t, hdr.Get("Strict-Transport-Security"))

	p.Signal(t, syscall.SIGINT)
	require.Zero(t, p.WaitExit(t), p.Stderr())
}

func TestServe_BadCertificateFailsCleanly(t *testing.T) {
	t.Parallel()
	cert := webtest.SelfSigned(t)
	missing := filepath.Join(t.TempDir(), "nope.pem")
	data := proctest.ReachableDir(t)
	// No DATABASE_URL: the key pair is read before the embedded cluster
	// would start, so nothing is left behind.
	p := proctest.Start(t, []string{"DATABASE_URL="}, "serve", "--addr", "127.0.0.1:0", "--data-dir", data,
		"--tls-cert", missing, "--tls-key", cert.KeyFile, "--public-url", "https://shop.example.com")
	require.Equal(t, 1, p.WaitExit(t))
	out := strings.TrimSpace(p.Stderr())
	require.Equal(t, "bookstore: --tls-cert/--tls-key: open "+missing+": no such file or directory", out)
	_, err := os.Stat(filepath.Join(data, "postgres"))
	require.True(t, errors.Is(err, os.ErrNotExist), "no cluster was started")
}
