package webtest

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/web"
)

// Gate holds the first request to one path until Release, and counts the
// requests to it: a test sees what a client sends while one of its calls
// is under way (Opts.Middleware takes Gate.Middleware()).
type Gate struct {
	path          string
	calls         atomic.Int32
	held, release chan struct{}
}

// NewGate returns a Gate of the requests to path.
func NewGate(path string) *Gate {
	return &Gate{path: path, held: make(chan struct{}), release: make(chan struct{})}
}

// Middleware holds and counts the requests.
func (g *Gate) Middleware() web.Middleware {
	return web.Middleware{Func: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == g.path && g.calls.Add(1) == 1 {
				close(g.held)
				<-g.release
			}
			next.ServeHTTP(w, r)
		})
	}}
}

// Held is closed once the first request has arrived.
func (g *Gate) Held() <-chan struct{} { return g.held }

// Release lets the first request go on.
func (g *Gate) Release() { close(g.release) }

// Calls counts the requests so far.
func (g *Gate) Calls() int { return int(g.calls.Load()) }

// Together makes n calls, call(1) to call(n), each in a goroutine of its
// own: the first until its request is held, the others until waiting (how
// many calls wait in the client) counts them all, so that they go in the
// client's next call. It fails t unless every call returns nil and the
// client made two calls.
func (g *Gate) Together(t testing.TB, n int, waiting func() int, call func(i byte) error) {
	t.Helper()
	errs := make(chan error, n)
	run := func(i byte) { go func() { errs <- call(i) }() }
	run(1)
	select {
	case <-g.Held():
	case err := <-errs:
		t.Fatalf("the first call returned (%v) before the gate held its request", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the first call's request never arrived")
	}
	for i := 2; i <= n; i++ {
		run(byte(i))
	}
	require.Eventually(t, func() bool { return waiting() == n-1 }, 10*time.Second, time.Millisecond)
	g.Release()
	for range n {
		require.NoError(t, <-errs)
	}
	require.Equal(t, 2, g.Calls())
}
