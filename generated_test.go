package bookstore

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite sqlc.sum from the files as they are (make generate does, after sqlc generate and vet)")

// sumFile records a checksum of every file sqlc reads or writes, as of the
// last make generate, so a fresh machine can tell stale or hand-edited
// generated code without building sqlc (minutes of cgo). Where sqlc is
// built, make verify also runs sqlc diff and sqlc vet.
const sumFile = "sqlc.sum"

// sqlcFiles are sqlc's inputs (its config, each module's migrations and
// queries) and outputs (each module's dbsqlc package), in byte order.
func sqlcFiles(t *testing.T) []string {
	t.Helper()
	files := []string{"sqlc.yaml"}
	for _, pattern := range []string{"sql/*/migrations/*.sql", "sql/*/queries/*.sql", "modules/*/internal/dbsqlc/*.go"} {
		m, err := filepath.Glob(pattern)
		require.NoError(t, err)
		files = append(files, m...)
	}
	slices.Sort(files)
	return files
}

func sums(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, f := range sqlcFiles(t) {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		h := sha256.Sum256(data)
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(h[:]), f)
	}
	return b.String()
}

func TestGeneratedCode_MatchesSQLCSum(t *testing.T) {
	got := sums(t)
	if *update {
		require.NoError(t, os.WriteFile(sumFile, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(sumFile)
	require.NoError(t, err, "run make generate")
	if bytes.Equal(want, []byte(got)) {
		return
	}
	was := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(want)), "\n") {
		sum, name, _ := strings.Cut(line, "  ")
		was[name] = sum
	}
	var changed []string
	for _, line := range strings.Split(strings.TrimSpace(got), "\n") {
		sum, name, _ := strings.Cut(line, "  ")
		if was[name] != sum {
			changed = append(changed, name)
		}
		delete(was, name)
	}
	for name := range was {
		changed = append(changed, name+" (gone)")
	}
	slices.Sort(changed)
	t.Fatalf("sqlc's inputs or outputs changed since the last make generate (generated code is never edited by hand); run make generate:\n  %s", strings.Join(changed, "\n  "))
}
