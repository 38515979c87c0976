package webtest

import (
	"net/http"
	"sync/atomic"

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
