// Package pg opens the process's Postgres pool, starting the embedded cluster
// first when no DATABASE_URL is given, and closes both in reverse order.
package pg

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/migrate"
	"github.com/bookstore/bookstore/platform/pgembed"
	"github.com/bookstore/bookstore/platform/tracing"
	"github.com/bookstore/bookstore/platform/web"
)

// Module provides the process's *pgxpool.Pool and its readiness check.
var Module = fx.Module("pg",
	// Tracing is optional, so tests that assemble the graph need not say.
	fx.Provide(fx.Annotate(NewPool, fx.ParamTags(``, ``, ``, ``, `optional:"true"`))),
	web.AsCheck(func(pool *pgxpool.Pool) web.Check {
		return web.Check{Name: "database", Func: func(ctx context.Context) error { return Ping(ctx, pool) }}
	}),
)

// EmbeddedDir is where the embedded cluster keeps its data.
func EmbeddedDir(cfg config.Config) string { return filepath.Join(cfg.DataDir, "postgres") }

// URL is the database the process uses: DATABASE_URL, or the embedded
// cluster's socket, which is known before the cluster starts.
func URL(cfg config.Config) string {
	if cfg.EmbeddedPostgres() {
		return pgembed.URL(EmbeddedDir(cfg), EmbeddedDatabase(cfg))
	}
	return cfg.DatabaseURL
}

// EmbeddedDatabase is the process's database in the embedded cluster:
// bookstore for the monolith, one per set of modules when split
// (bookstore_catalog), so no module of a split shop can reach another's
// tables, even by mistake.
func EmbeddedDatabase(cfg config.Config) string { return "bookstore" + cfg.Suffix() }

// MaxConns sizes the pool: River's workers (riverfx.MaxWorkers) and its
// listener, plus room for requests. Most connections of a busy shop wait
// on a commit's WAL flush rather than on a core, and commits that wait
// together share one flush, so the pool is larger than the cores.
const MaxConns = 40

// PoolConfig is the configuration of a pool to url as the shop opens it:
// MaxConns connections, a connect timeout, and JIT compilation off in its
// sessions. A URL's own connect_timeout or jit wins.
//
// The shop's statements are short, and compiling one takes longer than
// running it: the carrier's round, which the planner prices above
// jit_above_cost as its history of shipments grows, spent 11.8 s of its
// 18.9 s compiling in a bench run (auto_explain, 343 of 410 rounds
// compiled). JIT pays off for analytics over millions of rows, which the
// shop never runs.
func PoolConfig(url string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = MaxConns
	// A database that is down answers a request with a 503 in seconds
	// instead of hanging it.
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["jit"]; !ok {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	return cfg, nil
}

// Migrations are the sets applied when the pool starts (with --migrate).
type Migrations []migrate.Set

// NewPool builds a lazy pool, so constructing the app touches nothing. The
// start hook starts the embedded cluster if needed, checks the connection
// and applies migrations; since every user of the database depends on the
// pool, this hook runs before any of theirs. The stop hook undoes it all.
func NewPool(lc fx.Lifecycle, cfg config.Config, log *slog.Logger, sets Migrations, tr *tracing.Tracing) (*pgxpool.Pool, error) {
	pcfg, err := PoolConfig(URL(cfg))
	if err != nil {
		return nil, fmt.Errorf("--database-url is not a valid PostgreSQL URL")
	}
	pcfg.ConnConfig.Tracer = tr.QueryTracer()
	pool, err := pgxpool.NewWithConfig(context.Background(), pcfg)
	if err != nil {
		return nil, fmt.Errorf("database pool: %w", err)
	}
	var cluster *pgembed.Cluster
	lc.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			if cfg.EmbeddedPostgres() {
				// The process's own database, made if missing: a command
				// for one module of a split shop (user create --split) may
				// come before `serve --split` made it.
				cluster, err = pgembed.Start(ctx, EmbeddedDir(cfg), &pgembed.Options{Database: EmbeddedDatabase(cfg)})
				if err != nil {
					return err
				}
				log.Info("embedded postgres running", "dir", cluster.Dir(), "adopted", cluster.Adopted(), "shared", cluster.Shared())
			}
			// fx runs no stop hook for a failed start hook, so undo here.
			fail := func(err error) error {
				pool.Close()
				if cluster != nil {
					_ = cluster.Stop(context.WithoutCancel(ctx))
				}
				return err
			}
			if err := Ping(ctx, pool); err != nil {
				return fail(fmt.Errorf("database unreachable: %w", Describe(err)))
			}
			if cfg.Migrate {
				if err := migrate.Apply(ctx, pool, sets); err != nil {
					return fail(err)
				}
			}
			return nil
		},
		OnStop: func(ctx context.Context) error {
			pool.Close()
			if cluster != nil {
				return cluster.Stop(ctx)
			}
			return nil
		},
	})
	return pool, nil
}

// Ping checks that the database answers within a short time.
func Ping(ctx context.Context, pool *pgxpool.Pool) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return pool.Ping(ctx)
}

// IsUniqueViolation reports whether err broke the named unique constraint
// or index, so that a caller tells a duplicate it expects from any other.
func IsUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == constraint
}

// Describe shortens a connection error to what an operator can act on,
// leaving out the URL and its password.
func Describe(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fmt.Errorf("%s (SQLSTATE %s)", pgErr.Message, pgErr.Code)
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		// pgx joins one error per address and TLS attempt; the first says it.
		first, _, _ := strings.Cut(errors.Unwrap(connErr).Error(), "\n")
		return errors.New(first)
	}
	return err
}
