package main

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

func TestRun_SharesAClusterAndStopsItWhateverTheOutcome(t *testing.T) {
	dir := t.TempDir()
	urlFile, done := filepath.Join(dir, "url"), filepath.Join(dir, "done")
	// The command publishes its TEST_DATABASE_URL, waits (at most a
	// minute) until the test has used it, then fails.
	script := `printf %s "$TEST_DATABASE_URL" > ` + urlFile + `.tmp && mv ` + urlFile + `.tmp ` + urlFile + `
for i in $(seq 1 1200); do [ -e ` + done + ` ] && exit 3; sleep 0.05; done; exit 4`
	type result struct {
		code int
		err  error
	}
	finished := make(chan result, 1)
	go func() {
		code, err := run([]string{"sh", "-c", script})
		finished <- result{code, err}
	}()

	var raw []byte
	deadline := time.After(2 * time.Minute)
	for raw == nil {
		select {
		case r := <-finished:
			t.Fatalf("the command ended early: %d %v", r.code, r.err)
		case <-deadline:
			t.Fatal("the command never saw a cluster")
		case <-time.After(50 * time.Millisecond):
			raw, _ = os.ReadFile(urlFile)
		}
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, string(raw))
	require.NoError(t, err, "the cluster answers while the command runs")
	var one int
	require.NoError(t, conn.QueryRow(ctx, "SELECT 1").Scan(&one))
	require.NoError(t, conn.Close(ctx))
	require.NoError(t, os.WriteFile(done, nil, 0o600))

	r := <-finished
	require.NoError(t, r.err)
	require.Equal(t, 3, r.code, "the command's status is the exit status")
	u, err := url.Parse(string(raw))
	require.NoError(t, err)
	socketDir := u.Query().Get("host")
	require.NotEmpty(t, socketDir, "TEST_DATABASE_URL names the cluster's socket: %s", raw)
	_, err = os.Stat(socketDir)
	require.ErrorIs(t, err, os.ErrNotExist, "the cluster and its folder are gone after a failed command")
}

func TestRun_NeedsACommand(t *testing.T) {
	code, err := run([]string{"--"})
	require.Error(t, err)
	require.Equal(t, 2, code)
}
