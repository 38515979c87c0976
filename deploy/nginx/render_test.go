package nginx_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/deploy/nginx"
)

// TestRenderUpstream checks the upstream that a reload hands nginx: every
// replica listed once with the shipped passive-check settings, and only
// the ones asked for marked down.
func TestRenderUpstream(t *testing.T) {
	replicas := []string{"127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"}
	server := regexp.MustCompile(`(?m)^\s*server (\S+) max_fails=1 fail_timeout=3s( down)?;$`)
	for _, tc := range []struct {
		name string
		down map[string]bool
	}{
		{"all up", nil},
		{"one down", map[string]bool{"127.0.0.1:9002": true}},
		{"two down", map[string]bool{"127.0.0.1:9001": true, "127.0.0.1:9003": true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, nginx.Render(nginx.Options{Dir: dir, HTTPAddr: "127.0.0.1:1", HTTPSAddr: "127.0.0.1:2",
				CertFile: "/c.crt", KeyFile: "/c.key", Replicas: replicas}, tc.down))
			site, err := os.ReadFile(filepath.Join(dir, "bookstore.conf"))
			require.NoError(t, err)
			var listed []string
			down := map[string]bool{}
			for _, m := range server.FindAllStringSubmatch(string(site), -1) {
				listed = append(listed, m[1])
				if m[2] != "" {
					down[m[1]] = true
				}
			}
			require.Equal(t, replicas, listed)
			if tc.down == nil {
				tc.down = map[string]bool{}
			}
			require.Equal(t, tc.down, down)
		})
	}
}
