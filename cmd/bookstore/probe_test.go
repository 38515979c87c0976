package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCLI_Probe: the container health check passes only while the server
// on --addr answers 200, over HTTPS when the server serves it, and asks
// /healthz with --live.
func TestCLI_Probe(t *testing.T) {
	var ready atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !ready.Load() {
			http.Error(w, "draining", http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("GET /healthz", func(http.ResponseWriter, *http.Request) {})
	addr := func(s *httptest.Server) string {
		return strings.Replace(s.Listener.Addr().String(), "127.0.0.1", "", 1) // ":port", as --addr is given
	}

	plain := httptest.NewServer(mux)
	t.Cleanup(plain.Close)
	_, err := runCLI(t, "probe", "--addr", addr(plain))
	require.ErrorContains(t, err, "503 Service Unavailable")
	out, err := runCLI(t, "probe", "--addr", addr(plain), "--live")
	require.NoError(t, err, out)
	require.Contains(t, out, "ok: http://127.0.0.1:")
	ready.Store(true)
	_, err = runCLI(t, "probe", "--addr", addr(plain))
	require.NoError(t, err)

	secure := httptest.NewTLSServer(mux)
	t.Cleanup(secure.Close)
	_, err = runCLI(t, "probe", "--addr", addr(secure))
	require.Error(t, err, "plain HTTP to an HTTPS server")
	dir := t.TempDir()
	out, err = runCLI(t, "probe", "--addr", addr(secure), "--tls-cert", filepath.Join(dir, "cert.pem"), "--tls-key", filepath.Join(dir, "key.pem"))
	require.NoError(t, err, out)
	require.Contains(t, out, "ok: https://127.0.0.1:")

	secure.Close()
	_, err = runCLI(t, "probe", "--addr", addr(secure), "--tls-cert", "c", "--tls-key", "k")
	require.ErrorContains(t, err, "connection refused")
}

func TestProbeURL(t *testing.T) {
	for addr, want := range map[string]string{
		":8080":          "http://127.0.0.1:8080/readyz",
		"0.0.0.0:8080":   "http://127.0.0.1:8080/readyz",
		"[::]:8080":      "http://127.0.0.1:8080/readyz",
		"10.0.0.5:8080":  "http://10.0.0.5:8080/readyz",
		"localhost:9000": "http://localhost:9000/readyz",
	} {
		got, err := probeURL(addr, false, "/readyz")
		require.NoError(t, err, addr)
		require.Equal(t, want, got, addr)
	}
	_, err := probeURL("8080", false, "/readyz")
	require.ErrorContains(t, err, `--addr "8080"`)
}
