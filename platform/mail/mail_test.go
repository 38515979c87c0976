package mail_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/mail/mailtest"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/riverfx"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type bundle struct {
	pool   *pgxpool.Pool
	outbox *mail.Outbox
	ins    *riverfx.Inserter
	box    *mail.LocalBox
}

// setup starts the mail module and River's workers on a fresh database,
// sending through smtpURL (empty: storing only).
func setup(t *testing.T, smtpURL string) bundle {
	t.Helper()
	b := bundle{pool: pgtest.New(t)}
	app := fxtest.New(t, fx.NopLogger,
		fx.Supply(config.Config{ShutdownTimeout: 5 * time.Second, SMTPURL: smtpURL, PublicURL: "https://shop.example.com"},
			b.pool, slog.New(slog.NewTextHandler(io.Discard, nil)), riverfx.TestOpts()),
		riverfx.Module, mail.Module,
		fx.Populate(&b.outbox, &b.ins, &b.box),
	)
	app.RequireStart()
	t.Cleanup(app.RequireStop)
	return b
}

func (b bundle) write(t *testing.T, o *mail.Outbox, m mail.Message) int64 {
	t.Helper()
	var id int64
	require.NoError(t, pgx.BeginFunc(context.Background(), b.pool, func(tx pgx.Tx) error {
		var err error
		id, err = o.Write(context.Background(), tx, m)
		return err
	}))
	return id
}

func (b bundle) waitStatus(t *testing.T, id int64, want mail.Status) mail.Email {
	t.Helper()
	var e mail.Email
	require.Eventually(t, func() bool {
		var err error
		e, err = mail.Get(context.Background(), b.pool, id)
		require.NoError(t, err)
		return e.Status == want
	}, 10*time.Second, 10*time.Millisecond, "email %d never became %s: %+v", id, want, &e)
	return e
}

func welcome(b bundle) mail.Message {
	link := b.outbox.Link("/account/verify?token=abc123")
	return mail.Message{Kind: "auth.verify_email", To: "Ana <ana@example.com>", Subject: "Confirm your email address",
		Body: "Hello Ana,\n\nOpen this link to confirm your address:\n\n" + link + "\n", Secret: link}
}

// listed is the email numbered id as the process's Outbox page lists it.
func (b bundle) listed(t *testing.T, id int64) mail.Email {
	t.Helper()
	all, err := b.box.List(context.Background(), nil, mail.MaxPage)
	require.NoError(t, err)
	for _, e := range all {
		if e.ID == id {
			return e
		}
	}
	require.Failf(t, "not listed", "email %d", id)
	return mail.Email{}
}

// stored is what the outbox's row of id holds.
func (b bundle) stored(t *testing.T, id int64) (body string, secret *string) {
	t.Helper()
	require.NoError(t, b.pool.QueryRow(context.Background(), "SELECT body, secret FROM mail.outbox WHERE id = $1", id).Scan(&body, &secret))
	return body, secret
}

// An admin of a shop that sends email never reads a user's link: not while
// the email waits, not once it is sent, and the outbox keeps no copy.
func TestOutbox_HidesSecretsOnceSending(t *testing.T) {
	t.Parallel()

	t.Run("Sent", func(t *testing.T) {
		t.Parallel()
		srv := mailtest.NewServer(t)
		b := setup(t, srv.URL("shop@example.com"))
		id := b.write(t, b.outbox, welcome(b))
		require.Equal(t, "abc123", mailtest.Token(t, srv.Wait(t, 1)[0].Body), "the user gets the link")
		b.waitStatus(t, id, mail.StatusSent)

		shown := b.listed(t, id)
		require.NotContains(t, shown.Body, "abc123")
		require.Contains(t, shown.Body, "[link hidden: it was sent to the user]")
		require.Contains(t, shown.Body, "Hello Ana,")
		body, secret := b.stored(t, id)
		require.NotContains(t, body, "abc123", "the outbox keeps no copy of a sent credential")
		require.Nil(t, secret)
	})

	t.Run("StoredBeforeTheShopSent", func(t *testing.T) {
		t.Parallel()
		srv := mailtest.NewServer(t)
		b := setup(t, srv.URL("shop@example.com"))
		id := b.write(t, mail.NewOutbox(nil, "https://shop.example.com", false), welcome(b))
		e := b.listed(t, id)
		require.Equal(t, mail.StatusStored, e.Status)
		require.NotContains(t, e.Body, "abc123")
		require.Contains(t, e.Body, "[link hidden: it is for the user alone]")
	})

	t.Run("GivenUp", func(t *testing.T) {
		t.Parallel()
		// Queued by a process that had a server, worked by one without.
		b := setup(t, "")
		id := b.write(t, mail.NewOutbox(b.ins, "https://shop.example.com", true), welcome(b))
		e := b.waitStatus(t, id, mail.StatusFailed)
		require.NotContains(t, e.Body, "abc123")
		require.Contains(t, e.Body, "[link hidden: it could not be sent; the user can ask for a new one]")
		_, secret := b.stored(t, id)
		require.Nil(t, secret)
	})
}

// Without SMTP the admin is how a stored link reaches its user.
func TestOutbox_ShowsStoredLinksWithoutSMTP(t *testing.T) {
	t.Parallel()
	b := setup(t, "")
	id := b.write(t, b.outbox, welcome(b))
	require.Equal(t, []string{"https://shop.example.com/account/verify?token=abc123"}, mailtest.Links(b.listed(t, id).Body))
}

func TestOutbox_SendsThroughSMTP(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t)
	b := setup(t, srv.URL("shop@example.com"))

	id := b.write(t, b.outbox, welcome(b))
	got := srv.Wait(t, 1)[0]

	require.Equal(t, "shop@example.com", got.From)
	require.Equal(t, []string{"ana@example.com"}, got.To)
	require.Equal(t, "Confirm your email address", got.Header.Get("Subject"))
	require.Equal(t, "<shop@example.com>", got.Header.Get("From"))
	require.Contains(t, got.Header.Get("To"), "ana@example.com")
	require.Equal(t, "auto-generated", got.Header.Get("Auto-Submitted"))
	require.NotEmpty(t, got.Header.Get("Message-Id"))
	require.Contains(t, got.Body, "Hello Ana,")
	require.Equal(t, []string{"https://shop.example.com/account/verify?token=abc123"}, mailtest.Links(got.Body))

	e := b.waitStatus(t, id, mail.StatusSent)
	require.Equal(t, 1, e.Attempts)
	require.NotNil(t, e.SentAt)
}

func TestOutbox_RetriesAfterTheServerRefuses(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t)
	srv.RefuseNext(1)
	b := setup(t, srv.URL("shop@example.com"))

	id := b.write(t, b.outbox, welcome(b))
	got := srv.Wait(t, 1)
	require.Equal(t, "Confirm your email address", got[0].Header.Get("Subject"))

	e := b.waitStatus(t, id, mail.StatusSent)
	require.Equal(t, 2, e.Attempts, "refused once, then sent")
	require.Empty(t, e.LastError, "a sent email keeps no error")
}

func TestOutbox_StoresWithoutSMTP(t *testing.T) {
	t.Parallel()
	b := setup(t, "")

	id := b.write(t, b.outbox, welcome(b))

	e, err := mail.Get(context.Background(), b.pool, id)
	require.NoError(t, err)
	require.Equal(t, mail.StatusStored, e.Status)
	require.Equal(t, "stored, not sent", e.Status.Label())
	jobs, err := b.ins.JobList(context.Background(), river.NewJobListParams().Kinds("mail.send"))
	require.NoError(t, err)
	require.Empty(t, jobs.Jobs, "nothing to send through")
}

func TestOutbox_WritesWithTheCallersTransaction(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t)
	b := setup(t, srv.URL("shop@example.com"))
	ctx := context.Background()

	tx, err := b.pool.Begin(ctx)
	require.NoError(t, err)
	id, err := b.outbox.Write(ctx, tx, welcome(b))
	require.NoError(t, err)
	require.NoError(t, tx.Rollback(ctx))

	_, err = mail.Get(ctx, b.pool, id)
	require.ErrorIs(t, err, mail.ErrNotFound, "a rolled-back event leaves no email")
	jobs, err := b.ins.JobList(ctx, river.NewJobListParams().Kinds("mail.send"))
	require.NoError(t, err)
	require.Empty(t, jobs.Jobs, "and no job to send one")
}

func TestOutbox_RefusesMalformedMessages(t *testing.T) {
	t.Parallel()
	b := setup(t, "")
	for name, m := range map[string]mail.Message{
		"NoKindModule":    {Kind: "verify", To: "a@example.com", Subject: "s"},
		"BadAddress":      {Kind: "auth.verify_email", To: "not an address", Subject: "s"},
		"HeaderInjected":  {Kind: "auth.verify_email", To: "a@example.com", Subject: "s\r\nBcc: x@example.com"},
		"SecretNotInBody": {Kind: "auth.verify_email", To: "a@example.com", Subject: "s", Body: "no link", Secret: "https://shop.example.com/x"},
	} {
		t.Run(name, func(t *testing.T) {
			err := pgx.BeginFunc(context.Background(), b.pool, func(tx pgx.Tx) error {
				_, err := b.outbox.Write(context.Background(), tx, m)
				return err
			})
			require.ErrorIs(t, err, mail.ErrInvalid)
		})
	}
}

func TestParseSMTP(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{
		"smtp://mail.example.com?from=shop@example.com",
		"smtps://user:pa55@mail.example.com:2465?from=Shop%20%3Cshop@example.com%3E",
		"smtp://127.0.0.1:2525?tls=none&from=shop@example.com",
	} {
		_, err := mail.ParseSMTP(ok)
		require.NoError(t, err, ok)
	}
	for name, bad := range map[string]string{
		"Scheme":  "http://user:hunter2@mail.example.com?from=shop@example.com",
		"NoHost":  "smtp://user:hunter2@?from=shop@example.com",
		"Port":    "smtp://user:hunter2@mail.example.com:99999?from=shop@example.com",
		"TLS":     "smtp://user:hunter2@mail.example.com?tls=maybe&from=shop@example.com",
		"Auth":    "smtp://user:hunter2@mail.example.com?auth=magic&from=shop@example.com",
		"NoFrom":  "smtp://user:hunter2@mail.example.com",
		"NotAURL": "smtp://user:hunter2@mail.example.com:port\x7f",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := mail.ParseSMTP(bad)
			require.Error(t, err)
			require.True(t, strings.HasPrefix(err.Error(), "--smtp-url: "), err.Error())
			require.NotContains(t, err.Error(), "hunter2", "the password is never repeated")
		})
	}
}
