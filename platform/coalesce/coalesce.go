// Package coalesce runs calls that arrive while one is in flight together,
// as one batch: group commit for work whose cost is mostly per round trip
// and per commit rather than per row (a conditional update of many orders
// in one statement costs little more than of one). A call alone runs at
// once, with no timer to wait for; under load the batches grow by
// themselves, since everything that arrived during the last batch goes in
// the next.
package coalesce

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// RunFunc runs one batch and returns an answer per input, in their order.
// An error fails every call of the batch.
type RunFunc[In, Out any] func(ctx context.Context, ins []In) ([]Out, error)

// Batcher runs at most one batch at a time; calls that arrive meanwhile
// wait and go in the next, at most max (New) to a batch.
type Batcher[In, Out any] struct {
	run RunFunc[In, Out]
	max int
	// detached, when positive, bounds a batch that runs without its
	// leader's cancellation (NewDetached).
	detached time.Duration

	mu      sync.Mutex
	waiting []*call[In, Out]
	busy    bool // a batch runs, or the lead passes to a waiting call
}

type call[In, Out any] struct {
	in   In
	out  Out
	err  error
	lead bool          // set before done closes: the call leads the next batch
	done chan struct{} // closed when out and err are set, or lead
}

// New returns a Batcher of at most max inputs per batch, whose batches run
// under the context of the call that leads them (the longest waiting): it
// suits work that its callers retry (a job), since when the leader's
// context ends, the batch fails for every call in it.
func New[In, Out any](max int, run RunFunc[In, Out]) *Batcher[In, Out] {
	return &Batcher[In, Out]{run: run, max: max}
}

// NewDetached returns a Batcher like New's whose batches keep the
// leader's context values (its trace) but not its cancellation, and run
// for at most timeout instead: for work nobody retries (a buyer's
// checkout), where one caller's leaving must fail no one else's.
func NewDetached[In, Out any](max int, timeout time.Duration, run RunFunc[In, Out]) *Batcher[In, Out] {
	return &Batcher[In, Out]{run: run, max: max, detached: timeout}
}

// Detach returns ctx's values (its trace, its logger) without its
// cancellation or deadline, bounded by timeout instead: the context of
// work that must finish once begun whatever its caller does, such as a
// detached batch (NewDetached) or the rest of a checkout whose cart has
// become an order, where stopping halfway would leave a state nobody
// meant.
func Detach(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), timeout)
}

// Do runs in, alone or in a batch with the calls that wait with it, and
// returns its answer. A caller waits for its batch whatever its own
// context does, since its input may be applied.
func (b *Batcher[In, Out]) Do(ctx context.Context, in In) (Out, error) {
	c := &call[In, Out]{in: in, done: make(chan struct{})}
	b.mu.Lock()
	b.waiting = append(b.waiting, c)
	leads := !b.busy
	b.busy = true
	b.mu.Unlock()
	if !leads {
		<-c.done
		leads = c.lead
	}
	if leads {
		b.lead(ctx, c)
	}
	return c.out, c.err
}

// lead runs the batch that starts with c (the longest waiting call), then
// hands the lead to the next waiting call, if any: each caller leads at
// most one batch, so none waits for more than two. A batch that panics
// fails its other calls with an error and still hands the lead on, so
// that no caller waits forever; the panic goes on in the leader, whose
// own recovery (River's, the router's) reports it.
func (b *Batcher[In, Out]) lead(ctx context.Context, c *call[In, Out]) {
	b.mu.Lock()
	n := min(len(b.waiting), b.max)
	batch := b.waiting[:n:n]
	b.waiting = b.waiting[n:]
	b.mu.Unlock()

	ins := make([]In, n)
	for i, bc := range batch {
		ins[i] = bc.in
	}
	var (
		outs     []Out
		err      error
		panicked any
	)
	func() {
		defer func() {
			if panicked = recover(); panicked != nil {
				err = fmt.Errorf("coalesce: the batch panicked: %v", panicked)
			}
		}()
		if b.detached > 0 {
			var cancel context.CancelFunc
			ctx, cancel = Detach(ctx, b.detached)
			defer cancel()
		}
		outs, err = b.run(ctx, ins)
	}()
	defer func() {
		if panicked != nil {
			panic(panicked)
		}
	}()
	if err == nil && len(outs) != n {
		err = fmt.Errorf("coalesce: %d answers for %d inputs", len(outs), n)
	}
	for i, bc := range batch {
		if err != nil {
			bc.err = err
		} else {
			bc.out = outs[i]
		}
		if bc != c {
			close(bc.done)
		}
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.waiting) == 0 {
		b.busy = false
		return
	}
	next := b.waiting[0]
	next.lead = true
	close(next.done)
}

// Waiting is how many calls wait for a batch, the leader's included until
// its batch starts.
func (b *Batcher[In, Out]) Waiting() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.waiting)
}

// Answers is, for each input of a batch, the row that answers it (one
// that matches it), nil where none does: a batch's statement returns rows
// for some of its inputs only, in an order of its own. A batch holds a
// few inputs, so a search costs less than a map.
func Answers[In, Row any](ins []In, rows []Row, matches func(In, *Row) bool) []*Row {
	out := make([]*Row, len(ins))
	for i, in := range ins {
		for j := range rows {
			if matches(in, &rows[j]) {
				out[i] = &rows[j]
				break
			}
		}
	}
	return out
}
