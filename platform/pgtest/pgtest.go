// Package pgtest gives each test its own database, cloned from a template
// that every module's migrations (and River's) were applied to once per test
// binary. The server is the one TEST_DATABASE_URL names, or else a private
// ephemeral cluster started on first use and stopped by Main.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bookstore/bookstore"
	"github.com/bookstore/bookstore/platform/migrate"
	"github.com/bookstore/bookstore/platform/pgembed"
)

// Modules whose migrations the template holds: all of them, so that any
// test can use any module's schema.
var modules = []string{"auth", "catalog", "orders"}

type server struct {
	baseURL  string
	cluster  *pgembed.Cluster
	tmpDir   string
	template string
	admin    *pgxpool.Pool
}

var (
	once     sync.Once
	shared   *server
	setupErr error
	// createMu serialises CREATE DATABASE … TEMPLATE, which fails when the
	// template is being copied by another session.
	createMu sync.Mutex
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

func newDatabase(t testing.TB, migrated bool) string {
	s := setup(t)
	name := "test_" + randomHex(6)
	tmpl := "template0"
	if migrated {
		tmpl = s.template
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	createMu.Lock()
	_, err := s.admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+tmpl)
	createMu.Unlock()
	if err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := s.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return withDatabase(s.baseURL, name)
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
	s.admin, err = pgxpool.New(ctx, s.baseURL)
	if err != nil {
		s.close()
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := s.buildTemplate(ctx); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// buildTemplate migrates a fresh database and marks it as a template, so
// each test's copy costs a file copy rather than a migration run.
func (s *server) buildTemplate(ctx context.Context) error {
	s.template = "tmpl_" + randomHex(6)
	if _, err := s.admin.Exec(ctx, "CREATE DATABASE "+s.template+" TEMPLATE template0"); err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	pool, err := pgxpool.New(ctx, withDatabase(s.baseURL, s.template))
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := migrate.Apply(ctx, pool, bookstore.MigrationSets(modules...)); err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	return nil
}

func (s *server) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if s.admin != nil {
		if s.template != "" {
			_, _ = s.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+s.template+" WITH (FORCE)")
		}
		s.admin.Close()
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

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
