// Package mailtest runs a real SMTP server inside a test process, so tests
// send through the same client and protocol as production and check what
// arrived.
package mailtest

import (
	"encoding/base64"
	"errors"
	"io"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"
)

// Received is one email the server accepted.
type Received struct {
	From   string
	To     []string
	Header mail.Header
	Body   string
}

// Server is an SMTP server on 127.0.0.1 that accepts the user "shop" with
// password "secret" (or no sign-in at all) and keeps what it receives.
type Server struct {
	addr   string
	mu     sync.Mutex
	got    []Received
	refuse int
}

// User and Password are the credentials Server accepts.
const (
	User     = "shop"
	Password = "secret"
)

// NewServer starts a server that stops with the test.
func NewServer(t testing.TB) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &Server{addr: l.Addr().String()}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// URL is the --smtp-url that sends through s, signed in, from from.
func (s *Server) URL(from string) string {
	return "smtp://" + User + ":" + Password + "@" + s.addr + "?tls=none&from=" + from
}

// RefuseNext makes the server refuse the next n messages with a temporary
// error, as a busy server does.
func (s *Server) RefuseNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = n
}

// Wait returns the first n emails received, failing the test if they do
// not arrive within 10 s.
func (s *Server) Wait(t testing.TB, n int) []Received {
	t.Helper()
	var got []Received
	require.Eventually(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		got = append([]Received(nil), s.got...)
		return len(got) >= n
	}, 10*time.Second, 10*time.Millisecond, "waiting for %d emails", n)
	return got[:n]
}

// WaitTo returns the newest email to addr whose subject contains subject,
// failing the test if none arrives within 10 s.
func (s *Server) WaitTo(t testing.TB, addr, subject string) Received {
	t.Helper()
	var got Received
	require.Eventually(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for i := len(s.got) - 1; i >= 0; i-- {
			if slices.Contains(s.got[i].To, addr) && strings.Contains(s.got[i].Header.Get("Subject"), subject) {
				got = s.got[i]
				return true
			}
		}
		return false
	}, 10*time.Second, 10*time.Millisecond, "waiting for an email to %s about %q", addr, subject)
	return got
}

// Token is the token parameter of the one link in body.
func Token(t testing.TB, body string) string {
	t.Helper()
	links := Links(body)
	require.Len(t, links, 1, body)
	u, err := url.Parse(links[0])
	require.NoError(t, err)
	return u.Query().Get("token")
}

// Links returns the http(s) links of a plain-text body, in order.
func Links(body string) []string {
	var out []string
	for _, f := range strings.Fields(body) {
		if strings.HasPrefix(f, "http://") || strings.HasPrefix(f, "https://") {
			out = append(out, f)
		}
	}
	return out
}

type session struct {
	s      *Server
	authed bool
	from   string
	to     []string
}

func (se *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (se *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != User || pass != Password {
			return errors.New("bad credentials")
		}
		se.authed = true
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if !se.authed {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	se.s.mu.Lock()
	refuse := se.s.refuse > 0
	if refuse {
		se.s.refuse--
	}
	se.s.mu.Unlock()
	if refuse {
		_, _ = io.Copy(io.Discard, r)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	var enc io.Reader = m.Body
	switch strings.ToLower(m.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		enc = quotedprintable.NewReader(m.Body)
	case "base64":
		enc = base64.NewDecoder(base64.StdEncoding, m.Body)
	}
	body, err := io.ReadAll(enc)
	if err != nil {
		return err
	}
	se.s.mu.Lock()
	defer se.s.mu.Unlock()
	se.s.got = append(se.s.got, Received{From: se.from, To: se.to, Header: m.Header, Body: string(body)})
	return nil
}

func (se *session) Reset() { se.from, se.to = "", nil }

func (se *session) Logout() error { return nil }
