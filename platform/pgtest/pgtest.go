// Package pgtest gives each test its own database, cloned from a template
// that every module's migrations (and River's) were applied to. The server
// is the one TEST_DATABASE_URL names, shared by every test binary of a run
// (make test starts one for the whole run with the withcluster command), or
// else a private ephemeral cluster started on first use and stopped by Main.
//
// On a shared server the template is named after a hash of the migrations,
// and built by whichever binary comes first while the others wait on an
// advisory lock; every CREATE DATABASE takes the same lock, since Postgres
// refuses to copy a template another session is reading.
package pgtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bookstore/bookstore"
	"github.com/bookstore/bookstore/platform/migrate"
	"github.com/bookstore/bookstore/platform/pg"
	"github.com/bookstore/bookstore/platform/pgembed"
	"github.com/bookstore/bookstore/platform/random"
)

// Migrations the template holds: every module's and the mail outbox's, so
// that any test can use any module's schema.
var modules = []string{"auth", "catalog", "orders", "mail"}

// lockKey is the advisory lock every test binary takes to build the
// template or copy it.
const lockKey int64 = 0x70677465737400 // "pgtest"

type server struct {
	baseURL  string
	cluster  *pgembed.Cluster
	tmpDir   string
	template string
	// admin creates and drops databases; createMu guards it, since a
	// connection runs one statement at a time and the lock is per session.
	admin    *pgx.Conn
	createMu sync.Mutex
}

var (
	once     sync.Once
	shared   *server
	setupErr error
)

// Main runs the package's tests and then stops the cluster, if one was
// started. Use it as the package's TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.close()
	}
	os.Exit(code)
}

// New returns a pool on a new database holding every module's schema. The
// database is dropped when the test ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), NewURL(t))
	if err != nil {
		t.Fatalf("pgtest: open pool: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Counted returns a second pool on the database of pool whose statements
// are counted (pg.Statements), for tests that pin how many a piece of work
// sends. It closes when the test ends.
func Counted(t testing.TB, pool *pgxpool.Pool) (*pgxpool.Pool, *pg.Statements) {
	t.Helper()
	cfg := pool.Config()
	n := &pg.Statements{}
	cfg.ConnConfig.Tracer = n
	counted, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("pgtest: open counted pool: %v", err)
	}
	t.Cleanup(counted.Close)
	return counted, n
}

// NewURL creates a new migrated database and returns its URL, for tests
// that start the real binary against it.
func NewURL(t testing.TB) string {
	t.Helper()
	return newDatabase(t, true)
}

// NewEmptyURL creates a database without any schema, for tests of the
// migrations themselves.
func NewEmptyURL(t testing.TB) string {
	t.Helper()
	return newDatabase(t, false)
}

// MigratedBefore is a new database whose module schema has the
// migrations named before first ("0004"), as a shop deployed before first
// had it, for tests of what first does to the rows it finds.
func MigratedBefore(t testing.TB, module, first string) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, NewEmptyURL(t))
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close)
	all, err := bookstore.Migrations(module)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	names, err := fs.Glob(all, "*.up.sql")
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	before := fstest.MapFS{}
	for _, name := range names {
		if name >= first {
			continue
		}
		b, err := fs.ReadFile(all, name)
		if err != nil {
			t.Fatalf("pgtest: %v", err)
		}
		before[name] = &fstest.MapFile{Data: b}
	}
	if err := migrate.Apply(ctx, pool, []migrate.Set{{Schema: module, FS: before}}); err != nil {
		t.Fatalf("pgtest: migrate %s before %s: %v", module, first, err)
	}
	return pool
}

func newDatabase(t testing.TB, migrated bool) string {
	s := setup(t)
	name := "test_" + random.Hex(6)
	tmpl := "template0"
	if migrated {
		tmpl = s.template
	}
	if err := s.locked(func(ctx context.Context) error {
		_, err := s.admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+tmpl)
		return err
	}); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		s.createMu.Lock()
		defer s.createMu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := s.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return withDatabase(s.baseURL, name)
}

// locked runs f on the admin connection holding the advisory lock.
func (s *server) locked(f func(context.Context) error) error {
	s.createMu.Lock()
	defer s.createMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := s.admin.Exec(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return err
	}
	defer func() { _, _ = s.admin.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockKey) }()
	return f(ctx)
}

func setup(t testing.TB) *server {
	t.Helper()
	once.Do(func() { shared, setupErr = start() })
	if setupErr != nil {
		t.Fatalf("pgtest: %v", setupErr)
	}
	return shared
}

func start() (*server, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := &server{baseURL: os.Getenv("TEST_DATABASE_URL")}
	if s.baseURL == "" {
		dir, err := os.MkdirTemp("", "bookstore-pgtest-")
		if err != nil {
			return nil, err
		}
		// The cluster may run as the postgres user, which must enter here.
		if err := os.Chmod(dir, 0o755); err != nil {
			return nil, err
		}
		s.tmpDir = dir
		s.cluster, err = pgembed.Start(ctx, filepath.Join(dir, "pg"), &pgembed.Options{Ephemeral: true})
		if err != nil {
			s.close()
			return nil, err
		}
		s.baseURL = s.cluster.URL()
	}
	var err error
	s.admin, err = pgx.Connect(ctx, s.baseURL)
	if err != nil {
		s.close()
		return nil, fmt.Errorf("connect: %w", err)
	}
	if s.template, err = templateName(); err != nil {
		s.close()
		return nil, err
	}
	if err := s.locked(s.buildTemplate); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// templateName names the template after everything that shapes it: the
// modules' migrations and River's version, so binaries built from the same
// tree share it and a changed migration gets a new one.
func templateName() (string, error) {
	h := sha256.New()
	for _, m := range modules {
		fsys, err := bookstore.Migrations(m)
		if err != nil {
			return "", err
		}
		err = fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(fsys, path)
			fmt.Fprintf(h, "%s/%s %d\n", m, path, len(b))
			h.Write(b)
			return err
		})
		if err != nil {
			return "", err
		}
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Path == "github.com/riverqueue/river" {
				fmt.Fprintf(h, "river %s\n", d.Version)
			}
		}
	}
	return "tmpl_" + hex.EncodeToString(h.Sum(nil))[:16], nil
}

// buildTemplate migrates a fresh database into the template, unless an
// earlier binary did, so each test's copy costs a file copy rather than a
// migration run. The caller holds the lock. A template is marked
// IS_TEMPLATE only once migrated, so one left half-built by a killed
// binary is rebuilt.
func (s *server) buildTemplate(ctx context.Context) error {
	var done bool
	err := s.admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)", s.template).Scan(&done)
	if err != nil || done {
		return err
	}
	if _, err := s.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+s.template+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop half-built template: %w", err)
	}
	if _, err := s.admin.Exec(ctx, "CREATE DATABASE "+s.template+" TEMPLATE template0"); err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	pool, err := pgxpool.New(ctx, withDatabase(s.baseURL, s.template))
	if err != nil {
		return err
	}
	err = migrate.Apply(ctx, pool, append(bookstore.MigrationSets(modules...), migrate.RiverSet(migrate.RiverSchema)))
	pool.Close() // nobody may be connected to a template being copied
	if err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	if _, err := s.admin.Exec(ctx, "ALTER DATABASE "+s.template+" WITH IS_TEMPLATE true"); err != nil {
		return fmt.Errorf("mark template: %w", err)
	}
	return nil
}

// close stops what this binary started. A shared server's template stays
// for the run's other binaries (and the next run, if the migrations did not
// change); a private cluster goes with its folder.
func (s *server) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if s.admin != nil {
		_ = s.admin.Close(ctx)
	}
	if s.cluster != nil {
		_ = s.cluster.Stop(ctx)
	}
	if s.tmpDir != "" {
		_ = os.RemoveAll(s.tmpDir)
	}
}

// withDatabase points a postgres:// URL at another database on the same
// server.
func withDatabase(baseURL, name string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		panic(fmt.Sprintf("pgtest: TEST_DATABASE_URL must be a postgres:// URL: %v", err))
	}
	u.Path = "/" + name
	q := u.Query()
	q.Del("dbname")
	u.RawQuery = q.Encode()
	return u.String()
}
