package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"reflect"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/pg"
	"github.com/bookstore/bookstore/platform/pgembed"
	"github.com/bookstore/bookstore/platform/web"
)

func newServeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the shop: web UI, JSON API and job workers",
		Long: `Serve the shop: web UI, JSON API and job workers of the modules named by
--modules (all by default). Without DATABASE_URL a private PostgreSQL
cluster is started in --data-dir (or shared with the processes already using
it) and stopped on exit by the last process using it. SIGTERM (what an
orchestrator sends) first drains: /readyz answers 503 at once while requests
are still served for --drain-timeout, so the load balancer moves away. Then,
as at once on SIGINT (Ctrl-C), the listener closes, in-flight requests and
jobs get --shutdown-timeout to finish (unfinished jobs go back to the queue
for another replica), and the database stops.`,
		Args: cobra.NoArgs,
	}
	var split bool
	cmd.Flags().BoolVar(&split, "split", false, "run every module in a process of its own behind a gateway on --addr, all supervised by this one (a database per module in the private cluster)")
	load := bindConfig(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := load()
		if err != nil {
			return err
		}
		if err := cfg.CheckServe(); err != nil {
			return err
		}
		if err := checkDataDir(cmd.Context(), cfg); err != nil {
			return err
		}
		if split {
			ctx, stop := stopContext()
			defer stop()
			return serveSplit(ctx, cfg, cmd.Flags())
		}
		var drain *web.Drain
		app := fx.New(appOptions(cfg, serveOptions(cfg)), fx.Populate(&drain))
		if err := app.Err(); err != nil {
			return describeStartError(err)
		}
		// Signals are caught before the start, so one that comes while the
		// shop starts (or right after it answers /readyz) still stops it
		// gracefully.
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
		startCtx, cancel := context.WithTimeout(context.Background(), app.StartTimeout())
		defer cancel()
		if err := app.Start(startCtx); err != nil {
			return describeStartError(err)
		}
		// Starting borrowed memory it no longer needs (argon2id's 19 MiB for
		// the sign-in timing guard, migrations, templates); hand it back now
		// rather than when the runtime's scavenger gets to it, so an idle
		// replica stays small.
		debug.FreeOSMemory()
		got := <-sig
		if got == syscall.SIGTERM && cfg.DrainTimeout > 0 {
			drain.Start()
			slog.Info("draining", "signal", got.String(), "for", cfg.DrainTimeout)
			select {
			case <-time.After(cfg.DrainTimeout):
			case got = <-sig: // a second signal cuts the drain short
			}
		}
		signal.Stop(sig)
		slog.Info("stopping", "signal", got.String(), "grace", cfg.ShutdownTimeout)
		stopCtx, cancelStop := context.WithTimeout(context.Background(), app.StopTimeout())
		defer cancelStop()
		if err := app.Stop(stopCtx); err != nil {
			return fmt.Errorf("stop: %w", err)
		}
		slog.Info("stopped")
		return nil
	}
	return cmd
}

// describeStartError drops fx's and dig's call-site decoration and keeps
// the first error of ours in the chain, so the operator gets one line to act
// on.
func describeStartError(err error) error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		t := reflect.TypeOf(e)
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if p := t.PkgPath(); !strings.HasPrefix(p, "go.uber.org/dig") && !strings.HasPrefix(p, "go.uber.org/fx") {
			return e
		}
	}
	return err
}

// checkDataDir refuses a --data-dir the shop cannot use before anything
// makes a folder in it (the cluster's, the photos', the certificates'), so
// that the error names the flag and a refused folder is left as it was.
func checkDataDir(ctx context.Context, cfg config.Config) error {
	if !cfg.EmbeddedPostgres() && !cfg.LocalPhotos() && len(cfg.ACMEDomains) == 0 {
		return nil
	}
	if cfg.EmbeddedPostgres() {
		if err := pgembed.CheckDir(ctx, pg.EmbeddedDir(cfg)); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("--data-dir: %w", err)
	}
	return nil
}
