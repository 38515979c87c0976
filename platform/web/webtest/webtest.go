// Package webtest is the one harness for HTTP tests: a module's routes and
// middleware on the platform's real router (every middleware, the one error
// mapping) behind an httptest server, a client that keeps cookies and shows
// each redirect, the values a page's form carries (HiddenValues), and
// self-signed certificates for HTTPS. Each module's test
// kit builds its own server from it (authtest.NewServer,
// catalogtest.NewServer).
package webtest

import (
	"bytes"
	"io"
	"log/slog"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/apidoc/apitest"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/metrics"
	"github.com/bookstore/bookstore/platform/tracing"
	"github.com/bookstore/bookstore/platform/web"
)

// Opts are the parts under test.
type Opts struct {
	Routes     []web.Routes
	Middleware []web.Middleware
	// Pool backs the metrics' database gauges.
	Pool *pgxpool.Pool
	// TrustProxy believes X-Forwarded-For and X-Forwarded-Proto.
	TrustProxy bool
	// InternalToken admits calls to /internal/ endpoints that carry it.
	InternalToken string
	// Tracing traces the requests; nil leaves tracing off.
	Tracing *tracing.Tracing
}

// InternalToken is a token that tests serve internal endpoints with and
// call them with.
const InternalToken = "test-internal-token-0123456789abcdef"

// Server is the parts under test behind a real HTTP listener. Logs holds
// everything the router logged, so tests can prove what never reaches it.
type Server struct {
	URL     string
	Handler http.Handler
	Logs    *Buffer
}

// New starts a server, closed when the test ends.
func New(t testing.TB, o Opts) *Server {
	t.Helper()
	logs := &Buffer{}
	h := web.NewRouter(web.RouterParams{
		Config:     config.Config{ShutdownTimeout: 1, TrustProxy: o.TrustProxy, InternalToken: o.InternalToken},
		Log:        slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Metrics:    metrics.New(o.Pool),
		Tracing:    o.Tracing,
		Routes:     o.Routes,
		Middleware: o.Middleware,
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &Server{URL: srv.URL, Handler: h, Logs: logs}
}

// Client returns a new client with its own cookies: one per person.
func (s *Server) Client() *Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		panic(err) // cookiejar.New never fails without options
	}
	return &Client{URL: s.URL, HTTP: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Client is a browser or API client that keeps cookies (sessions, the
// flash message of the next page) and does not follow redirects, so tests
// see each 303. Every request method takes extra headers as name, value
// pairs. It is safe for parallel subtests; each call takes its test's t.
type Client struct {
	URL  string
	HTTP *http.Client
}

// Response is a finished response with its body read.
type Response struct {
	*http.Response
	Body string
}

// Do sends req, adding hdr. An exchange under /api/v1 must keep to the
// OpenAPI document (apitest.Check), or the test fails.
func (c *Client) Do(t testing.TB, req *http.Request, hdr ...string) Response {
	t.Helper()
	require.Zero(t, len(hdr)%2, "headers come as name, value pairs")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	var sent []byte
	if req.Body != nil {
		var err error
		sent, err = io.ReadAll(req.Body)
		require.NoError(t, err)
		req.Body = io.NopCloser(bytes.NewReader(sent))
	}
	resp, err := c.HTTP.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	apitest.Check(t, req, sent, resp, body)
	return Response{Response: resp, Body: string(body)}
}

// Send sends a body of contentType (none when empty).
func (c *Client) Send(t testing.TB, method, path, contentType string, body io.Reader, hdr ...string) Response {
	t.Helper()
	req, err := http.NewRequest(method, c.URL+path, body)
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return c.Do(t, req, hdr...)
}

// Get fetches path.
func (c *Client) Get(t testing.TB, path string, hdr ...string) Response {
	t.Helper()
	return c.Send(t, http.MethodGet, path, "", nil, hdr...)
}

// Post sends a form as is.
func (c *Client) Post(t testing.TB, path string, form url.Values, hdr ...string) Response {
	t.Helper()
	return c.Send(t, http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), hdr...)
}

// JSON sends body (none when empty) as JSON.
func (c *Client) JSON(t testing.TB, method, path, body string, hdr ...string) Response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	return c.Send(t, method, path, "application/json", r, hdr...)
}

// Upload sends files, by name, in one multipart field, in the order of
// their names.
func (c *Client) Upload(t testing.TB, path, field string, files map[string][]byte, hdr ...string) Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		fw, err := mw.CreateFormFile(field, name)
		require.NoError(t, err)
		_, err = fw.Write(files[name])
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return c.Send(t, http.MethodPost, path, mw.FormDataContentType(), &buf, hdr...)
}

// Cookie returns the value of the client's cookie name, or "".
func (c *Client) Cookie(name string) string {
	u, _ := url.Parse(c.URL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// CSRFToken is the token the layout renders in the forms of page: empty
// when the page has none (a signed-out visitor).
func (c *Client) CSRFToken(t testing.TB, page string) string {
	t.Helper()
	if m := csrfField.FindStringSubmatch(c.Get(t, page).Body); m != nil {
		return m[1]
	}
	return ""
}

// Bearer is the header pair of an API token; none for "".
func Bearer(token string) []string {
	if token == "" {
		return nil
	}
	return []string{"Authorization", "Bearer " + token}
}

// Buffer is a log sink safe for concurrent writes.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
