// Package client is the accounts module's auth.Service over HTTP, for
// processes of a split shop that do not run the module. The wire format
// of the internal endpoints is defined here; internal/api serves it.
package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/platform/rpc"
)

// Paths of the internal endpoints.
const (
	AuthenticatePath = "/internal/v1/auth/authenticate"
	UserChangesPath  = "/internal/v1/auth/user-changes"
)

// AuthenticateRequest carries a credential in a body, never in a URL that
// a log might keep.
type AuthenticateRequest struct {
	Credential string `json:"credential"`
}

// UserChangesAnswer is a page of the change feed.
type UserChangesAnswer struct {
	Changes []auth.UserChange `json:"changes"`
}

// Client implements auth.Service over the internal endpoints.
type Client struct{ rpc *rpc.Client }

var _ auth.Service = (*Client)(nil)

// New returns the client calling through c.
func New(c *rpc.Client) *Client { return &Client{rpc: c} }

// Authenticate implements auth.Service.
func (c *Client) Authenticate(ctx context.Context, credential string) (auth.Identity, error) {
	var id auth.Identity
	err := c.rpc.Call(ctx, http.MethodPost, AuthenticatePath, AuthenticateRequest{Credential: credential}, &id)
	return id, err
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
