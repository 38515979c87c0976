package web

import (
	"cmp"
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/acme/autocert"

	"github.com/bookstore/bookstore/platform/config"
)

// serverTLS returns the TLS settings of the main listener (nil for plain
// HTTP) and, with ACME, the handler of the plain-HTTP listener that answers
// the HTTP-01 challenge and redirects the rest to HTTPS. It reads the key
// pair now, at construction, so that a bad path stops the process before
// anything else has started.
func serverTLS(cfg config.Config, log *slog.Logger) (*tls.Config, http.Handler, error) {
	switch {
	case len(cfg.ACMEDomains) > 0:
		m := &autocert.Manager{
			Prompt:     autocert.AcceptTOS,
			Cache:      autocert.DirCache(filepath.Join(cfg.DataDir, "acme")),
			HostPolicy: autocert.HostWhitelist(cfg.ACMEDomains...),
		}
		c := m.TLSConfig()
		c.MinVersion = tls.VersionTLS12
		return c, m.HTTPHandler(nil), nil
	case cfg.TLSCert != "":
		kp := &keyPair{certFile: cfg.TLSCert, keyFile: cfg.TLSKey, log: log}
		if err := kp.load(); err != nil {
			return nil, nil, err
		}
		return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: kp.get}, nil, nil
	}
	return nil, nil, nil
}

// keyPair serves the certificate in its files and reloads it when they
// change, so a renewed certificate (certbot, cert-manager) is used without a
// restart. A pair that fails to load keeps the previous one in service.
type keyPair struct {
	certFile, keyFile string
	log               *slog.Logger

	mu      sync.Mutex
	cert    *tls.Certificate
	modTime time.Time
}

// load stats before reading, so a change made while reading is seen by the
// next handshake.
func (kp *keyPair) load() error {
	mod, statErr := kp.latestChange()
	cert, err := tls.LoadX509KeyPair(kp.certFile, kp.keyFile)
	if err = cmp.Or(err, statErr); err != nil {
		return fmt.Errorf("--tls-cert/--tls-key: %w", err)
	}
	kp.cert, kp.modTime = &cert, mod
	return nil
}

func (kp *keyPair) latestChange() (time.Time, error) {
	var latest time.Time
	for _, f := range []string{kp.certFile, kp.keyFile} {
		st, err := os.Stat(f)
		if err != nil {
			return time.Time{}, err
		}
		if st.ModTime().After(latest) {
			latest = st.ModTime()
		}
	}
	return latest, nil
}

// get costs two stat calls per handshake, little beside the handshake.
func (kp *keyPair) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	kp.mu.Lock()
	defer kp.mu.Unlock()
	if mod, err := kp.latestChange(); err == nil && !mod.Equal(kp.modTime) {
		if err := kp.load(); err != nil {
			kp.log.Warn("keeping the previous TLS certificate", "err", err)
			kp.modTime = mod
		} else {
			kp.log.Info("reloaded the TLS certificate", "file", kp.certFile)
		}
	}
	return kp.cert, nil
}

type forwardedKey struct{}

// forwardedInfo is what a trusted load balancer told about the request.
type forwardedInfo struct {
	client string
	https  bool
}

// trustProxy believes the load balancer's X-Forwarded-For and
// X-Forwarded-Proto. Only the last entry of each counts: it is the one the
// load balancer itself added, while earlier ones come from the client and
// can be forged.
func trustProxy(trust bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if !trust {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			info := forwardedInfo{
				client: forwardedAddr(lastValue(r.Header.Values("X-Forwarded-For"))),
				https:  strings.EqualFold(lastValue(r.Header.Values("X-Forwarded-Proto")), "https"),
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), forwardedKey{}, info)))
		})
	}
}

// lastValue is the last comma-separated item of a repeated header.
func lastValue(values []string) string {
	if len(values) == 0 {
		return ""
	}
	v := values[len(values)-1]
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}

// forwardedAddr accepts an address with or without a port (some load
// balancers add one) and returns "" for anything else.
func forwardedAddr(s string) string {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().String()
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().String()
	}
	return ""
}

// ClientIP is the address of the client that sent r: the peer's, or with
// --trust-proxy the one the load balancer reports. Rate limiters key on it.
func ClientIP(r *http.Request) string {
	if info, ok := r.Context().Value(forwardedKey{}).(forwardedInfo); ok && info.client != "" {
		return info.client
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// IsHTTPS reports whether the client reached the shop over HTTPS: served by
// this process, or with --trust-proxy terminated by the load balancer. Cookies
// are marked Secure and HSTS is sent when it holds.
func IsHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	info, ok := r.Context().Value(forwardedKey{}).(forwardedInfo)
	return ok && info.https
}
