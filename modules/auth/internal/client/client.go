// Package client is the accounts module's auth.Service over HTTP, for
// processes of a split shop that do not run the module. The wire format
// of the internal endpoints is defined here; internal/api serves it.
package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/platform/coalesce"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/tracing"
)

// Paths of the internal endpoints.
const (
	AuthenticatePath = "/internal/v1/auth/authenticate"
	UserChangesPath  = "/internal/v1/auth/user-changes"
)

// MaxCredentials bounds the credentials of one AuthenticateRequest.
const MaxCredentials = 64

// AuthenticateRequest carries the credentials of requests that arrived
// together, in a body, never in a URL that a log might keep.
type AuthenticateRequest struct {
	Credentials []string `json:"credentials"`
	// TraceParents are the trace contexts of the credentials' requests,
	// in their order ("" where one is not traced; none when no request
	// is): the call belongs to the trace of the request that led it, and
	// auth records each authentication in its own request's trace.
	TraceParents []string `json:"trace_parents,omitempty"`
}

// AuthenticateAnswer holds, per credential of the request, its identity,
// or null where no session of it is live.
type AuthenticateAnswer struct {
	Identities []*auth.Identity `json:"identities"`
}

// UserChangesAnswer is a page of the change feed.
type UserChangesAnswer struct {
	Changes []auth.UserChange `json:"changes"`
}

// Client implements auth.Service over the internal endpoints.
type Client struct {
	rpc *rpc.Client
	// credentials sends the credentials of the requests that arrive while
	// a call is under way in the next call: every signed-in request is
	// authenticated, two of the four calls of a checkout in a split shop.
	credentials *coalesce.Batcher[credentialCall, *auth.Identity]
}

// credentialCall is a request's credential, with the request's trace
// context.
type credentialCall struct {
	credential  string
	traceParent string
}

var _ auth.Service = (*Client)(nil)

// authenticateTimeout bounds a call of c.credentials, which no request's
// deadline does (it is detached, so that a client that leaves fails no
// other request).
const authenticateTimeout = 10 * time.Second

// New returns the client calling through c.
func New(c *rpc.Client) *Client {
	cl := &Client{rpc: c}
	cl.credentials = coalesce.NewDetached(MaxCredentials, authenticateTimeout, cl.authenticateAll)
	return cl
}

// Authenticate implements auth.Service. A request's call starts after the
// request arrived, so a session ended before it is never seen live.
func (c *Client) Authenticate(ctx context.Context, credential string) (auth.Identity, error) {
	id, err := c.credentials.Do(ctx, credentialCall{credential: credential, traceParent: tracing.Parent(ctx)})
	switch {
	case err != nil:
		return auth.Identity{}, err
	case id == nil:
		return auth.Identity{}, auth.ErrUnauthenticated
	}
	return *id, nil
}

// authenticateAll is the batch of c.credentials.
func (c *Client) authenticateAll(ctx context.Context, calls []credentialCall) ([]*auth.Identity, error) {
	req := AuthenticateRequest{Credentials: make([]string, len(calls)),
		TraceParents: tracing.Parents(calls, func(call credentialCall) string { return call.traceParent })}
	for i, call := range calls {
		req.Credentials[i] = call.credential
	}
	var a AuthenticateAnswer
	if err := c.rpc.Call(ctx, http.MethodPost, AuthenticatePath, req, &a); err != nil {
		return nil, err
	}
	return a.Identities, nil
}

// UserChanges implements auth.Service.
func (c *Client) UserChanges(ctx context.Context, after int64, limit int) ([]auth.UserChange, error) {
	q := url.Values{"after": {strconv.FormatInt(after, 10)}, "limit": {strconv.Itoa(limit)}}
	var a UserChangesAnswer
	if err := c.rpc.Call(ctx, http.MethodGet, UserChangesPath+"?"+q.Encode(), nil, &a); err != nil {
		return nil, err
	}
	return a.Changes, nil
}
