package main

import (
	"context"
	"errors"
	"fmt"
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
	p := proctest.ServeSplit(t, []string{"DATABASE_URL="}, "--data-dir", data, "--shutdown-timeout", "5s")
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
	p.Signal(t, syscall.SIGTERM)
	require.Zero(t, p.WaitExit(t), p.Stderr())
	for _, pid := range pids {
		require.ErrorIs(t, syscall.Kill(pid, 0), syscall.ESRCH, "child %d is gone", pid)
	}
	_, err = os.Stat(filepath.Join(data, "postgres", "postmaster.pid"))
	require.True(t, errors.Is(err, os.ErrNotExist), "the cluster is stopped")
}
