package webtest

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// Hung starts a server that takes every request and answers none until
// its caller gives up or the test ends: a process that is stopped rather
// than dead, whose connections are accepted but never served.
func Hung(t testing.TB) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	return srv
}
