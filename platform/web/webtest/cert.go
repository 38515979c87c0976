package webtest

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/web"
)

// Cert is a self-signed certificate written to PEM files, and the pool a
// client needs to trust it.
type Cert struct {
	CertFile string
	KeyFile  string
	Pool     *x509.CertPool
}

// SelfSigned makes a certificate valid for an hour for localhost,
// 127.0.0.1, ::1 and hosts, in a temporary folder.
func SelfSigned(t testing.TB, hosts ...string) Cert {
	t.Helper()
	s, err := web.WriteSelfSigned(t.TempDir(), time.Hour, hosts...)
	require.NoError(t, err)
	c := Cert{CertFile: s.CertFile, KeyFile: s.KeyFile, Pool: x509.NewCertPool()}
	c.Pool.AddCert(s.Cert)
	return c
}

// Client is an HTTP client that trusts only c and does not follow
// redirects, so tests see them.
func (c Cert) Client() *http.Client {
	return &http.Client{
		Timeout:       10 * time.Second,
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: c.Pool, MinVersion: tls.VersionTLS12}, ForceAttemptHTTP2: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
