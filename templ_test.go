package bookstore

import (
	"bytes"
	"go/format"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/a-h/templ/generator"
	"github.com/a-h/templ/parser/v2"
	"github.com/stretchr/testify/require"
)

// TestGeneratedCode_TemplIsCurrent generates every .templ file in memory,
// as `go tool templ generate` does (same generator, version and file
// names), and fails when the committed _templ.go differs or has no source:
// a component edited without make generate, or generated code edited by
// hand. It takes well under a second, so make test always runs it.
func TestGeneratedCode_TemplIsCurrent(t *testing.T) {
	var stale []string
	seen := map[string]bool{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "data") && path != "." {
			return filepath.SkipDir
		}
		switch {
		case strings.HasSuffix(path, "_templ.go"):
			seen[path] = seen[path] || false
		case strings.HasSuffix(path, ".templ"):
			out := strings.TrimSuffix(path, ".templ") + "_templ.go"
			seen[out] = true
			tf, err := parser.Parse(path)
			require.NoError(t, err, path)
			var b bytes.Buffer
			_, err = generator.Generate(tf, &b, generator.WithVersion(templ.Version()), generator.WithFileName(filepath.ToSlash(path)))
			require.NoError(t, err, path)
			want, err := format.Source(b.Bytes())
			require.NoError(t, err, path)
			got, err := os.ReadFile(out)
			if err != nil || !bytes.Equal(got, want) {
				stale = append(stale, out)
			}
		}
		return nil
	})
	require.NoError(t, err)
	for out, hasSource := range seen {
		if !hasSource {
			stale = append(stale, out+" (no .templ beside it)")
		}
	}
	require.Empty(t, stale, "generated templ code is stale or edited by hand; run make generate")
}
