package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/pgembed"
	"github.com/bookstore/bookstore/platform/proctest"
	"github.com/bookstore/bookstore/platform/web"
)

// TestServeSplit_Lifecycle runs `serve --split` on the private cluster: a
// database per module, the shop through the gateway, a killed module
// answered for with 503 while the others keep working and restarted by the
// supervisor, and nothing left running after SIGTERM.
func TestServeSplit_Lifecycle(t *testing.T) {
	t.Parallel()
	data := proctest.ReachableDir(t)
	p := proctest.ServeSplit(t, []string{"DATABASE_URL="}, "--data-dir", data, "--shutdown-timeout", "5s", "--drain-timeout", "2s")
	for _, want := range []string{"gateway | ", "auth    | ", "catalog | ", "orders  | "} {
		require.Contains(t, p.Stderr(), want, "each child's lines carry its name")
	}

	status, body, _ := get(t, p.URL()+"/")
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, "<title>")
	status, _, _ = get(t, p.URL()+"/signin")
	require.Equal(t, http.StatusOK, status)
	status, _, _ = get(t, p.URL()+"/cart")
	require.Equal(t, http.StatusOK, status)
	req, err := http.NewRequest(http.MethodGet, p.URL()+"/internal/v1/auth/user-changes?after=0&limit=1", nil)
	require.NoError(t, err)
	req.Header.Set(web.InternalTokenHeader, "a guess at the token that is long enough")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "internal endpoints are not reachable through the gateway")

	// One database per module, each holding its own module's schema only.
	ctx := context.Background()
	for _, m := range []string{"auth", "catalog", "orders"} {
		conn, err := pgx.Connect(ctx, pgembed.URL(filepath.Join(data, "postgres"), "bookstore_"+m))
		require.NoError(t, err, m)
		rows, err := conn.Query(ctx, `SELECT nspname FROM pg_namespace WHERE nspname IN ('auth', 'catalog', 'orders', 'river_`+m+`') ORDER BY 1`)
		require.NoError(t, err)
		schemas, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		require.Equal(t, []string{m, "river_" + m}, schemas)
		require.NoError(t, conn.Close(ctx))
	}

	// SIGKILL the catalog: its pages fail fast, the others work, and the
	// supervisor brings it back.
	require.NoError(t, syscall.Kill(p.ChildPID(t, "catalog"), syscall.SIGKILL))
	deadline := time.After(30 * time.Second)
	for {
		start := time.Now()
		status, _, _ = get(t, p.URL()+"/books")
		if status == http.StatusServiceUnavailable {
			require.Less(t, time.Since(start), 2*time.Second, "a module that is down is answered for at once")
			break
		}
		select {
		case <-deadline:
			t.Fatalf("catalog pages never answered 503 after SIGKILL: %s", p.Stderr())
		case <-time.After(20 * time.Millisecond):
		}
	}
	status, _, _ = get(t, p.URL()+"/signin")
	require.Equal(t, http.StatusOK, status, "auth pages work while the catalog is down")
	p.WaitLog(t, `msg="process exited; restarting" process=catalog`, 10*time.Second)
	p.WaitLog(t, `msg="process ready" process=catalog`, proctest.ReadyTimeout, 2)
	status, _, _ = get(t, p.URL()+"/books")
	require.Equal(t, http.StatusOK, status)

	// Each child runs on a share of the cores, not on all of them.
	procs := os.Getenv("GOMAXPROCS")
	if procs == "" {
		procs = strconv.Itoa(max(1, runtime.GOMAXPROCS(0)/2))
	}
	pids := []int{}
	for _, c := range []string{"gateway", "auth", "catalog", "orders"} {
		pid := p.ChildPID(t, c)
		environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		require.NoError(t, err)
		vars := strings.Split(string(environ), "\x00")
		i := slices.IndexFunc(vars, func(v string) bool { return strings.HasPrefix(v, "GOMAXPROCS=") })
		require.NotEqual(t, -1, i, "%s has no GOMAXPROCS", c)
		require.Equal(t, "GOMAXPROCS="+procs, vars[i], c)
		pids = append(pids, pid)
	}
	// SIGTERM: the gateway drains (its /readyz says 503 while it still
	// serves), then the processes stop one at a time, the gateway first
	// and auth, which the others call, last.
	p.Signal(t, syscall.SIGTERM)
	for deadline := time.Now().Add(5 * time.Second); ; {
		status, _, _ := get(t, p.URL()+"/readyz")
		if status == http.StatusServiceUnavailable {
			break
		}
		require.True(t, time.Now().Before(deadline), "the gateway never drained: %s", p.Stderr())
		time.Sleep(20 * time.Millisecond)
	}
	status, _, _ = get(t, p.URL()+"/signin")
	require.Equal(t, http.StatusOK, status, "a draining gateway still serves")
	require.Zero(t, p.WaitExit(t), p.Stderr())
	stopped := []int{}
	for _, c := range []string{"gateway", "orders", "catalog", "auth"} {
		i := strings.Index(p.Stderr(), `msg="process stopped" process=`+c)
		require.NotEqual(t, -1, i, "%s stopped: %s", c, p.Stderr())
		stopped = append(stopped, i)
	}
	require.IsIncreasing(t, stopped, "stopped in this order: gateway, orders, catalog, auth")
	for _, pid := range pids {
		require.ErrorIs(t, syscall.Kill(pid, 0), syscall.ESRCH, "child %d is gone", pid)
	}
	_, err = os.Stat(filepath.Join(data, "postgres", "postmaster.pid"))
	require.True(t, errors.Is(err, os.ErrNotExist), "the cluster is stopped")
}

// TestServeSplit_CannotStart: a split shop that cannot start says why and
// exits, as the monolith does, instead of restarting a process that fails
// the same way forever (and reporting ready, when another server holds
// its address).
func TestServeSplit_CannotStart(t *testing.T) {
	t.Parallel()
	t.Run("AddressInUse", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		p := proctest.Start(t, nil, "serve", "--split", "--addr", ln.Addr().String())
		require.Equal(t, 1, p.WaitExit(t), p.Stderr())
		require.Contains(t, p.Stderr(), "listen on "+ln.Addr().String())
		require.Contains(t, p.Stderr(), "address already in use")
	})
	t.Run("DatabaseOutOfReach", func(t *testing.T) {
		t.Parallel()
		p := proctest.Start(t, []string{"DATABASE_URL=postgres://bookstore@127.0.0.1:1/bookstore"}, "serve", "--split", "--addr", proctest.FreeAddr(t))
		require.Equal(t, 1, p.WaitExit(t), p.Stderr())
		require.Contains(t, p.Stderr(), "exited before it was ready")
		require.NotContains(t, p.Stderr(), "restarting")
	})
}
