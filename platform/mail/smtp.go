package mail

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTP sends emails through one server.
type SMTP struct {
	host     string
	port     int
	implicit bool
	tls      gomail.TLSPolicy
	user     string
	password string
	from     string
	auth     gomail.SMTPAuthType
}

// sendTimeout bounds one connection to the server, well inside the send
// job's own timeout.
const sendTimeout = 20 * time.Second

// ParseSMTP reads --smtp-url: smtp://[user:pass@]host[:port]?from=ADDR,
// STARTTLS required unless tls=opportunistic or tls=none (a relay on the
// same machine), port 587 by default; or smtps:// for TLS from the first
// byte, port 465. A user signs in with PLAIN, or LOGIN with auth=login. Its errors never repeat the URL, which may hold a
// password.
func ParseSMTP(raw string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("--smtp-url: not a URL such as smtp://user:pass@mail.example.com?from=shop@example.com")
	}
	s := &SMTP{host: u.Hostname(), tls: gomail.TLSMandatory}
	switch u.Scheme {
	case "smtp":
		s.port = 587
	case "smtps":
		s.port, s.implicit = 465, true
	default:
		return nil, errors.New("--smtp-url: the scheme must be smtp or smtps")
	}
	if s.host == "" {
		return nil, errors.New("--smtp-url: names no host")
	}
	if p := u.Port(); p != "" {
		if s.port, err = strconv.Atoi(p); err != nil || s.port < 1 || s.port > 65535 {
			return nil, errors.New("--smtp-url: the port must be a number from 1 to 65535")
		}
	}
	q := u.Query()
	switch q.Get("tls") {
	case "", "starttls":
	case "opportunistic":
		s.tls = gomail.TLSOpportunistic
	case "none":
		s.tls = gomail.NoTLS
	default:
		return nil, errors.New("--smtp-url: tls must be starttls, opportunistic or none")
	}
	switch q.Get("auth") {
	case "", "plain":
		s.auth = gomail.SMTPAuthPlain
	case "login":
		s.auth = gomail.SMTPAuthLogin
	default:
		return nil, errors.New("--smtp-url: auth must be plain or login")
	}
	from, err := mail.ParseAddress(q.Get("from"))
	if err != nil {
		return nil, errors.New("--smtp-url: needs from=ADDRESS, the sender of the shop's emails")
	}
	s.from = from.String()
	if u.User != nil {
		s.user = u.User.Username()
		s.password, _ = u.User.Password()
	}
	return s, nil
}

// Send delivers e. An error is worth retrying: the server may be down, or
// refuse for now.
func (s *SMTP) Send(ctx context.Context, e Email) error {
	m := gomail.NewMsg()
	if err := m.From(s.from); err != nil {
		return fmt.Errorf("from: %w", err)
	}
	if err := m.To(e.To); err != nil {
		return fmt.Errorf("to: %w", err)
	}
	m.Subject(e.Subject)
	m.SetMessageIDWithValue(fmt.Sprintf("outbox-%d.%d@%s", e.ID, e.CreatedAt.UnixNano(), s.host))
	m.SetDateWithValue(e.CreatedAt)
	m.SetGenHeader("Auto-Submitted", "auto-generated")
	m.SetBodyString(gomail.TypeTextPlain, e.Body)
	opts := []gomail.Option{gomail.WithPort(s.port), gomail.WithTimeout(sendTimeout), gomail.WithTLSPolicy(s.tls)}
	if s.implicit {
		opts = append(opts, gomail.WithSSL())
	}
	if s.user != "" {
		opts = append(opts, gomail.WithSMTPAuth(s.auth), gomail.WithUsername(s.user), gomail.WithPassword(s.password))
	}
	c, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("send through %s: %w", net.JoinHostPort(s.host, strconv.Itoa(s.port)), err)
	}
	return nil
}
