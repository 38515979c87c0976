package service

import (
	"context"
	"fmt"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/riverfx"
)

// FailedJobs are the failed jobs of every job queue of the shop, and the
// queues that could not be read (another process of a split shop down),
// so that one unreachable module does not hide the others' jobs.
type FailedJobs struct {
	Jobs       []riverfx.FailedJob
	Unreadable []string
}

// FailedJobs lists the retryable and discarded jobs of every module, for
// admins, who decide whether to retry or cancel each: the process's own
// queue (every module's jobs in the monolith), and in a split shop the
// other modules' queues, asked over their internal endpoints, since each
// module keeps its jobs in its own database.
func (s *Service) FailedJobs(ctx context.Context, user auth.User) (FailedJobs, error) {
	var out FailedJobs
	if !user.IsAdmin() {
		return out, auth.ErrForbidden
	}
	for _, q := range s.queues {
		jobs, err := q.Failed(ctx)
		if err != nil {
			out.Unreadable = append(out.Unreadable, fmt.Sprintf("%s: %v", q.Name(), err))
			continue
		}
		out.Jobs = append(out.Jobs, jobs...)
	}
	return out, nil
}

// RetryJob makes a job of the named queue run again soon; admins only.
func (s *Service) RetryJob(ctx context.Context, user auth.User, queue string, id int64) error {
	return s.jobAction(ctx, user, queue, id, riverfx.Queue.Retry)
}

// CancelJob gives up on a job of the named queue; admins only.
func (s *Service) CancelJob(ctx context.Context, user auth.User, queue string, id int64) error {
	return s.jobAction(ctx, user, queue, id, riverfx.Queue.Cancel)
}

func (s *Service) jobAction(ctx context.Context, user auth.User, queue string, id int64, act func(riverfx.Queue, context.Context, int64) error) error {
	if !user.IsAdmin() {
		return auth.ErrForbidden
	}
	for _, q := range s.queues {
		if q.Name() == queue {
			return act(q, ctx, id)
		}
	}
	return riverfx.ErrJobNotFound
}

// OutboxPage is how many emails the Outbox page shows at once.
const OutboxPage = 30

// Outbox lists every module's emails, newest first, for admins: on a shop
// without an SMTP server they are the only way to read a verification or
// password-reset link. In a split shop each module's outbox is asked over
// its internal endpoint.
func (s *Service) Outbox(ctx context.Context, user auth.User, before *mail.Cursor) (mail.Page, error) {
	if !user.IsAdmin() {
		return mail.Page{}, auth.ErrForbidden
	}
	return mail.ListAll(ctx, s.boxes, before, OutboxPage), nil
}
