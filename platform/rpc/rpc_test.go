package rpc_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/web"
)

const token = "0123456789abcdef0123456789abcdef"

var errSoldOut = apperr.New(apperr.Conflict, "test.sold_out", "sold out")

// serve runs h behind a counter of the requests it got.
func serve(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestCall_RoundTrip(t *testing.T) {
	t.Parallel()
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, token, r.Header.Get(web.InternalTokenHeader))
		require.Equal(t, "application/json", r.Header.Get("Accept"))
		require.Equal(t, "req-42", r.Header.Get(middleware.RequestIDHeader), "the caller's request id goes on")
		if r.Method == http.MethodGet {
			require.Empty(t, r.Header.Values("Content-Type"), "no body, no type")
			web.JSON(w, http.StatusOK, map[string]int{"double": 0})
			return
		}
		require.Equal(t, "application/json", r.Header.Get("Content-Type"))
		var in struct{ N int }
		require.NoError(t, web.DecodeJSON(w, r, &in))
		web.JSON(w, http.StatusOK, map[string]int{"double": in.N * 2})
	})
	ctx := context.WithValue(context.Background(), middleware.RequestIDKey, "req-42")
	var out struct{ Double int }
	c := rpc.New("test", srv.URL, token, nil)
	require.NoError(t, c.Call(ctx, http.MethodPost, "/internal/v1/test/double", map[string]int{"N": 21}, &out))
	require.Equal(t, 42, out.Double)
	require.NoError(t, c.Call(ctx, http.MethodGet, "/internal/v1/test/double", nil, &out))
	require.Equal(t, 0, out.Double)
}

func TestCall_CodedErrorIsPermanentAndKeepsItsSentinel(t *testing.T) {
	t.Parallel()
	srv, n := serve(t, func(w http.ResponseWriter, r *http.Request) {
		web.Error(w, r, errSoldOut.WithMessage("no copies of Dune are left").WithFields(map[string]string{"book": "sold out"}))
	})
	err := rpc.New("test", srv.URL, token, nil).Call(context.Background(), http.MethodPost, "/internal/v1/test/x", nil, nil)
	require.ErrorIs(t, err, errSoldOut)
	e := apperr.As(err)
	require.Equal(t, apperr.Conflict, e.Kind)
	require.Equal(t, "no copies of Dune are left", e.Message)
	require.Equal(t, map[string]string{"book": "sold out"}, e.Fields)
	require.EqualValues(t, 1, n.Load(), "a coded answer is not retried")
}

func TestCall_TransientIsRetriedThenUnavailable(t *testing.T) {
	t.Parallel()
	srv, n := serve(t, func(w http.ResponseWriter, r *http.Request) {
		web.Error(w, r, errors.New("database down"))
	})
	err := rpc.New("test", srv.URL, token, nil).Call(context.Background(), http.MethodGet, "/internal/v1/test/x", nil, nil)
	require.ErrorIs(t, err, apperr.ErrUnavailable)
	require.Equal(t, apperr.Unavailable, apperr.KindOf(err))
	require.Equal(t, "the test service is not answering; please try again shortly", apperr.As(err).Message)
	require.EqualValues(t, rpc.DefaultAttempts, n.Load())

	// A failure that passes is not seen by the caller.
	srv, n = serve(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Load() == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		web.JSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	var out struct{ OK bool }
	require.NoError(t, rpc.New("test", srv.URL, token, nil).Call(context.Background(), http.MethodGet, "/internal/v1/test/x", nil, &out))
	require.True(t, out.OK)
	require.EqualValues(t, 2, n.Load())
}

// TestCall_RedirectIsNotFollowed: an internal endpoint never redirects, so
// a 3xx is an answer (without an error code, a failure), and where it
// points is not called.
func TestCall_RedirectIsNotFollowed(t *testing.T) {
	t.Parallel()
	srv, n := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/internal/v1/test/elsewhere", http.StatusSeeOther)
	})
	err := rpc.New("test", srv.URL, token, nil).Call(context.Background(), http.MethodPost, "/internal/v1/test/x", nil, nil)
	require.ErrorContains(t, err, "answered 303 without an error code")
	require.EqualValues(t, 1, n.Load())
}

func TestCall_ProcessDownFailsFast(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	start := time.Now()
	err := rpc.New("test", url, token, nil).Call(context.Background(), http.MethodGet, "/internal/v1/test/x", nil, nil)
	require.ErrorIs(t, err, apperr.ErrUnavailable)
	require.Less(t, time.Since(start), 2*time.Second, "refused connections are not waited on")
}

func TestCall_EndsBeforeTheCallersDeadline(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := rpc.New("test", srv.URL, token, &rpc.Opts{Timeout: time.Minute}).Call(ctx, http.MethodGet, "/internal/v1/test/x", nil, nil)
	require.ErrorIs(t, err, apperr.ErrUnavailable)
	dl, _ := ctx.Deadline()
	require.Greater(t, time.Until(dl), 100*time.Millisecond, "the caller keeps a fifth of its time to answer")

	// Without a deadline of the caller's, each attempt has its own.
	start := time.Now()
	err = rpc.New("test", srv.URL, token, &rpc.Opts{Timeout: 100 * time.Millisecond, Attempts: 2}).Call(context.Background(), http.MethodGet, "/internal/v1/test/x", nil, nil)
	require.ErrorIs(t, err, apperr.ErrUnavailable)
	require.Less(t, time.Since(start), 2*time.Second)
}

func TestCall_WrongTokenIsTheOperatorsMistake(t *testing.T) {
	t.Parallel()
	srv, n := serve(t, func(w http.ResponseWriter, r *http.Request) {
		web.Error(w, r, web.ErrInternalToken)
	})
	err := rpc.New("test", srv.URL, "another token", nil).Call(context.Background(), http.MethodGet, "/internal/v1/test/x", nil, nil)
	require.ErrorContains(t, err, "give every process the same --internal-token")
	require.Equal(t, apperr.Internal, apperr.KindOf(err), "not the user's sign-in problem")
	require.NotContains(t, err.Error(), "another token")
	require.EqualValues(t, 1, n.Load())
}

// TestCall_ReusesConnections: as many callers as the bench's buyers dial
// their connections once and then keep using them, whether the answer is
// decoded or dropped: an idle pool smaller than the concurrency (Go's
// default keeps 2 a host), or an answer left unread, would dial again in
// every round.
func TestCall_ReusesConnections(t *testing.T) {
	t.Parallel()
	const callers, rounds = 8, 20
	// The server answers a round's calls once all have come, so each round
	// holds every caller's connection at once, and the round ends with all
	// of them idle (the transport pools a connection before the answer's
	// Close returns).
	var (
		mu      sync.Mutex
		arrived int
		round   = make(chan struct{})
		dialed  atomic.Int32
	)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		wait := round
		if arrived++; arrived == callers {
			arrived = 0
			close(round)
			round = make(chan struct{})
		}
		mu.Unlock()
		select {
		case <-wait:
		case <-r.Context().Done():
		}
		web.JSON(w, http.StatusOK, map[string]string{"padding": strings.Repeat("x", 4<<10)})
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dialed.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c := rpc.New("test", srv.URL, token, nil)
	for i := range rounds {
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				var out struct{ Padding string }
				dst := any(&out)
				if i%2 == 1 {
					dst = nil
				}
				if err := c.Call(context.Background(), http.MethodPost, "/internal/v1/test/x", map[string]int{"i": i}, dst); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	require.EqualValues(t, callers, dialed.Load(), "connections dialed for %d calls", callers*rounds)
}
