package riverfx_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/migrate"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/riverfx"
)

// TestJobMetrics: jobs waiting in the shared queue show as depth and as the
// age of the oldest one due, and each job worked is timed by outcome.
func TestJobMetrics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	m := riverfx.NewJobMetrics(pool)
	w := &napWorker{done: make(chan struct{}, 1)}
	var client *riverfx.Client
	// This process works only nap jobs, so the others stay queued, as when
	// workers fall behind.
	app := fxtest.New(t,
		fx.NopLogger,
		fx.Supply(config.Config{ShutdownTimeout: time.Second}, pool, slog.New(slog.NewTextHandler(io.Discard, nil))),
		fx.Provide(riverfx.New),
		fx.Supply(m),
		riverfx.AsWorkers(func() riverfx.Registrar { return func(ws *river.Workers) { river.AddWorker(ws, w) } }),
		fx.Populate(&client),
	)
	// Another process (an insert-only client) enqueues jobs of a kind this
	// one does not work.
	inserter, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Schema: migrate.RiverSchema})
	require.NoError(t, err)
	_, err = inserter.Insert(ctx, otherArgs{}, &river.InsertOpts{ScheduledAt: time.Now().Add(-time.Minute)})
	require.NoError(t, err)
	_, err = inserter.Insert(ctx, otherArgs{}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)})
	require.NoError(t, err)

	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(m))
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP bookstore_river_jobs Unfinished jobs by queue, kind and state (available, scheduled, retryable, running).
# TYPE bookstore_river_jobs gauge
bookstore_river_jobs{kind="test.other",queue="default",state="scheduled"} 2
`), "bookstore_river_jobs"))
	families, err := reg.Gather()
	require.NoError(t, err)
	var age float64
	for _, f := range families {
		if f.GetName() == "bookstore_river_oldest_ready_job_age_seconds" {
			age = f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	// One is due a minute ago (not yet promoted to available: that lag
	// counts too), the other in an hour.
	require.InDelta(t, 60, age, 30, "the due job has waited a minute")

	app.RequireStart()
	defer app.RequireStop()
	_, err = client.Insert(ctx, napArgs{}, nil)
	require.NoError(t, err)
	<-w.done
	deadline := time.Now().Add(30 * time.Second)
	for testutil.CollectAndCount(m, "bookstore_river_job_duration_seconds") == 0 {
		require.True(t, time.Now().Before(deadline), "the nap job was never timed")
		time.Sleep(20 * time.Millisecond)
	}
	require.Equal(t, 1, testutil.CollectAndCount(m, "bookstore_river_job_wait_seconds"))
	families, err = reg.Gather()
	require.NoError(t, err)
	var timed []string
	for _, f := range families {
		if f.GetName() != "bookstore_river_job_duration_seconds" {
			continue
		}
		for _, s := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range s.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			timed = append(timed, labels["kind"]+" "+labels["outcome"])
			require.EqualValues(t, 1, s.GetHistogram().GetSampleCount())
		}
	}
	require.Equal(t, []string{"test.nap completed"}, timed)
}

type otherArgs struct{}

func (otherArgs) Kind() string { return "test.other" }
