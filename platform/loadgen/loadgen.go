// Package loadgen is a closed-loop load generator: a fixed number of
// workers each run one operation after another as fast as the system under
// test answers, the way a set of users who wait for each page behaves. It
// records every operation's latency, so percentiles are exact, and it is
// bounded both in time and in operations.
package loadgen

import (
	"context"
	"math"
	"slices"
	"sync"
	"time"
)

// Options shape one run.
type Options struct {
	// Workers run the operation concurrently (default 1).
	Workers int
	// Duration is how long operations are measured (default 10 s).
	Duration time.Duration
	// Warmup runs operations unmeasured first (pools, caches, plans).
	Warmup time.Duration
	// MaxOps bounds the measured operations (default 10 million).
	MaxOps int
}

// OpFunc is one operation of one worker; n counts the worker's operations.
type OpFunc func(ctx context.Context, worker, n int) error

// Result is what a run measured.
type Result struct {
	Ops     int
	Errors  int
	Elapsed time.Duration
	// FirstErr is an example of what failed, for the report.
	FirstErr error
	sorted   []time.Duration
}

// PerSecond is the measured throughput of successful operations.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops) / r.Elapsed.Seconds()
}

// Percentile returns the latency below which p (0..100) of the successful
// operations finished.
func (r Result) Percentile(p float64) time.Duration {
	if len(r.sorted) == 0 {
		return 0
	}
	i := int(float64(len(r.sorted)) * p / 100)
	return r.sorted[min(i, len(r.sorted)-1)]
}

// Run runs op in a closed loop and measures it. A failed operation counts
// as an error and its latency is left out; the loop goes on.
func Run(ctx context.Context, o Options, op OpFunc) Result {
	if o.Workers < 1 {
		o.Workers = 1
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.MaxOps <= 0 {
		o.MaxOps = 10_000_000
	}
	ctx, cancel := context.WithTimeout(ctx, o.Warmup+o.Duration+time.Minute)
	defer cancel()
	var (
		mu        sync.Mutex
		res       Result
		wg        sync.WaitGroup
		warmUntil = time.Now().Add(o.Warmup)
		start     time.Time
		startOnce sync.Once
		end       time.Time
	)
	perWorker := make([][]time.Duration, o.Workers)
	for w := range o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				t0 := time.Now()
				measured := !t0.Before(warmUntil)
				if measured {
					startOnce.Do(func() {
						mu.Lock()
						start = t0
						end = t0.Add(o.Duration)
						mu.Unlock()
					})
					mu.Lock()
					stop := t0.After(end) || res.Ops+res.Errors >= o.MaxOps
					mu.Unlock()
					if stop {
						return
					}
				}
				err := op(ctx, w, n)
				d := time.Since(t0)
				if !measured {
					continue
				}
				mu.Lock()
				if err != nil {
					res.Errors++
					if res.FirstErr == nil {
						res.FirstErr = err
					}
				} else {
					res.Ops++
					perWorker[w] = append(perWorker[w], d)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	for _, ds := range perWorker {
		res.sorted = append(res.sorted, ds...)
	}
	slices.Sort(res.sorted)
	return res
}

// Merge adds up runs of the same operation, such as rounds interleaved
// with another system's so that both meet the same machine: their
// operations, errors and measured time are summed and their latencies
// pooled, so the throughput and percentiles are those of all the rounds.
func Merge(rs ...Result) Result {
	var m Result
	for _, r := range rs {
		m.Ops += r.Ops
		m.Errors += r.Errors
		m.Elapsed += r.Elapsed
		if m.FirstErr == nil {
			m.FirstErr = r.FirstErr
		}
		m.sorted = append(m.sorted, r.sorted...)
	}
	slices.Sort(m.sorted)
	return m
}

// Alternate measures two systems against each other in rounds that take
// turns (and turns at going first), rather than in one long run after the
// other: a shared machine's speed drifts by up to a quarter within
// minutes, which one-after-the-other runs read as a difference between
// the two. round(side, i) measures side's (0 or 1) round i. It returns
// each side's rounds merged (see Merge), and the lowest and the highest
// of the rounds' ratios of side 0's throughput to side 1's, which say how
// far one round alone could be trusted.
func Alternate(rounds int, round func(side, i int) (Result, error)) (sides [2]Result, lo, hi float64, err error) {
	var rs [2][]Result
	for i := range rounds {
		for j := range 2 {
			side := (i + j) % 2
			r, err := round(side, i)
			if err != nil {
				return sides, 0, 0, err
			}
			rs[side] = append(rs[side], r)
		}
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	for i := range rounds {
		ratio := rs[0][i].PerSecond() / rs[1][i].PerSecond()
		lo, hi = min(lo, ratio), max(hi, ratio)
	}
	return [2]Result{Merge(rs[0]...), Merge(rs[1]...)}, lo, hi, nil
}
