package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bookstore/bookstore"
	"github.com/bookstore/bookstore/platform/migrate"
	"github.com/bookstore/bookstore/platform/pg"
	"github.com/bookstore/bookstore/platform/pgembed"
	"github.com/bookstore/bookstore/platform/random"
)

// Env is where sections measure: a private cluster with production's
// durability (fsync and synchronous_commit on, as `make run` has it), a
// migrated template to clone databases from, and the binary under test.
type Env struct {
	// Binary is the bookstore binary that HTTP sections start.
	Binary string
	// Quick shortens every run (a smoke run of the bench itself).
	Quick bool
	// Log receives progress lines, so a long run shows it is alive.
	Log io.Writer

	dir      string
	cluster  *pgembed.Cluster
	admin    *pgxpool.Pool
	template string
}

// Options shape a run's Env.
type Options struct {
	// Binary is the bookstore binary that HTTP sections start.
	Binary string
	// Quick shortens every run (a smoke run of the bench itself).
	Quick bool
	// Explain above zero has the cluster log the plan of every statement
	// that runs longer (auto_explain), for SlowStatements.
	Explain time.Duration
	// Statements has the cluster count what each statement costs
	// (pg_stat_statements), for TopStatements.
	Statements bool
}

// Start starts the cluster in a new temporary folder and migrates the
// template every database is cloned from.
func Start(ctx context.Context, o Options, log io.Writer) (*Env, error) {
	dir, err := os.MkdirTemp("", "bookstore-bench-")
	if err != nil {
		return nil, err
	}
	e := &Env{Binary: o.Binary, Quick: o.Quick, Log: log, dir: dir}
	// The cluster may run as the postgres user, which must enter here.
	if err := os.Chmod(dir, 0o755); err != nil {
		e.Close()
		return nil, err
	}
	opts := &pgembed.Options{}
	if o.Explain > 0 {
		opts.Settings = append(opts.Settings, "session_preload_libraries=auto_explain",
			fmt.Sprintf("auto_explain.log_min_duration=%dus", o.Explain.Microseconds()))
	}
	if o.Statements {
		opts.Settings = append(opts.Settings, StatementSettings...)
	}
	if e.cluster, err = pgembed.Start(ctx, filepath.Join(dir, "pg"), opts); err != nil {
		e.Close()
		return nil, err
	}
	if e.admin, err = pgxpool.New(ctx, e.cluster.URL()); err != nil {
		e.Close()
		return nil, err
	}
	e.template = "bench_template"
	if _, err := e.admin.Exec(ctx, "CREATE DATABASE "+e.template); err != nil {
		e.Close()
		return nil, err
	}
	pool, err := pgxpool.New(ctx, e.urlOf(e.template))
	if err != nil {
		e.Close()
		return nil, err
	}
	defer pool.Close()
	if err := migrate.Apply(ctx, pool, append(bookstore.MigrationSets("auth", "catalog", "orders"), migrate.RiverSet(migrate.RiverSchema))); err != nil {
		e.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return e, nil
}

// SlowStatements sums the plans the cluster logged so far (see
// Options.Explain) by statement.
func (e *Env) SlowStatements() ([]SlowStatement, error) {
	f, err := os.Open(e.cluster.LogFile())
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadSlowStatements(f)
}

// ResetStatements starts the counts of TopStatements over (see
// Options.Statements).
func (e *Env) ResetStatements(ctx context.Context) error { return ResetStatements(ctx, e.admin) }

// TopStatements are the n statements that ran the longest since
// ResetStatements (see Options.Statements).
func (e *Env) TopStatements(ctx context.Context, n int) ([]Statement, error) {
	return TopStatements(ctx, e.admin, n)
}

// Close stops the cluster and removes every data set with it.
func (e *Env) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if e.admin != nil {
		e.admin.Close()
	}
	if e.cluster != nil {
		_ = e.cluster.Stop(ctx)
	}
	_ = os.RemoveAll(e.dir)
}

// Dur is full, or a tenth of it (at least a second) in a quick run.
func (e *Env) Dur(full time.Duration) time.Duration {
	if e.Quick {
		return max(full/10, time.Second)
	}
	return full
}

// Logf reports progress.
func (e *Env) Logf(format string, args ...any) {
	fmt.Fprintf(e.Log, "  · "+format+"\n", args...)
}

// Database is a fresh migrated database; Drop removes it.
type Database struct {
	URL  string
	Pool *pgxpool.Pool
	drop func()
}

// Drop closes the pool and drops the database.
func (d *Database) Drop() { d.drop() }

// NewDatabase clones the template.
func (e *Env) NewDatabase(ctx context.Context) (*Database, error) {
	name := "bench_" + random.Hex(6)
	if _, err := e.admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+e.template); err != nil {
		return nil, fmt.Errorf("create database: %w", err)
	}
	d := &Database{URL: e.urlOf(name)}
	d.drop = func() {
		if d.Pool != nil {
			d.Pool.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, _ = e.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	var err error
	if d.Pool, err = Pool(ctx, d.URL, pg.MaxConns); err != nil {
		d.drop()
		return nil, err
	}
	return d, nil
}

func (e *Env) urlOf(name string) string {
	u, _ := url.Parse(e.cluster.URL())
	u.Path = "/" + name
	return u.String()
}

// Pool opens a pool of at most maxConns connections to url, with the
// shop's session settings (pg.PoolConfig): the shop's size (pg.MaxConns)
// for a handler that stands in for it, or one per client for a load that
// measures Postgres alone.
func Pool(ctx context.Context, url string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pg.PoolConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = maxConns
	return pgxpool.NewWithConfig(ctx, cfg)
}

// Shop is a running `bookstore serve`.
type Shop struct {
	URL  string
	cmd  *exec.Cmd
	done chan struct{}
	dir  string
}

// StartShop runs the binary against databaseURL on a free loopback port,
// with extra environment, and waits until it is ready.
func (e *Env) StartShop(ctx context.Context, databaseURL string, env ...string) (*Shop, error) {
	return e.startShop(ctx, []string{"serve"}, []string{"/readyz"}, databaseURL, env)
}

// StartSplitShop runs the split shop (`serve --split`: the gateway and a
// process per module, all on databaseURL) and waits until a page of each
// module answers through the gateway.
func (e *Env) StartSplitShop(ctx context.Context, databaseURL string, env ...string) (*Shop, error) {
	return e.startShop(ctx, []string{"serve", "--split"}, []string{"/signin", "/api/v1/books", "/cart"}, databaseURL, env)
}

func (e *Env) startShop(ctx context.Context, args, ready []string, databaseURL string, env []string) (*Shop, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	dir, err := os.MkdirTemp(e.dir, "shop-")
	if err != nil {
		return nil, err
	}
	s := &Shop{URL: "http://" + addr, done: make(chan struct{}), dir: dir}
	s.cmd = exec.Command(e.Binary, args...)
	s.cmd.Env = append(os.Environ(), append([]string{"DATABASE_URL=" + databaseURL, "BOOKSTORE_ADDR=" + addr,
		"BOOKSTORE_DATA_DIR=" + dir, "BOOKSTORE_LOG_LEVEL=error"}, env...)...)
	s.cmd.Stderr = os.Stderr
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	deadline := time.After(2 * time.Minute)
	for len(ready) > 0 {
		if res, err := http.Get(s.URL + ready[0]); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				ready = ready[1:]
				continue
			}
		}
		select {
		case <-s.done:
			return nil, errors.New("bookstore exited before it was ready")
		case <-deadline:
			s.Stop()
			return nil, errors.New("bookstore not ready within 2 minutes")
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return s, nil
}

// RSS is the process's resident memory now and its peak so far, in MB.
func (s *Shop) RSS() (now, peak float64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, _ := strings.Cut(sc.Text(), ":")
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		kb, _ := strconv.ParseFloat(fields[0], 64)
		switch name {
		case "VmRSS":
			now = kb / 1024
		case "VmHWM":
			peak = kb / 1024
		}
	}
	return now, peak, sc.Err()
}

// Stop ends the process as an orchestrator would (SIGTERM, then SIGKILL).
func (s *Shop) Stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}
