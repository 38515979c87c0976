package service

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/orders"
)

// FailedJob is a background job that failed: waiting for its next try, or
// given up on.
type FailedJob struct {
	ID          int64
	Kind        string
	State       string
	Attempt     int
	Args        string
	Errors      []string
	FinalizedAt *time.Time
}

// FailedJobs lists up to 100 failed jobs of every module, for admins, who
// decide whether to retry or cancel each.
func (s *Service) FailedJobs(ctx context.Context, user auth.User) ([]FailedJob, error) {
	if !user.IsAdmin() {
		return nil, auth.ErrForbidden
	}
	res, err := s.river.JobList(ctx, river.NewJobListParams().
		States(rivertype.JobStateRetryable, rivertype.JobStateDiscarded).First(100))
	if err != nil {
		return nil, fmt.Errorf("list failed jobs: %w", err)
	}
	out := make([]FailedJob, 0, len(res.Jobs))
	for _, j := range res.Jobs {
		f := FailedJob{ID: j.ID, Kind: j.Kind, State: string(j.State), Attempt: j.Attempt, Args: string(j.EncodedArgs), FinalizedAt: j.FinalizedAt}
		for _, e := range j.Errors {
			f.Errors = append(f.Errors, "attempt "+strconv.Itoa(e.Attempt)+": "+e.Error)
		}
		out = append(out, f)
	}
	return out, nil
}

// RetryJob makes a job run again soon; admins only.
func (s *Service) RetryJob(ctx context.Context, user auth.User, id int64) error {
	return jobAction(user, id, "retry", func() error { _, err := s.river.JobRetry(ctx, id); return err })
}

// CancelJob gives up on a job; admins only.
func (s *Service) CancelJob(ctx context.Context, user auth.User, id int64) error {
	return jobAction(user, id, "cancel", func() error { _, err := s.river.JobCancel(ctx, id); return err })
}

func jobAction(user auth.User, id int64, what string, act func() error) error {
	if !user.IsAdmin() {
		return auth.ErrForbidden
	}
	if id <= 0 {
		return orders.ErrJobNotFound
	}
	err := act()
	if errors.Is(err, river.ErrNotFound) {
		return orders.ErrJobNotFound
	}
	if err != nil {
		return fmt.Errorf("%s job %d: %w", what, id, err)
	}
	return nil
}
