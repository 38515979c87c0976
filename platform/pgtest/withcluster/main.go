// Command withcluster runs a command, usually `go test ./...`, with
// TEST_DATABASE_URL naming a private PostgreSQL cluster that it starts first
// and stops afterwards, whatever the command's outcome, so that every test
// binary of the run shares one cluster instead of starting its own. It exits
// with the command's status.
//
//	go run ./platform/pgtest/withcluster go test ./...
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/bookstore/bookstore/platform/pgembed"
)

func main() {
	code, err := run(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "withcluster:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

func run(args []string) (int, error) {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return 2, errors.New("usage: withcluster COMMAND [ARG...]")
	}
	// Ctrl-C reaches the command too (same process group); this process
	// waits for it to finish, then still stops the cluster.
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM)

	dir, err := os.MkdirTemp("", "bookstore-testcluster-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(dir)
	// The cluster may run as the postgres user, which must enter here.
	if err := os.Chmod(dir, 0o755); err != nil {
		return 1, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cluster, err := pgembed.Start(ctx, filepath.Join(dir, "pg"), &pgembed.Options{Ephemeral: true})
	cancel()
	if err != nil {
		return 1, fmt.Errorf("start the test cluster: %w", err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := cluster.Stop(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "withcluster: stop the test cluster:", err)
		}
	}()

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "TEST_DATABASE_URL="+cluster.URL())
	err = cmd.Run()
	signal.Reset()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), nil
	case err != nil:
		return 1, err
	}
	return 0, nil
}
