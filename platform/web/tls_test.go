package web_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// whoRoutes answers what the server believes about the client.
func whoRoutes(r chi.Router) {
	r.Get("/who", func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprintf(w, "%s https=%t", web.ClientIP(r), web.IsHTTPS(r))
	})
}

// serveApp runs web.Serve with the real router under fx, as the binary does.
func serveApp(t *testing.T, cfg config.Config) *fxtest.App {
	t.Helper()
	h := newRouter(t, cfg, io.Discard, nil, whoRoutes)
	app := fxtest.New(t,
		fx.NopLogger,
		fx.Supply(cfg, slog.New(slog.DiscardHandler)),
		fx.Provide(func() http.Handler { return h }),
		fx.Invoke(web.Serve),
	)
	app.RequireStart()
	t.Cleanup(app.RequireStop)
	return app
}

func TestServe_HTTPS(t *testing.T) {
	t.Parallel()
	cert := webtest.SelfSigned(t)
	addr := freeAddr(t)
	// Stopping waits for the open HTTP/2 connection to go away (up to a
	// second after GOAWAY), so the timeout must be longer than that.
	serveApp(t, config.Config{Addr: addr, TLSCert: cert.CertFile, TLSKey: cert.KeyFile, ShutdownTimeout: 5 * time.Second})

	client := cert.Client()
	resp, err := client.Get("https://" + addr + "/who")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "127.0.0.1 https=true", string(body))
	require.Equal(t, "max-age=31536000; includeSubDomains", resp.Header.Get("Strict-Transport-Security"))
	require.Equal(t, 2, resp.ProtoMajor, "HTTP/2 is offered over TLS")

	// A plain-HTTP client on the HTTPS port gets a refusal, never a page.
	plain, err := http.Get("http://" + addr + "/who")
	require.NoError(t, err)
	body, err = io.ReadAll(plain.Body)
	require.NoError(t, err)
	plain.Body.Close()
	require.Equal(t, http.StatusBadRequest, plain.StatusCode)
	require.Contains(t, string(body), "HTTPS")
	require.NotContains(t, string(body), "https=")

	// A client that does not trust the certificate does not get through.
	_, err = http.Get("https://" + addr + "/who")
	require.ErrorContains(t, err, "certificate")
}

func TestServe_ReloadsRenewedCertificate(t *testing.T) {
	t.Parallel()
	first, renewed := webtest.SelfSigned(t), webtest.SelfSigned(t)
	addr := freeAddr(t)
	serveApp(t, config.Config{Addr: addr, TLSCert: first.CertFile, TLSKey: first.KeyFile, ShutdownTimeout: time.Second})

	served := func() []byte {
		t.Helper()
		conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // the test compares the certificate itself
		require.NoError(t, err)
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].Raw
	}
	replace := func(path string, content []byte, at time.Time) {
		t.Helper()
		require.NoError(t, os.WriteFile(path, content, 0o600))
		require.NoError(t, os.Chtimes(path, at, at))
	}
	pemOf := func(path string) []byte {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		return b
	}
	firstDER := served()

	// A half-done renewal (new certificate, old key) keeps the old pair.
	later := time.Now().Add(time.Minute)
	replace(first.CertFile, pemOf(renewed.CertFile), later)
	require.Equal(t, firstDER, served())

	// Once the key follows, the next handshake presents the new certificate.
	replace(first.KeyFile, pemOf(renewed.KeyFile), later.Add(time.Second))
	renewedDER := served()
	require.NotEqual(t, firstDER, renewedDER)

	// A broken file is refused, and the renewed pair stays in service.
	replace(first.CertFile, []byte("garbage"), later.Add(2*time.Second))
	require.Equal(t, renewedDER, served())
}

func TestServe_BadCertificate(t *testing.T) {
	t.Parallel()
	cert := webtest.SelfSigned(t)
	other := webtest.SelfSigned(t)
	notPEM := filepath.Join(t.TempDir(), "cert.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("hello"), 0o600))
	missing := filepath.Join(t.TempDir(), "missing.pem")

	cases := map[string]struct {
		cert, key, want string
	}{
		"MissingCert":  {missing, cert.KeyFile, "no such file or directory"},
		"MissingKey":   {cert.CertFile, missing, "no such file or directory"},
		"NotPEM":       {notPEM, cert.KeyFile, "failed to find any PEM data"},
		"KeyMismatch":  {cert.CertFile, other.KeyFile, "private key does not match public key"},
		"KeyIsTheCert": {cert.CertFile, cert.CertFile, "--tls-cert/--tls-key"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := config.Config{Addr: "127.0.0.1:0", TLSCert: tc.cert, TLSKey: tc.key, ShutdownTimeout: time.Second}
			app := fx.New(fx.NopLogger,
				fx.Supply(cfg, slog.New(slog.DiscardHandler)),
				fx.Provide(func() http.Handler { return http.NotFoundHandler() }),
				fx.Invoke(web.Serve),
			)
			err := app.Err()
			require.ErrorContains(t, err, "--tls-cert/--tls-key: ")
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestServe_ACME(t *testing.T) {
	t.Parallel()
	addr, httpAddr := freeAddr(t), freeAddr(t)
	data := t.TempDir()
	serveApp(t, config.Config{
		Addr: addr, ACMEDomains: []string{"shop.example"}, ACMEHTTPAddr: httpAddr,
		DataDir: data, ShutdownTimeout: time.Second,
	})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	t.Run("RedirectsToHTTPS", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, "http://"+httpAddr+"/books?page=2", nil)
		require.NoError(t, err)
		req.Host = "shop.example"
		resp, err := client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusFound, resp.StatusCode)
		require.Equal(t, "https://shop.example/books?page=2", resp.Header.Get("Location"))
	})
	t.Run("UnknownChallengeToken", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, "http://"+httpAddr+"/.well-known/acme-challenge/nope", nil)
		require.NoError(t, err)
		req.Host = "shop.example"
		resp, err := client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusNotFound, resp.StatusCode)
	})
	t.Run("RefusesOtherHosts", func(t *testing.T) {
		conn, err := tls.Dial("tcp", addr, &tls.Config{ServerName: "evil.example", InsecureSkipVerify: true}) //nolint:gosec // the handshake must fail before any verification
		if err == nil {
			conn.Close()
		}
		require.Error(t, err)
	})
}

func TestRouter_TrustProxy(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		trust     bool
		forwarded []string
		proto     string
		want      string
	}{
		"NotTrusted":        {false, []string{"203.0.113.9"}, "https", "127.0.0.1 https=false"},
		"NoHeaders":         {true, nil, "", "127.0.0.1 https=false"},
		"LastHopWins":       {true, []string{"198.51.100.1, 203.0.113.9"}, "http, https", "203.0.113.9 https=true"},
		"RepeatedHeader":    {true, []string{"198.51.100.1", "203.0.113.9"}, "https", "203.0.113.9 https=true"},
		"WithPort":          {true, []string{"203.0.113.9:4711"}, "HTTPS", "203.0.113.9 https=true"},
		"IPv6WithPort":      {true, []string{"[2001:db8::1]:443"}, "http", "2001:db8::1 https=false"},
		"Garbage":           {true, []string{"<script>alert(1)</script>"}, "javascript", "127.0.0.1 https=false"},
		"ForgedFirstOnly":   {true, []string{"10.0.0.1, not-an-ip"}, "", "127.0.0.1 https=false"},
		"MappedIPv4":        {true, []string{"::ffff:203.0.113.9"}, "", "203.0.113.9 https=false"},
		"LongHeaderIgnored": {true, []string{strings.Repeat("9", 10_000)}, "", "127.0.0.1 https=false"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(newRouter(t, config.Config{TrustProxy: tc.trust}, io.Discard, nil, whoRoutes))
			t.Cleanup(srv.Close)
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/who", nil)
			require.NoError(t, err)
			for _, f := range tc.forwarded {
				req.Header.Add("X-Forwarded-For", f)
			}
			if tc.proto != "" {
				req.Header.Set("X-Forwarded-Proto", tc.proto)
			}
			resp, body := do(t, req)
			require.Equal(t, tc.want, body)
			hsts := resp.Header.Get("Strict-Transport-Security")
			if strings.HasSuffix(tc.want, "https=true") {
				require.NotEmpty(t, hsts)
			} else {
				require.Empty(t, hsts, "no HSTS over plain HTTP")
			}
		})
	}
}
