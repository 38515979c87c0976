// Package mail is the shop's outbox: a module writes an email in the same
// transaction as the event it tells of (a sign-up, a paid order), so the
// email exists exactly when the event does, and a River job inserted in
// that transaction sends it over SMTP with retries and backoff.
//
// The outbox table lives in the mail schema of each process's database,
// migrated beside River's schema rather than by each module: in a split
// shop every module has a database of its own, and an email written in a
// module's transaction must sit in that database; the table belongs to no
// module, as River's job table does not. Without --smtp-url the shop only
// stores its emails ("stored, not sent"), and an admin reads them, links
// and all, on the Outbox page, so a fresh install can still reset a
// password. With it, an email's secret (Message.Secret) is its addressee's
// alone: the page hides it, and the outbox forgets it once sent.
//
// Sending is at least once: a process killed between the SMTP server's
// acceptance and the row's update sends that email again on retry.
package mail

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/mail/internal/dbsqlc"
	"github.com/bookstore/bookstore/platform/riverfx"
)

// Status is where an email stands.
type Status string

// Statuses. Stored emails wait for nobody: no SMTP server was configured
// when they were written.
const (
	StatusStored Status = "stored"
	StatusQueued Status = "queued"
	StatusSent   Status = "sent"
	StatusFailed Status = "failed"
)

// Label is the status as the Outbox page shows it.
func (s Status) Label() string {
	switch s {
	case StatusStored:
		return "stored, not sent"
	case StatusQueued:
		return "sending"
	default:
		return string(s)
	}
}

// Message is an email to write. Kind starts with the writing module's name
// and says what the email is for (auth.verify_email, orders.shipped).
type Message struct {
	Kind    string
	To      string
	Subject string
	// Body is plain text; links are absolute (Outbox.Link), so a reader's
	// mail program and the Outbox page can follow them.
	Body string
	// Secret is the part of Body that is the addressee's credential (a
	// confirmation or password-reset link), if any. Admins see it on the
	// Outbox page only while no one else can deliver it: a stored email on
	// a shop without SMTP. Once the email is sent, or given up, the outbox
	// keeps a note in its place, so it holds no copy of the credential.
	Secret string
}

// Email is a written message and what became of it.
type Email struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	To        string     `json:"to"`
	Subject   string     `json:"subject"`
	Body      string     `json:"body"`
	Status    Status     `json:"status"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
	// secret is in Body while the email still holds it (Message.Secret);
	// unexported, so it never crosses the wire to another process.
	secret string
}

// hiddenNote stands in an email's body for a secret its reader may not
// see, or that the outbox no longer keeps.
func hiddenNote(s Status) string {
	switch s {
	case StatusSent:
		return "[link hidden: it was sent to the user]"
	case StatusFailed:
		return "[link hidden: it could not be sent; the user can ask for a new one]"
	default:
		return "[link hidden: it is for the user alone]"
	}
}

// shown is e as the Outbox page shows it: a stored email's secret in full
// when reveal (the shop sends no email, so the admin passes the link on),
// any other secret replaced by a note.
func (e Email) shown(reveal bool) Email {
	if e.secret != "" && !(reveal && e.Status == StatusStored) {
		e.Body = strings.ReplaceAll(e.Body, e.secret, hiddenNote(e.Status))
	}
	e.secret = ""
	return e
}

var kindPattern = regexp.MustCompile(`^[a-z]+\.[a-z_]+$`)

// ErrInvalid refuses a message the outbox cannot hold; it is a bug in the
// writing module, never the user's input, which modules check first.
var ErrInvalid = apperr.New(apperr.Internal, "mail.invalid", "this email cannot be written")

// Outbox writes emails in the caller's transaction. One serves every
// module of a process.
type Outbox struct {
	ins       *riverfx.Inserter
	publicURL string
	sending   bool
}

// NewOutbox returns the outbox whose send jobs ins inserts. With sending
// false (no SMTP server) emails are only stored. Links start with
// publicURL.
func NewOutbox(ins *riverfx.Inserter, publicURL string, sending bool) *Outbox {
	return &Outbox{ins: ins, publicURL: strings.TrimRight(publicURL, "/"), sending: sending}
}

// NewOutboxFromConfig is NewOutbox for cfg: sending when --smtp-url is set.
func NewOutboxFromConfig(ins *riverfx.Inserter, cfg config.Config) *Outbox {
	return NewOutbox(ins, cfg.PublicURL, cfg.SMTPURL != "")
}

// Link is the absolute address of path (which starts with a slash) for a
// link in an email.
func (o *Outbox) Link(path string) string { return o.publicURL + path }

// Write stores m in tx and, when the shop sends email, inserts its send
// job in tx too: the email and its sending commit or vanish with the
// caller's event.
func (o *Outbox) Write(ctx context.Context, tx pgx.Tx, m Message) (int64, error) {
	if !kindPattern.MatchString(m.Kind) || strings.ContainsAny(m.Subject, "\r\n") || m.Subject == "" {
		return 0, fmt.Errorf("write email %q: %w", m.Kind, ErrInvalid)
	}
	if !strings.Contains(m.Body, m.Secret) {
		return 0, fmt.Errorf("write email %q whose secret is not in its body: %w", m.Kind, ErrInvalid)
	}
	if _, err := mail.ParseAddress(m.To); err != nil {
		return 0, fmt.Errorf("write email %q to an invalid address: %w", m.Kind, ErrInvalid)
	}
	status := StatusStored
	if o.sending {
		status = StatusQueued
	}
	p := dbsqlc.InsertEmailParams{Kind: m.Kind, ToAddr: m.To, Subject: m.Subject, Body: m.Body, Status: string(status)}
	if m.Secret != "" {
		p.Secret = &m.Secret
	}
	id, err := dbsqlc.New().InsertEmail(ctx, tx, p)
	if err != nil {
		return 0, fmt.Errorf("write email %q: %w", m.Kind, err)
	}
	if o.sending {
		if _, err := o.ins.InsertTx(ctx, tx, SendArgs{EmailID: id}, nil); err != nil {
			return 0, fmt.Errorf("queue email %d: %w", id, err)
		}
	}
	return id, nil
}

func fromRow(r dbsqlc.Email) Email {
	e := Email{ID: r.ID, Kind: r.Kind, To: r.ToAddr, Subject: r.Subject, Body: r.Body, Status: Status(r.Status),
		Attempts: int(r.Attempts), CreatedAt: r.CreatedAt, SentAt: r.SentAt}
	if r.LastError != nil {
		e.LastError = *r.LastError
	}
	if r.Secret != nil {
		e.secret = *r.Secret
	}
	return e
}

// Get returns the email numbered id, secret and all; for tests and the
// send job, never for a page.
func Get(ctx context.Context, db dbsqlc.DBTX, id int64) (Email, error) {
	r, err := dbsqlc.New().GetEmail(ctx, db, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Email{}, fmt.Errorf("email %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Email{}, fmt.Errorf("email %d: %w", id, err)
	}
	return fromRow(r), nil
}

// ErrNotFound answers for an email that does not exist.
var ErrNotFound = apperr.New(apperr.NotFound, "mail.not_found", "email not found")
