// Command bench is `make bench`: it runs every section of the report in one
// process on one machine and prints each figure beside its target. The
// data sets live in a private PostgreSQL cluster started for the run and
// removed after it. Sections come from the modules' <module>bench
// packages; add a section there and list its package here.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/bookstore/bookstore/modules/catalog/catalogbench"
	"github.com/bookstore/bookstore/modules/orders/ordersbench"
	"github.com/bookstore/bookstore/platform/bench"
)

func main() {
	binary := flag.String("binary", "bin/bookstore", "the bookstore binary HTTP sections start")
	quick := flag.Bool("quick", false, "run each measurement for a tenth of its time (checks the bench itself, not the shop)")
	only := flag.String("only", "", "run only the sections whose name contains this text")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of this process (the service-layer sections run in it) to this file")
	explain := flag.Duration("explain", 0, "log the plan of every statement slower than this (auto_explain) and list those statements, with the tables their plans read whole, after the report")
	flag.Parse()
	if err := run(*binary, *quick, *only, *cpuProfile, *explain); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(binary string, quick bool, only, cpuProfile string, explain time.Duration) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sections := append(ordersbench.Sections(), catalogbench.Sections()...)
	if _, err := os.Stat(binary); err != nil {
		return fmt.Errorf("%s: build it first (make build): %w", binary, err)
	}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	started := time.Now()
	fmt.Printf("BookStore bench — %s, %d CPUs, GOMAXPROCS %d, %s\n", started.Format(time.DateTime), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Println("Every load is closed-loop (each worker waits for its answer); Postgres, the shop and the load generator share the machine.")
	if quick {
		fmt.Println("QUICK RUN: every measurement is a tenth of its length; the figures are not comparable.")
	}
	env, err := bench.Start(ctx, binary, quick, explain, os.Stderr)
	if err != nil {
		return fmt.Errorf("start the bench cluster: %w", err)
	}
	defer env.Close()
	failed := 0
	for _, s := range sections {
		if only != "" && !strings.Contains(strings.ToLower(s.Name), strings.ToLower(only)) {
			continue
		}
		fmt.Fprintf(os.Stderr, "running %s\n", s.Name)
		t0 := time.Now()
		figs, err := s.Run(ctx, env)
		bench.Print(os.Stdout, s.Name, figs, time.Since(t0))
		if err != nil {
			failed++
			fmt.Printf("  FAILED: %v\n", err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if explain > 0 {
		if err := printSlow(env, explain); err != nil {
			return fmt.Errorf("read the plans: %w", err)
		}
	}
	fmt.Printf("\nDone in %s. \"ok\" meets the target, \"MISS\" does not; figures without a target are context.\n", time.Since(started).Round(time.Second))
	if failed > 0 {
		return fmt.Errorf("%d sections failed", failed)
	}
	return nil
}

// printSlow lists the statements that ran longer than explain, the slowest
// in total first, with the tables their plans read whole.
func printSlow(env *bench.Env, explain time.Duration) error {
	slow, err := env.SlowStatements()
	if err != nil {
		return err
	}
	fmt.Printf("\n== Statements slower than %s, by their time in total (auto_explain)\n", explain)
	fmt.Printf("  %8s %10s  %-40s %s\n", "calls", "total ms", "statement", "tables a plan read whole")
	for _, s := range slow {
		fmt.Printf("  %8d %10.0f  %-40s %s\n", s.Calls, bench.Ms(s.Total), s.Name, strings.Join(s.Scanned, " "))
	}
	return nil
}
