package mail

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/bookstore/bookstore/platform/mail/internal/dbsqlc"
)

// SendArgs is the job that sends one queued email.
type SendArgs struct {
	EmailID int64 `json:"email_id"`
}

// Kind implements river.JobArgs.
func (SendArgs) Kind() string { return "mail.send" }

// maxSendAttempts spreads an email's tries over about a day and a half of
// River's backoff (attempt^4 seconds), enough to outlast a mail server's
// outage, then the email shows as failed on the Outbox page.
const maxSendAttempts = 12

// InsertOpts implements river.JobArgsWithInsertOpts.
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: maxSendAttempts}
}

// SendWorker works SendArgs. It is idempotent but for the at-least-once
// window the package describes: an email already sent is not sent again.
type SendWorker struct {
	river.WorkerDefaults[SendArgs]
	Pool *pgxpool.Pool
	// SMTP is nil when the process has no --smtp-url: an email queued by a
	// process that had one fails at once rather than waiting for a day.
	SMTP *SMTP
}

// errNoServer is recorded on an email queued while no server is set.
var errNoServer = errors.New("no SMTP server is configured (--smtp-url)")

// Work implements river.Worker.
func (w *SendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	e, err := Get(ctx, w.Pool, job.Args.EmailID)
	if err != nil {
		return err
	}
	if e.Status != StatusQueued {
		return nil
	}
	q := dbsqlc.New()
	sendErr := errNoServer
	if w.SMTP != nil {
		sendErr = w.SMTP.Send(ctx, e)
	}
	if sendErr == nil {
		if _, err := q.MarkSent(ctx, w.Pool, dbsqlc.MarkSentParams{ID: e.ID, Hidden: hiddenNote(StatusSent)}); err != nil {
			return fmt.Errorf("mark email %d sent: %w", e.ID, err)
		}
		return nil
	}
	giveUp := w.SMTP == nil || job.Attempt >= job.MaxAttempts
	msg := sendErr.Error()
	if _, err := q.RecordFailure(ctx, w.Pool, dbsqlc.RecordFailureParams{ID: e.ID, LastError: &msg, GiveUp: giveUp, Hidden: hiddenNote(StatusFailed)}); err != nil {
		return fmt.Errorf("record email %d's failure: %w", e.ID, err)
	}
	if w.SMTP == nil {
		return river.JobCancel(sendErr)
	}
	return fmt.Errorf("email %d: %w", e.ID, sendErr)
}

// Timeout leaves room for a slow server's full exchange (sendTimeout).
func (w *SendWorker) Timeout(*river.Job[SendArgs]) time.Duration { return sendTimeout + 10*time.Second }
