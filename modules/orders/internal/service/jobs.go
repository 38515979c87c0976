package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/coalesce"
	"github.com/bookstore/bookstore/platform/riverfx"
)

// Jobs are a page of the jobs of every job queue of the shop, newest
// first, and the queues that could not be read (another process of a split
// shop down), so that one unreachable module does not hide the others'
// jobs.
type Jobs struct {
	Jobs       []riverfx.Job
	Unreadable []string
}

// Jobs lists, for admins, the jobs of every module that f selects (its
// Limit is set from p), newest first: the process's own queue (every
// module's jobs in the monolith), and in a split shop the other modules'
// queues, asked over their internal endpoints, since each module keeps its
// jobs in its own database. Queues number their jobs apart, so a page is
// cut from their merged lists, ordered by creation time.
func (s *Service) Jobs(ctx context.Context, user auth.User, f riverfx.JobFilter, p Page) (Jobs, error) {
	var out Jobs
	if !user.IsAdmin() {
		return out, auth.ErrForbidden
	}
	lim, off := p.norm()
	f.Limit = int(off + lim)
	if f.Limit > riverfx.MaxListed {
		return out, apperr.ErrInvalid.WithFields(map[string]string{"page": fmt.Sprintf("only the newest %d jobs of each queue are listed", riverfx.MaxListed)})
	}
	if err := f.Validate(); err != nil {
		return out, err
	}
	var lists [][]riverfx.Job
	for _, q := range s.queues {
		jobs, err := q.List(ctx, f)
		if err != nil {
			out.Unreadable = append(out.Unreadable, fmt.Sprintf("%s: %v", q.Name(), err))
			continue
		}
		lists = append(lists, jobs)
	}
	out.Jobs = newestFirst(lists, func(j riverfx.Job) time.Time { return j.CreatedAt }, int(off), int(lim))
	return out, nil
}

// newestFirst merges lists, each newest first by at, and returns lim
// items from the off-th. It takes the newer head each time rather than
// sorting, so the merge depends only on each list's first off+lim items,
// and pages cut from longer lists agree with it.
func newestFirst[T any](lists [][]T, at func(T) time.Time, off, lim int) []T {
	var out []T
	for n := 0; n < off+lim; n++ {
		best := -1
		for i, l := range lists {
			if len(l) > 0 && (best < 0 || at(l[0]).After(at(lists[best][0]))) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		if n >= off {
			out = append(out, lists[best][0])
		}
		lists[best] = lists[best][1:]
	}
	return out
}

// RetryJob makes a job of the named queue run again soon; admins only.
// ErrUnrecorded and ErrUnlabelled mean it was done all the same.
func (s *Service) RetryJob(ctx context.Context, user auth.User, queue string, id int64) error {
	return s.jobAction(ctx, user, queue, id, activity.JobRetry, riverfx.Queue.Retry)
}

// CancelJob gives up on a job of the named queue; admins only.
// ErrUnrecorded and ErrUnlabelled mean it was done all the same.
func (s *Service) CancelJob(ctx context.Context, user auth.User, queue string, id int64) error {
	return s.jobAction(ctx, user, queue, id, activity.JobCancel, riverfx.Queue.Cancel)
}

// afterActionTimeout bounds the steps that follow a queue's action on a
// job (reading its kind, writing the entry) together, which the request's
// cancellation no longer ends.
const afterActionTimeout = 5 * time.Second

func (s *Service) jobAction(ctx context.Context, user auth.User, queue string, id int64, action activity.Action, act func(riverfx.Queue, context.Context, int64) error) error {
	if !user.IsAdmin() {
		return auth.ErrForbidden
	}
	for _, q := range s.queues {
		if q.Name() == queue {
			if err := act(q, ctx, id); err != nil {
				return err
			}
			// The job lives in the queue's database, not in this module's,
			// so the entry follows the queue's confirmation; the job has
			// changed by now, so an admin's browser that leaves must not
			// take the entry with it.
			ctx, cancel := coalesce.Detach(ctx, afterActionTimeout)
			defer cancel()
			label, unlabelled := jobLabel(ctx, q, id)
			if err := s.recordAction(ctx, s.pool, activity.Record{Actor: user.Actor(), Action: action,
				SubjectID: id, SubjectLabel: label}); err != nil {
				return errors.Join(fmt.Errorf("%w: %w", ErrUnrecorded, err), unlabelled)
			}
			return unlabelled
		}
	}
	return riverfx.ErrJobNotFound
}

// ErrUnrecorded is the error of an admin's action that was done but that
// the activity log could not record: a job's retry or cancel, which its
// queue confirms before the entry is written in this module's database.
// Refusing the action then would tell the admin it did not happen.
var ErrUnrecorded = errors.New("done, but not recorded in the activity log")

// ErrUnlabelled is the error of a job's retry or cancel that was done,
// but whose kind its queue could not tell afterwards: its entry names the
// job without it. The caller, which has the logger, says why in the
// shop's log; alone (without ErrUnrecorded), the entry was written.
var ErrUnlabelled = errors.New("the job's kind could not be read after the action")

// jobLabel names job id of q in the log as the jobs page shows it, by its
// kind, number and queue, so that an admin tells a payment's job from a
// shipment's. It is asked once the action is done, so a queue that cannot
// answer (another process of a split shop gone down since) leaves the kind
// out of the label, with the reason as an ErrUnlabelled, rather than the
// entry out of the log.
func jobLabel(ctx context.Context, q riverfx.Queue, id int64) (string, error) {
	label := fmt.Sprintf("job #%d (%s queue)", id, q.Name())
	ctx, cancel := context.WithTimeout(ctx, afterActionTimeout)
	defer cancel()
	j, err := q.Get(ctx, id)
	if err != nil {
		return label, fmt.Errorf("%w: job %d of the %s queue: %w", ErrUnlabelled, id, q.Name(), err)
	}
	return j.Kind + " " + label, nil
}
