package web

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// SelfSigned is a certificate made for this machine, for trying HTTPS
// locally (make run-cluster, tests): no browser trusts it, so never serve
// the public with it.
type SelfSigned struct {
	CertFile string
	KeyFile  string
	// Cert is what a client must trust to accept it.
	Cert *x509.Certificate
}

// WriteSelfSigned makes a certificate for localhost, 127.0.0.1, ::1 and
// hosts, valid for validFor, and writes it as cert.pem and key.pem in dir.
func WriteSelfSigned(dir string, validFor time.Duration, hosts ...string) (SelfSigned, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return SelfSigned{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "bookstore (self-signed)"},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(validFor),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              append([]string{"localhost"}, hosts...),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return SelfSigned{}, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return SelfSigned{}, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return SelfSigned{}, err
	}
	s := SelfSigned{CertFile: filepath.Join(dir, "cert.pem"), KeyFile: filepath.Join(dir, "key.pem"), Cert: cert}
	if err := os.WriteFile(s.CertFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return SelfSigned{}, fmt.Errorf("write certificate: %w", err)
	}
	if err := os.WriteFile(s.KeyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return SelfSigned{}, fmt.Errorf("write key: %w", err)
	}
	return s, nil
}
