package riverfx

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/bookstore/bookstore/platform/metrics"
	"github.com/bookstore/bookstore/platform/migrate"
)

// JobMetrics answers "how far behind are my jobs?": queue depth and the
// age of the oldest job ready to run, per queue and kind, read from River's
// table at scrape time (so every replica reports the shared queue), and the
// wait, run time and outcome of each job this process works.
type JobMetrics struct {
	prometheus.Collector
	wait     *prometheus.HistogramVec
	duration *prometheus.HistogramVec
}

// pending are the states of jobs not yet finished.
var pending = []string{string(rivertype.JobStateAvailable), string(rivertype.JobStateScheduled), string(rivertype.JobStateRetryable), string(rivertype.JobStateRunning)}

// NewJobMetrics builds the collectors over River's table in pool.
func NewJobMetrics(pool *pgxpool.Pool) *JobMetrics {
	depth := prometheus.NewDesc("bookstore_river_jobs", "Unfinished jobs by queue, kind and state (available, scheduled, retryable, running).", []string{"queue", "kind", "state"}, nil)
	age := prometheus.NewDesc("bookstore_river_oldest_ready_job_age_seconds", "Age of the oldest job that is due but not running (0 when none is), by queue and kind: how far behind the workers are.", []string{"queue", "kind"}, nil)
	queue := metrics.NewScrape("river_jobs", []*prometheus.Desc{depth, age}, func(ctx context.Context, ch chan<- prometheus.Metric) error {
		rows, err := pool.Query(ctx, fmt.Sprintf(`
SELECT queue, kind, state::text, count(*),
  COALESCE(EXTRACT(EPOCH FROM now() - min(scheduled_at) FILTER (WHERE state <> 'running' AND scheduled_at <= now())), 0)::float8
FROM %s.river_job WHERE state = ANY($1::%[1]s.river_job_state[]) GROUP BY 1, 2, 3`, migrate.RiverSchema), pending)
		if err != nil {
			return err
		}
		defer rows.Close()
		type key struct{ queue, kind string }
		ages := map[key]float64{}
		for rows.Next() {
			var queue, kind, state string
			var n int64
			var oldest float64
			if err := rows.Scan(&queue, &kind, &state, &n, &oldest); err != nil {
				return err
			}
			ch <- prometheus.MustNewConstMetric(depth, prometheus.GaugeValue, float64(n), queue, kind, state)
			k := key{queue, kind}
			ages[k] = max(ages[k], oldest)
		}
		for k, a := range ages {
			ch <- prometheus.MustNewConstMetric(age, prometheus.GaugeValue, a, k.queue, k.kind)
		}
		return rows.Err()
	})
	m := &JobMetrics{
		wait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bookstore_river_job_wait_seconds",
			Help:    "Time from when a job was due to when a worker started it, by kind.",
			Buckets: []float64{.01, .05, .1, .5, 1, 2.5, 5, 10, 30, 60, 300, 900},
		}, []string{"kind"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bookstore_river_job_duration_seconds",
			Help:    "Time one run of a job took, by kind and outcome (completed, error, cancelled, snoozed, panic).",
			Buckets: prometheus.DefBuckets,
		}, []string{"kind", "outcome"}),
	}
	m.Collector = collectors{queue, m.wait, m.duration}
	return m
}

// collectors is several collectors as one.
type collectors []prometheus.Collector

func (cs collectors) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range cs {
		c.Describe(ch)
	}
}

func (cs collectors) Collect(ch chan<- prometheus.Metric) {
	for _, c := range cs {
		c.Collect(ch)
	}
}

// middleware times every job this process works.
func (m *JobMetrics) middleware() rivertype.Middleware { return &jobTimer{m: m} }

type jobTimer struct {
	river.MiddlewareDefaults
	m *JobMetrics
}

func (t *jobTimer) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) (err error) {
	start := time.Now()
	t.m.wait.WithLabelValues(job.Kind).Observe(max(start.Sub(job.ScheduledAt), 0).Seconds())
	outcome := "panic"
	defer func() {
		t.m.duration.WithLabelValues(job.Kind, outcome).Observe(time.Since(start).Seconds())
	}()
	err = doInner(ctx)
	var cancel *river.JobCancelError
	var snooze *river.JobSnoozeError
	switch {
	case err == nil:
		outcome = "completed"
	case errors.As(err, &cancel):
		outcome = "cancelled"
	case errors.As(err, &snooze):
		outcome = "snoozed"
	default:
		outcome = "error"
	}
	return err
}
