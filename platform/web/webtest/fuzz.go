package webtest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Seed is one request a fuzz target starts from: a method, a path with
// its query string, and a body of a content type.
type Seed struct {
	Method, Target, ContentType, Body string
}

// Fuzz is the body of a module's fuzz target over its HTTP handlers: it
// sends c's server the requests the fuzzer makes of the seeds (any method,
// path, query string, content type and body, as any of people, whose
// header pairs authtest.As or Bearer give, or as a visitor) and fails on
// any 5xx, since bad input of any kind must get a 4xx. Requests go only to
// c's own server.
//
// The seeds give each route's shape with the IDs the target just created,
// which a file cannot know. The attack inputs of issue #13 (its sixteen
// 500s, overflowing offsets, bidi names, open redirects), and any crasher
// found later, are files of the package's testdata/fuzz/FuzzHTTP (Go's
// "go test fuzz v1" format: method, target, content type, body, person),
// which go test runs every time; each input is in one place, not both.
func Fuzz(f *testing.F, c *Client, people [][]string, seeds ...Seed) {
	for i, s := range seeds {
		f.Add(s.Method, s.Target, s.ContentType, s.Body, uint8(i))
	}
	base, err := url.Parse(c.URL)
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, method, target, contentType, body string, who uint8) {
		if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") {
			return
		}
		req, err := http.NewRequest(method, c.URL+target, strings.NewReader(body))
		if err != nil || req.URL.Host != base.Host {
			return // not a request a client could send, or not to this server
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if n := int(who) % (len(people) + 1); n < len(people) {
			for i := 0; i+1 < len(people[n]); i += 2 {
				req.Header.Set(people[n][i], people[n][i+1])
			}
		}
		resp, err := c.HTTP.Do(req)
		if err != nil {
			return // a request the client itself refuses to write
		}
		defer resp.Body.Close()
		require.Less(t, resp.StatusCode, 500, "%s %s (%s) %q", method, target, contentType, body)
	})
}
