package coalesce_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/coalesce"
)

// gate runs batches that double their inputs, recording each batch; a
// batch whose first input is blocked waits until it is released.
type gate struct {
	mu      sync.Mutex
	batches [][]int
	blocked map[int]chan struct{}
	fail    map[int]error
}

func newGate() *gate {
	return &gate{blocked: map[int]chan struct{}{}, fail: map[int]error{}}
}

func (g *gate) block(in int) func() {
	ch := make(chan struct{})
	g.mu.Lock()
	g.blocked[in] = ch
	g.mu.Unlock()
	return func() { close(ch) }
}

func (g *gate) run(_ context.Context, ins []int) ([]int, error) {
	g.mu.Lock()
	g.batches = append(g.batches, append([]int(nil), ins...))
	ch, err := g.blocked[ins[0]], g.fail[ins[0]]
	g.mu.Unlock()
	if ch != nil {
		<-ch
	}
	if err != nil {
		return nil, err
	}
	out := make([]int, len(ins))
	for i, in := range ins {
		out[i] = 2 * in
	}
	return out, nil
}

func (g *gate) seen() [][]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([][]int(nil), g.batches...)
}

// waitFor polls until n calls wait, or fails the test.
func waitFor[In, Out any](t *testing.T, b *coalesce.Batcher[In, Out], n int) {
	t.Helper()
	require.Eventually(t, func() bool { return b.Waiting() == n }, 10*time.Second, time.Millisecond)
}

type answer struct{ out, err any }

// start calls b.Do(in) in a goroutine and returns where its answer comes.
func start(b *coalesce.Batcher[int, int], in int) <-chan answer {
	ch := make(chan answer, 1)
	go func() {
		out, err := b.Do(context.Background(), in)
		ch <- answer{out, err}
	}()
	return ch
}

// receive returns the answer that comes on ch, or fails the test when none
// comes: a call that waits forever.
func receive(t *testing.T, ch <-chan answer) answer {
	t.Helper()
	select {
	case a := <-ch:
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("no answer: the call waits forever")
		return answer{}
	}
}

func TestBatcher_AloneRunsAtOnce(t *testing.T) {
	t.Parallel()
	g := newGate()
	b := coalesce.New(10, g.run)
	out, err := b.Do(context.Background(), 3)
	require.NoError(t, err)
	require.Equal(t, 6, out)
	out, err = b.Do(context.Background(), 4)
	require.NoError(t, err)
	require.Equal(t, 8, out)
	require.Equal(t, [][]int{{3}, {4}}, g.seen(), "one call at a time, one batch each")
	require.Zero(t, b.Waiting())
}

func TestBatcher_CallsArrivingDuringABatchGoInTheNext(t *testing.T) {
	t.Parallel()
	g := newGate()
	b := coalesce.New(10, g.run)
	release := g.block(1)
	first := start(b, 1)
	require.Eventually(t, func() bool { return len(g.seen()) == 1 }, 10*time.Second, time.Millisecond)
	later := map[int]<-chan answer{}
	for _, in := range []int{2, 3, 4} {
		later[in] = start(b, in)
	}
	waitFor(t, b, 3)
	release()

	require.Equal(t, answer{2, nil}, <-first)
	for in, ch := range later {
		require.Equal(t, answer{2 * in, nil}, <-ch)
	}
	batches := g.seen()
	require.Len(t, batches, 2, "the three that waited run together")
	require.ElementsMatch(t, []int{2, 3, 4}, batches[1])
	require.Zero(t, b.Waiting())
}

func TestBatcher_BatchesHoldAtMostMax(t *testing.T) {
	t.Parallel()
	g := newGate()
	b := coalesce.New(2, g.run)
	release := g.block(0)
	first := start(b, 0)
	require.Eventually(t, func() bool { return len(g.seen()) == 1 }, 10*time.Second, time.Millisecond)
	var later []<-chan answer
	for in := 1; in <= 5; in++ {
		later = append(later, start(b, in))
	}
	waitFor(t, b, 5)
	release()
	<-first
	for in, ch := range later {
		require.Equal(t, answer{2 * (in + 1), nil}, <-ch)
	}
	var total int
	for _, batch := range g.seen()[1:] {
		require.LessOrEqual(t, len(batch), 2)
		total += len(batch)
	}
	require.Equal(t, 5, total)
}

func TestBatcher_AnErrorFailsItsBatchOnly(t *testing.T) {
	t.Parallel()
	g := newGate()
	b := coalesce.New(10, g.run)
	broken := errors.New("broken")
	g.fail[1] = broken
	release := g.block(1)
	first := start(b, 1)
	require.Eventually(t, func() bool { return len(g.seen()) == 1 }, 10*time.Second, time.Millisecond)
	second := start(b, 2)
	waitFor(t, b, 1)
	release()
	require.Equal(t, answer{0, broken}, <-first)
	require.Equal(t, answer{4, nil}, <-second, "the next batch runs as usual")

	short := coalesce.New(10, func(context.Context, []int) ([]int, error) { return nil, nil })
	_, err := short.Do(context.Background(), 1)
	require.ErrorContains(t, err, "0 answers for 1 inputs")
}

func TestBatcher_APanicFailsItsBatchAndReachesItsLeader(t *testing.T) {
	t.Parallel()
	g := newGate()
	release := g.block(1)
	b := coalesce.New(10, func(ctx context.Context, ins []int) ([]int, error) {
		if ins[0] == 1 {
			_, _ = g.run(ctx, ins)
			panic("a bug")
		}
		return g.run(ctx, ins)
	})
	panicked := make(chan any, 1)
	go func() {
		defer func() { panicked <- recover() }()
		_, _ = b.Do(context.Background(), 1)
	}()
	require.Eventually(t, func() bool { return len(g.seen()) == 1 }, 10*time.Second, time.Millisecond)
	// 2 and 3 wait behind 1's batch and share the next, which runs.
	second, third := start(b, 2), start(b, 3)
	waitFor(t, b, 2)
	release()
	require.Equal(t, "a bug", <-panicked, "the leader's own panic goes on")
	require.Equal(t, answer{4, nil}, receive(t, second), "the lead passed on")
	require.Equal(t, answer{6, nil}, receive(t, third))
	out, err := b.Do(context.Background(), 5)
	require.NoError(t, err)
	require.Equal(t, 10, out)
}

func TestBatcher_APanicFailsTheOthersOfItsBatch(t *testing.T) {
	t.Parallel()
	g := newGate()
	release := g.block(0)
	b := coalesce.New(10, func(ctx context.Context, ins []int) ([]int, error) {
		if len(ins) > 1 {
			panic("a bug")
		}
		return g.run(ctx, ins)
	})
	first := start(b, 0)
	require.Eventually(t, func() bool { return len(g.seen()) == 1 }, 10*time.Second, time.Millisecond)
	// 1 leads the next batch, with 2 in it: 1 panics, 2 gets an error.
	panicked := make(chan any, 1)
	go func() {
		defer func() { panicked <- recover() }()
		_, _ = b.Do(context.Background(), 1)
	}()
	waitFor(t, b, 1)
	second := start(b, 2)
	waitFor(t, b, 2)
	release()
	require.Equal(t, answer{0, nil}, <-first)
	require.Equal(t, "a bug", <-panicked)
	got := receive(t, second)
	require.ErrorContains(t, got.err.(error), "the batch panicked: a bug")
	out, err := b.Do(context.Background(), 5)
	require.NoError(t, err, "the batcher still runs")
	require.Equal(t, 10, out)
}

// TestBatcher_DetachedOutlivesItsLeader: a detached batch keeps its
// leader's values but not its cancellation, and has a deadline of its own;
// New's runs under the leader's context as it is.
func TestBatcher_DetachedOutlivesItsLeader(t *testing.T) {
	t.Parallel()
	type key struct{}
	type view struct {
		err      error
		value    any
		deadline time.Time
	}
	seen := make(chan view, 1)
	run := func(ctx context.Context, ins []int) ([]int, error) {
		deadline, _ := ctx.Deadline()
		seen <- view{ctx.Err(), ctx.Value(key{}), deadline}
		return ins, nil
	}
	leader, leave := context.WithCancel(context.WithValue(context.Background(), key{}, "trace"))
	leave()

	_, err := coalesce.NewDetached(4, time.Minute, run).Do(leader, 1)
	require.NoError(t, err)
	v := <-seen
	require.NoError(t, v.err, "the leader's leaving does not end the batch")
	require.Equal(t, "trace", v.value)
	require.WithinDuration(t, time.Now().Add(time.Minute), v.deadline, 10*time.Second)

	_, err = coalesce.New(4, run).Do(leader, 1)
	require.NoError(t, err)
	v = <-seen
	require.ErrorIs(t, v.err, context.Canceled)
	require.True(t, v.deadline.IsZero())
}

// TestAnswers: each input gets the row that matches it, in the inputs'
// order, the same row for a repeated input, and nil where no row matches.
func TestAnswers(t *testing.T) {
	t.Parallel()
	type row struct {
		id   int
		name string
	}
	rows := []row{{3, "c"}, {1, "a"}}
	got := coalesce.Answers([]int{1, 2, 3, 1}, rows, func(id int, r *row) bool { return r.id == id })
	require.Equal(t, []*row{&rows[1], nil, &rows[0], &rows[1]}, got)
	require.Empty(t, coalesce.Answers(nil, rows, func(int, *row) bool { return true }))
}
