// Package rpc is how the processes of a split shop call each other: JSON
// over HTTP to /internal/v1/<module>/…, carrying the shared token, each call
// bounded by a timeout shorter than the caller's own, transient failures
// retried with backoff, and errors coming back as the sentinels they left
// as, so errors.Is works on both sides of the wire.
package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

// Defaults of Opts.
const (
	DefaultTimeout  = 3 * time.Second
	DefaultAttempts = 3
)

// maxAnswer bounds what a call reads of an answer.
const maxAnswer = 8 << 20

// Opts tune a Client; nil, or a zero field, keeps the default.
type Opts struct {
	// Timeout bounds one attempt.
	Timeout time.Duration
	// Attempts is how many times a transient failure is tried.
	Attempts int
	// Transport sends the requests (tracing wraps it); the default keeps
	// connections alive, dials with a short timeout and ignores
	// HTTP_PROXY, since the other processes are on the shop's own network.
	Transport http.RoundTripper
}

// transport is shared by every client of the process, so connections to
// one module are pooled across the clients that call it.
var transport = &http.Transport{
	DialContext:         (&net.Dialer{Timeout: time.Second, KeepAlive: 30 * time.Second}).DialContext,
	MaxIdleConns:        256,
	MaxIdleConnsPerHost: 64,
	IdleConnTimeout:     90 * time.Second,
}

// Client calls one module's internal endpoints.
type Client struct {
	module string
	base   string
	token  string
	// rt sends each request itself: an http.Client around it would copy
	// every request's headers to follow redirects, which an internal
	// endpoint never answers with (a 3xx is an answer, see decodeError).
	rt       http.RoundTripper
	timeout  time.Duration
	attempts int
}

// New returns a client of module, served at baseURL (scheme and host, no
// trailing slash), presenting token.
func New(module, baseURL, token string, o *Opts) *Client {
	if o == nil {
		o = &Opts{}
	}
	c := &Client{module: module, base: baseURL, token: token, timeout: o.Timeout, attempts: o.Attempts, rt: o.Transport}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.attempts <= 0 {
		c.attempts = DefaultAttempts
	}
	if c.rt == nil {
		c.rt = transport
	}
	return c
}

// Module names the module the client calls.
func (c *Client) Module() string { return c.module }

// Call sends in as JSON (nil: no body) to method path and decodes a 2xx
// answer into out (nil: the answer is dropped).
//
// Every internal endpoint is idempotent, so a transient failure (no
// answer, or a 5xx) is tried again with backoff; one still failing after
// the last attempt, or at the deadline, is an apperr Unavailable error. The
// whole call ends by four fifths of the time left before ctx's deadline, so
// the caller still has time to answer its own client. An answer carrying an
// error code is that error, rebuilt (errors.Is matches the callee's
// sentinel); it is permanent and returned at once.
func (c *Client) Call(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("%s %s: encode: %w", method, path, err)
		}
	}
	// end is when the call must be over (zero: the caller has no
	// deadline). Each attempt's one context ends by it, rather than every
	// attempt deriving from a context of the call's own.
	var end time.Time
	if dl, ok := ctx.Deadline(); ok {
		end = time.Now().Add(time.Until(dl) * 4 / 5)
	}
	var last error
	for attempt := range c.attempts {
		if attempt > 0 {
			wait := backoff(attempt)
			if !end.IsZero() && time.Until(end) <= wait {
				// No time would be left for the attempt after the wait.
				return c.unavailable(method, path, last)
			}
			select {
			case <-ctx.Done():
				return c.unavailable(method, path, last)
			case <-time.After(wait):
			}
		}
		err := c.once(ctx, end, method, path, body, out)
		var t transient
		if !errors.As(err, &t) {
			return err
		}
		last = t.err
		if ctx.Err() != nil || (!end.IsZero() && !time.Now().Before(end)) {
			break
		}
	}
	return c.unavailable(method, path, last)
}

// backoff is the wait before attempt n (1, 2, …): 50 ms, then three times
// longer each time, with jitter so callers that failed together do not
// come back together.
func backoff(n int) time.Duration {
	d := 50 * time.Millisecond
	for range n - 1 {
		d *= 3
	}
	return d/2 + rand.N(d)
}

// transient marks a failure worth another attempt.
type transient struct{ err error }

func (t transient) Error() string { return t.err.Error() }

func (c *Client) unavailable(method, path string, cause error) error {
	return fmt.Errorf("%s %s %s: %v: %w", c.module, method, path, cause,
		apperr.ErrUnavailable.WithMessage(fmt.Sprintf("the %s service is not answering; please try again shortly", c.module)))
}

// once makes one attempt, which ends after the client's timeout or at end,
// whichever comes first.
func (c *Client) once(ctx context.Context, end time.Time, method, path string, body []byte, out any) error {
	deadline := time.Now().Add(c.timeout)
	if !end.IsZero() && end.Before(deadline) {
		deadline = end
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	// One array holds every value, each header a slice of it capped at its
	// one element (as web's securityHeaders does): one allocation, not one
	// per header.
	v := [...]string{c.token, "application/json", "application/json", middleware.GetReqID(ctx)}
	h := req.Header
	h[web.InternalTokenHeader] = v[0:1:1]
	h["Accept"] = v[1:2:2]
	if body != nil {
		h["Content-Type"] = v[2:3:3]
	}
	if v[3] != "" {
		h[middleware.RequestIDHeader] = v[3:4:4]
	}
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		return transient{err}
	}
	defer resp.Body.Close()
	buf := view.Buffer()
	defer view.PutBuffer(buf)
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxAnswer)); err != nil {
		return transient{fmt.Errorf("read answer: %w", err)}
	}
	raw := buf.Bytes()
	if resp.StatusCode >= 500 {
		return transient{fmt.Errorf("answered %s", resp.Status)}
	}
	if resp.StatusCode >= 300 {
		return c.decodeError(method, path, resp.StatusCode, raw)
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s %s: decode answer: %w", c.module, method, path, err)
	}
	return nil
}

// decodeError rebuilds the error a 3xx or 4xx answer carries.
func (c *Client) decodeError(method, path string, status int, raw []byte) error {
	var b web.ErrorBody
	if err := json.Unmarshal(raw, &b); err != nil || b.Error.Code == "" {
		return fmt.Errorf("%s %s %s: answered %d without an error code", c.module, method, path, status)
	}
	if b.Error.Code == web.ErrInternalToken.Code {
		return fmt.Errorf("%s %s %s: the %s process refused this one's internal token: give every process the same --internal-token", c.module, method, path, c.module)
	}
	return fmt.Errorf("%s %s %s: %w", c.module, method, path, web.Refusal{Status: status, ErrorDetail: b.Error}.Err())
}
