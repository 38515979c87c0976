// Package migrate applies the modules' embedded migrations and River's own,
// one schema per module. Each migration runs in its own transaction, so a
// failing one leaves no trace, and the whole run holds an advisory lock, so
// replicas starting together apply each migration exactly once.
package migrate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// RiverSchema is the schema holding the monolith's River tables, apart from
// every module. A process running only some modules keeps its jobs in a
// schema of its own (config.Config.RiverSchema), so that split processes
// sharing one database never work, or lead, each other's jobs.
const RiverSchema = "river"

// lockKey is an arbitrary constant shared by every replica of the shop.
const lockKey int64 = 0x626f6f6b73746f72 // "bookstor"

// Set is one module's migrations, or River's (RiverSet).
type Set struct {
	Schema string
	FS     fs.FS
	river  bool
}

// RiverSet is River's own migrations, applied to schema.
func RiverSet(schema string) Set { return Set{Schema: schema, river: true} }

// Version reports a schema's applied migration.
type Version struct {
	Schema  string
	Version int64
	Pending int
}

var fileName = regexp.MustCompile(`^(\d+)_[a-z0-9_]+\.up\.sql$`)

type migration struct {
	version int64
	name    string
	sql     string
}

// Apply brings every set to its newest version.
func Apply(ctx context.Context, pool *pgxpool.Pool, sets []Set) error {
	// The lock lives on its own connection, outside the pool: replicas
	// waiting for it must not hold the pool connections the holder needs.
	lock, err := pgx.ConnectConfig(ctx, pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer lock.Close(context.WithoutCancel(ctx))
	if _, err := lock.Exec(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return fmt.Errorf("migrate: take lock: %w", err)
	}
	for _, s := range sets {
		apply := applySet
		if s.river {
			apply = applyRiver
		}
		if err := apply(ctx, pool, s); err != nil {
			return err
		}
	}
	return nil
}

// Status reports the applied and pending migrations of every set.
func Status(ctx context.Context, pool *pgxpool.Pool, sets []Set) ([]Version, error) {
	var out []Version
	for _, s := range sets {
		if s.river {
			rv, err := riverStatus(ctx, pool, s.Schema)
			if err != nil {
				return nil, err
			}
			out = append(out, rv)
			continue
		}
		all, err := load(s.FS)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Schema, err)
		}
		applied, err := appliedVersions(ctx, pool, s.Schema)
		if err != nil {
			return nil, err
		}
		v := Version{Schema: s.Schema}
		for _, m := range all {
			if applied[m.version] {
				v.Version = max(v.Version, m.version)
			} else {
				v.Pending++
			}
		}
		out = append(out, v)
	}
	return out, nil
}

func applySet(ctx context.Context, pool *pgxpool.Pool, s Set) error {
	all, err := load(s.FS)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", s.Schema, err)
	}
	ident := pgx.Identifier{s.Schema}.Sanitize()
	_, err = pool.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+ident+";"+
		"CREATE TABLE IF NOT EXISTS "+ident+".schema_migrations (version bigint PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
	if err != nil {
		return fmt.Errorf("migrate %s: create version table: %w", s.Schema, err)
	}
	for _, m := range all {
		if err := applyOne(ctx, pool, ident, m); err != nil {
			return fmt.Errorf("migrate %s %s: %w", s.Schema, m.name, err)
		}
	}
	return nil
}

// applyOne runs one migration unless it is recorded; migrations name their
// schema explicitly, as sqlc reads them.
func applyOne(ctx context.Context, pool *pgxpool.Pool, ident string, m migration) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var done bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+ident+".schema_migrations WHERE version = $1)", m.version).Scan(&done); err != nil {
			return err
		}
		if done {
			return nil
		}
		if _, err := tx.Exec(ctx, m.sql, pgx.QueryExecModeSimpleProtocol); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO "+ident+".schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name)
		return err
	})
}

func load(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var out []migration
	seen := map[int64]string{}
	for _, e := range entries {
		match := fileName.FindStringSubmatch(e.Name())
		if match == nil {
			continue
		}
		v, _ := strconv.ParseInt(match[1], 10, 64)
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("version %d used by %s and %s", v, prev, e.Name())
		}
		seen[v] = e.Name()
		b, err := fs.ReadFile(fsys, path.Clean(e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	slices.SortFunc(out, func(a, b migration) int { return int(a.version - b.version) })
	return out, nil
}

func appliedVersions(ctx context.Context, pool *pgxpool.Pool, schema string) (map[int64]bool, error) {
	rows, err := pool.Query(ctx, "SELECT version FROM "+pgx.Identifier{schema}.Sanitize()+".schema_migrations")
	if err != nil {
		var missing bool
		_ = pool.QueryRow(ctx, "SELECT to_regclass($1) IS NULL", schema+".schema_migrations").Scan(&missing)
		if missing {
			return map[int64]bool{}, nil
		}
		return nil, fmt.Errorf("read %s versions: %w", schema, err)
	}
	vs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("read %s versions: %w", schema, err)
	}
	out := make(map[int64]bool, len(vs))
	for _, v := range vs {
		out[v] = true
	}
	return out, nil
}

func riverMigrator(pool *pgxpool.Pool, schema string) (*rivermigrate.Migrator[pgx.Tx], error) {
	return rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Schema: schema})
}

func applyRiver(ctx context.Context, pool *pgxpool.Pool, s Set) error {
	if _, err := pool.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{s.Schema}.Sanitize()); err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	m, err := riverMigrator(pool, s.Schema)
	if err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	return nil
}

func riverStatus(ctx context.Context, pool *pgxpool.Pool, schema string) (Version, error) {
	v := Version{Schema: schema}
	m, err := riverMigrator(pool, schema)
	if err != nil {
		return v, err
	}
	all := m.AllVersions()
	existing, err := m.ExistingVersions(ctx)
	var missing bool
	if err != nil {
		if qerr := pool.QueryRow(ctx, "SELECT to_regclass($1) IS NULL", pgx.Identifier{schema, "river_migration"}.Sanitize()).Scan(&missing); qerr != nil || !missing {
			return v, fmt.Errorf("read river versions: %w", errors.Join(err, qerr))
		}
	}
	for _, e := range existing {
		v.Version = max(v.Version, int64(e.Version))
	}
	v.Pending = len(all) - len(existing)
	return v, nil
}
