package riverfx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/web"
)

// ErrJobNotFound answers a read, retry or cancel of a job that does not
// exist.
var ErrJobNotFound = apperr.New(apperr.NotFound, "jobs.not_found", "job not found")

// ErrJobState answers a retry or cancel that the job's state does not
// allow (Job.CanRetry, Job.CanCancel): the page offers neither, but a form
// sent twice, or from a page the job has since moved past, asks anyway.
var ErrJobState = apperr.New(apperr.Conflict, "jobs.state", "the job cannot do that in its state")

// MaxListed bounds the jobs one queue lists at once (River's own bound),
// so the admin's page reaches only the newest of a long history.
const MaxListed = 10_000

// JobStates are the states a job can be listed by, in the order a job moves
// through them.
var JobStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRunning, rivertype.JobStateRetryable,
	rivertype.JobStateCompleted, rivertype.JobStateCancelled, rivertype.JobStateDiscarded,
}

// StateFailed lists the jobs that failed: retryable ones, waiting for their
// next try, and discarded ones, given up on.
const StateFailed = "failed"

// JobFilter selects the jobs a queue lists, newest first.
type JobFilter struct {
	// State is one of JobStates, StateFailed, or "" for every state.
	State string
	// Kind is a job kind such as "orders.charge_payment", or "" for every
	// kind.
	Kind string
	// Limit is how many jobs to list, 1 to MaxListed.
	Limit int
}

// maxKindLen bounds a kind filter; River's kinds are short names.
const maxKindLen = 100

// Validate returns one message per bad field ("state", "kind").
func (f JobFilter) Validate() error {
	fields := map[string]string{}
	if f.State != "" && f.State != StateFailed && !slices.Contains(JobStates, rivertype.JobState(f.State)) {
		fields["state"] = "choose one of the states offered"
	}
	if utf8.RuneCountInString(f.Kind) > maxKindLen {
		fields["kind"] = fmt.Sprintf("a kind is at most %d characters, such as orders.charge_payment", maxKindLen)
	}
	if f.Limit < 1 || f.Limit > MaxListed {
		fields["limit"] = fmt.Sprintf("list 1 to %d jobs", MaxListed)
	}
	if len(fields) > 0 {
		return apperr.ErrInvalid.WithFields(fields)
	}
	return nil
}

func (f JobFilter) states() []rivertype.JobState {
	switch f.State {
	case "":
		return nil
	case StateFailed:
		return []rivertype.JobState{rivertype.JobStateRetryable, rivertype.JobStateDiscarded}
	}
	return []rivertype.JobState{rivertype.JobState(f.State)}
}

// Job is one job of a queue as the admin's page shows it. Queue names the
// job queue (the process) that holds it, since ids are only unique within
// one.
type Job struct {
	Queue       string `json:"queue"`
	ID          int64  `json:"id"`
	Kind        string `json:"kind"`
	State       string `json:"state"`
	Attempt     int    `json:"attempt"`
	MaxAttempts int    `json:"max_attempts"`
	Args        string `json:"args"`
	// LastError is the error of the latest failed attempt, "" when none
	// failed.
	LastError   string     `json:"last_error"`
	CreatedAt   time.Time  `json:"created_at"`
	ScheduledAt time.Time  `json:"scheduled_at"`
	FinalizedAt *time.Time `json:"finalized_at"`
}

// CanRetry reports whether running the job again is offered: it failed, or
// was cancelled. A scheduled job waits for its time on purpose, and a
// completed one did its work.
func (j Job) CanRetry() bool {
	switch rivertype.JobState(j.State) {
	case rivertype.JobStateRetryable, rivertype.JobStateDiscarded, rivertype.JobStateCancelled:
		return true
	}
	return false
}

// CanCancel reports whether giving up on the job is offered: it has not
// finished (a running job stops when its worker next checks).
func (j Job) CanCancel() bool {
	switch rivertype.JobState(j.State) {
	case rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRunning, rivertype.JobStateRetryable:
		return true
	}
	return false
}

// Queue is what the admin's jobs page does with one job queue: the
// process's own, or another process's over its internal endpoints. In the
// monolith one queue holds every module's jobs; in a split shop each
// module's process has its own, so the page asks each.
type Queue interface {
	// Name labels the queue's jobs on the page and in its actions.
	Name() string
	// List returns the newest jobs that f selects, newest first (by id);
	// an invalid filter is apperr.Invalid.
	List(ctx context.Context, f JobFilter) ([]Job, error)
	// Get returns one job as List does; ErrJobNotFound if there is none.
	Get(ctx context.Context, id int64) (Job, error)
	// Retry makes a job run again soon; ErrJobNotFound if there is none.
	Retry(ctx context.Context, id int64) error
	// Cancel gives up on a job; ErrJobNotFound if there is none.
	Cancel(ctx context.Context, id int64) error
}

// AsQueue contributes a Queue to the admin's jobs page: constructor returns
// one.
func AsQueue(constructor any) fx.Option {
	return fx.Provide(fx.Annotate(constructor, fx.As(new(Queue)), fx.ResultTags(`group:"job_queues"`)))
}

// Queues are every job queue of the shop, for the admin's page.
type Queues struct {
	fx.In

	All []Queue `group:"job_queues"`
}

// LocalQueue is the process's own queue, named "local"; in the monolith it
// holds every module's jobs.
type LocalQueue struct{ ins *Inserter }

// NewLocalQueue returns the queue ins inserts into.
func NewLocalQueue(ins *Inserter) *LocalQueue { return &LocalQueue{ins: ins} }

// Name implements Queue.
func (q *LocalQueue) Name() string { return "local" }

// List implements Queue.
func (q *LocalQueue) List(ctx context.Context, f JobFilter) ([]Job, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	p := river.NewJobListParams().OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(f.Limit)
	if st := f.states(); st != nil {
		p = p.States(st...)
	}
	if f.Kind != "" {
		p = p.Kinds(f.Kind)
	}
	res, err := q.ins.JobList(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	out := make([]Job, 0, len(res.Jobs))
	for _, j := range res.Jobs {
		out = append(out, q.job(j))
	}
	return out, nil
}

// Get implements Queue.
func (q *LocalQueue) Get(ctx context.Context, id int64) (Job, error) {
	j, err := q.ins.JobGet(ctx, id)
	if err != nil {
		return Job{}, jobError("get", id, err)
	}
	return q.job(j), nil
}

func (q *LocalQueue) job(j *rivertype.JobRow) Job {
	job := Job{Queue: q.Name(), ID: j.ID, Kind: j.Kind, State: string(j.State), Attempt: j.Attempt, MaxAttempts: j.MaxAttempts,
		Args: string(j.EncodedArgs), CreatedAt: j.CreatedAt, ScheduledAt: j.ScheduledAt, FinalizedAt: j.FinalizedAt}
	if n := len(j.Errors); n > 0 {
		e := j.Errors[n-1]
		job.LastError = "attempt " + strconv.Itoa(e.Attempt) + ": " + e.Error
	}
	return job
}

// Retry implements Queue. A completed job is not run again (it did its
// work), nor is a scheduled one hurried.
func (q *LocalQueue) Retry(ctx context.Context, id int64) error {
	return q.act(ctx, "retry", id, Job.CanRetry, "only a job that failed or was cancelled runs again", func() error {
		_, err := q.ins.JobRetry(ctx, id)
		return err
	})
}

// Cancel implements Queue. A job that has finished is left as it ended.
func (q *LocalQueue) Cancel(ctx context.Context, id int64) error {
	return q.act(ctx, "cancel", id, Job.CanCancel, "only a job still to run can be cancelled", func() error {
		_, err := q.ins.JobCancel(ctx, id)
		return err
	})
}

// act does what, unless the job's state refuses it by allowed. A job that
// changes state between the two is rare and harmless: River's own retry
// and cancel take any state.
func (q *LocalQueue) act(ctx context.Context, what string, id int64, allowed func(Job) bool, refusal string, do func() error) error {
	j, err := q.Get(ctx, id)
	if err != nil {
		return err
	}
	if !allowed(j) {
		return ErrJobState.WithMessage(fmt.Sprintf("job %d is %s: %s", id, j.State, refusal))
	}
	return jobError(what, id, do())
}

func jobError(what string, id int64, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, river.ErrNotFound):
		return ErrJobNotFound
	default:
		return fmt.Errorf("%s job %d: %w", what, id, err)
	}
}

// Paths of the internal endpoints of a process's queue.
const (
	listPath = "/internal/v1/jobs"
	jobPath  = "/internal/v1/jobs/"
)

// QueueRoutes serves the process's queue to the orders process of a split
// shop, whose admin page lists, reads and acts on every process's jobs.
func QueueRoutes(q *LocalQueue) web.Routes {
	return func(r chi.Router) {
		r.Get(listPath, func(w http.ResponseWriter, r *http.Request) {
			v := r.URL.Query()
			f := JobFilter{State: v.Get("state"), Kind: v.Get("kind")}
			f.Limit, _ = strconv.Atoi(v.Get("limit")) // a malformed limit is 0, which List refuses
			jobs, err := q.List(r.Context(), f)
			if err != nil {
				web.Error(w, r, err)
				return
			}
			web.JSON(w, http.StatusOK, listAnswer{Jobs: jobs})
		})
		r.Get(jobPath+"{id}", func(w http.ResponseWriter, r *http.Request) {
			id, err := web.PathID(r, "id", ErrJobNotFound)
			var j Job
			if err == nil {
				j, err = q.Get(r.Context(), id)
			}
			if err != nil {
				web.Error(w, r, err)
				return
			}
			web.JSON(w, http.StatusOK, j)
		})
		act := func(do func(context.Context, int64) error) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				id, err := web.PathID(r, "id", ErrJobNotFound)
				if err == nil {
					err = do(r.Context(), id)
				}
				if err != nil {
					web.Error(w, r, err)
					return
				}
				w.WriteHeader(http.StatusNoContent)
			}
		}
		r.Post(jobPath+"{id}/retry", act(q.Retry))
		r.Post(jobPath+"{id}/cancel", act(q.Cancel))
	}
}

type listAnswer struct {
	Jobs []Job `json:"jobs"`
}

// RemoteQueue is the queue of another process of a split shop.
type RemoteQueue struct {
	name string
	rpc  *rpc.Client
}

// NewRemoteQueue returns the queue served through c, labelled by the module
// its process runs.
func NewRemoteQueue(c *rpc.Client) *RemoteQueue { return &RemoteQueue{name: c.Module(), rpc: c} }

// Name implements Queue.
func (q *RemoteQueue) Name() string { return q.name }

// List implements Queue.
func (q *RemoteQueue) List(ctx context.Context, f JobFilter) ([]Job, error) {
	v := url.Values{"limit": {strconv.Itoa(f.Limit)}}
	if f.State != "" {
		v.Set("state", f.State)
	}
	if f.Kind != "" {
		v.Set("kind", f.Kind)
	}
	var a listAnswer
	if err := q.rpc.Call(ctx, http.MethodGet, listPath+"?"+v.Encode(), nil, &a); err != nil {
		return nil, err
	}
	for i := range a.Jobs {
		a.Jobs[i].Queue = q.name
	}
	return a.Jobs, nil
}

// Get implements Queue.
func (q *RemoteQueue) Get(ctx context.Context, id int64) (Job, error) {
	var j Job
	if err := q.rpc.Call(ctx, http.MethodGet, jobPath+strconv.FormatInt(id, 10), nil, &j); err != nil {
		return Job{}, err
	}
	j.Queue = q.name
	return j, nil
}

// Retry implements Queue.
func (q *RemoteQueue) Retry(ctx context.Context, id int64) error {
	return q.rpc.Call(ctx, http.MethodPost, jobPath+strconv.FormatInt(id, 10)+"/retry", nil, nil)
}

// Cancel implements Queue.
func (q *RemoteQueue) Cancel(ctx context.Context, id int64) error {
	return q.rpc.Call(ctx, http.MethodPost, jobPath+strconv.FormatInt(id, 10)+"/cancel", nil, nil)
}
