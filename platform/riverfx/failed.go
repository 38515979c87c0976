package riverfx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/web"
)

// ErrJobNotFound answers a retry or cancel of a job that does not exist.
var ErrJobNotFound = apperr.New(apperr.NotFound, "jobs.not_found", "job not found")

// MaxFailed bounds the failed jobs one queue lists.
const MaxFailed = 100

// FailedJob is a job that failed: waiting for its next try, or given up
// on. Queue names the job queue (the process) that holds it, since ids are
// only unique within one.
type FailedJob struct {
	Queue       string     `json:"queue"`
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`
	State       string     `json:"state"`
	Attempt     int        `json:"attempt"`
	Args        string     `json:"args"`
	Errors      []string   `json:"errors"`
	FinalizedAt *time.Time `json:"finalized_at"`
}

// Queue is what the admin's failed-jobs page does with one job queue: the
// process's own, or another process's over its internal endpoints. In the
// monolith one queue holds every module's jobs; in a split shop each
// module's process has its own, so the page asks each.
type Queue interface {
	// Name labels the queue's jobs on the page and in its actions.
	Name() string
	// Failed lists up to MaxFailed retryable and discarded jobs.
	Failed(ctx context.Context) ([]FailedJob, error)
	// Retry makes a job run again soon; ErrJobNotFound if there is none.
	Retry(ctx context.Context, id int64) error
	// Cancel gives up on a job; ErrJobNotFound if there is none.
	Cancel(ctx context.Context, id int64) error
}

// AsQueue contributes a Queue to the admin's page: constructor returns
// one.
func AsQueue(constructor any) fx.Option {
	return fx.Provide(fx.Annotate(constructor, fx.As(new(Queue)), fx.ResultTags(`group:"job_queues"`)))
}

// Queues are every job queue of the shop, for the admin's page.
type Queues struct {
	fx.In

	All []Queue `group:"job_queues"`
}

// Find returns the queue called name.
func (q Queues) Find(name string) (Queue, bool) {
	for _, c := range q.All {
		if c.Name() == name {
			return c, true
		}
	}
	return nil, false
}

// LocalQueue is the process's own queue, named "local"; in the monolith it
// holds every module's jobs.
type LocalQueue struct{ ins *Inserter }

// NewLocalQueue returns the queue ins inserts into.
func NewLocalQueue(ins *Inserter) *LocalQueue { return &LocalQueue{ins: ins} }

// Name implements Queue.
func (q *LocalQueue) Name() string { return "local" }

// Failed implements Queue.
func (q *LocalQueue) Failed(ctx context.Context) ([]FailedJob, error) {
	res, err := q.ins.JobList(ctx, river.NewJobListParams().
		States(rivertype.JobStateRetryable, rivertype.JobStateDiscarded).First(MaxFailed))
	if err != nil {
		return nil, fmt.Errorf("list failed jobs: %w", err)
	}
	out := make([]FailedJob, 0, len(res.Jobs))
	for _, j := range res.Jobs {
		f := FailedJob{Queue: q.Name(), ID: j.ID, Kind: j.Kind, State: string(j.State), Attempt: j.Attempt, Args: string(j.EncodedArgs), FinalizedAt: j.FinalizedAt}
		for _, e := range j.Errors {
			f.Errors = append(f.Errors, "attempt "+strconv.Itoa(e.Attempt)+": "+e.Error)
		}
		out = append(out, f)
	}
	return out, nil
}

// Retry implements Queue.
func (q *LocalQueue) Retry(ctx context.Context, id int64) error {
	_, err := q.ins.JobRetry(ctx, id)
	return jobError("retry", id, err)
}

// Cancel implements Queue.
func (q *LocalQueue) Cancel(ctx context.Context, id int64) error {
	_, err := q.ins.JobCancel(ctx, id)
	return jobError("cancel", id, err)
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
	failedPath = "/internal/v1/jobs/failed"
	jobPath    = "/internal/v1/jobs/"
)

// QueueRoutes serves the process's queue to the orders process of a split
// shop, whose admin page lists and acts on every process's jobs.
func QueueRoutes(q *LocalQueue) web.Routes {
	return func(r chi.Router) {
		r.Get(failedPath, func(w http.ResponseWriter, r *http.Request) {
			jobs, err := q.Failed(r.Context())
			if err != nil {
				web.Error(w, r, err)
				return
			}
			web.JSON(w, http.StatusOK, failedAnswer{Jobs: jobs})
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

type failedAnswer struct {
	Jobs []FailedJob `json:"jobs"`
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

// Failed implements Queue.
func (q *RemoteQueue) Failed(ctx context.Context) ([]FailedJob, error) {
	var a failedAnswer
	if err := q.rpc.Call(ctx, http.MethodGet, failedPath, nil, &a); err != nil {
		return nil, err
	}
	for i := range a.Jobs {
		a.Jobs[i].Queue = q.name
	}
	return a.Jobs, nil
}

// Retry implements Queue.
func (q *RemoteQueue) Retry(ctx context.Context, id int64) error {
	return q.rpc.Call(ctx, http.MethodPost, jobPath+strconv.FormatInt(id, 10)+"/retry", nil, nil)
}

// Cancel implements Queue.
func (q *RemoteQueue) Cancel(ctx context.Context, id int64) error {
	return q.rpc.Call(ctx, http.MethodPost, jobPath+strconv.FormatInt(id, 10)+"/cancel", nil, nil)
}
