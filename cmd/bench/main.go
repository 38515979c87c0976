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
	statements := flag.Int("statements", 0, "after each section, list this many statements that took Postgres the longest, with their calls, plans, rows and WAL records (pg_stat_statements)")
	flag.Parse()
	o := bench.Options{Binary: *binary, Quick: *quick, Explain: *explain, Statements: *statements > 0}
	if err := run(o, *only, *cpuProfile, *statements); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(o bench.Options, only, cpuProfile string, statements int) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sections := append(ordersbench.Sections(), catalogbench.Sections()...)
	if _, err := os.Stat(o.Binary); err != nil {
		return fmt.Errorf("%s: build it first (make build): %w", o.Binary, err)
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
	if o.Quick {
		fmt.Println("QUICK RUN: every measurement is a tenth of its length; the figures are not comparable.")
	}
	env, err := bench.Start(ctx, o, os.Stderr)
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
		if statements > 0 {
			if err := env.ResetStatements(ctx); err != nil {
				return err
			}
		}
		steal0, err := bench.Steal()
		if err != nil {
			return err
		}
		t0 := time.Now()
		figs, err := s.Run(ctx, env)
		took := time.Since(t0)
		steal1, serr := bench.Steal()
		if serr != nil {
			return serr
		}
		figs = append(figs, bench.Info("CPU the hypervisor took (steal)", 100*(steal1-steal0).Seconds()/(took.Seconds()*float64(runtime.NumCPU())), "%",
			"of the machine's CPUs through the section; every figure above falls as it grows"))
		bench.Print(os.Stdout, s.Name, figs, took)
		if err != nil {
			failed++
			fmt.Printf("  FAILED: %v\n", err)
		}
		if statements > 0 {
			if err := printStatements(ctx, env, statements); err != nil {
				return fmt.Errorf("read the statements' counts: %w", err)
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if o.Explain > 0 {
		if err := printSlow(env, o.Explain); err != nil {
			return fmt.Errorf("read the plans: %w", err)
		}
	}
	fmt.Printf("\nDone in %s. \"ok\" meets the target, \"MISS\" does not; figures without a target are context.\n", time.Since(started).Round(time.Second))
	if failed > 0 {
		return fmt.Errorf("%d sections failed", failed)
	}
	return nil
}

// printStatements lists the n statements that took Postgres the longest
// during the section, the longest first.
func printStatements(ctx context.Context, env *bench.Env, n int) error {
	top, err := env.TopStatements(ctx, n)
	if err != nil {
		return err
	}
	fmt.Printf("   The %d statements that ran the longest in Postgres (pg_stat_statements; locks waited for included)\n", len(top))
	fmt.Printf("   %9s %9s %10s %8s %11s %10s  %s\n", "calls", "plans", "rows", "total ms", "ms per call", "WAL recs", "statement")
	for _, s := range top {
		name := s.Name
		if len(name) > 60 {
			name = name[:57] + "..."
		}
		fmt.Printf("   %9d %9d %10d %8.0f %11.3f %10d  %s\n", s.Calls, s.Plans, s.Rows, bench.Ms(s.Total), bench.Ms(s.Total)/float64(max(s.Calls, 1)), s.WALRecords, name)
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
