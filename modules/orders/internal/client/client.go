// Package client is orders.Service over HTTP, for the processes of a split
// shop that do not run the orders module. The wire format of the internal
// endpoints is defined here; internal/api serves it.
package client

import (
	"context"
	"net/http"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/platform/rpc"
)

// HeaderCountsPath is the internal endpoint of HeaderCounts.
const HeaderCountsPath = "/internal/v1/orders/header-counts"

// HeaderCountsRequest asks for the counts of a visitor. The visitor id is a
// cart's secret, so it travels in a body, never in a URL.
type HeaderCountsRequest struct {
	User    auth.UserID `json:"user"`
	Visitor string      `json:"visitor"`
}

// Client implements orders.Service over the internal endpoints.
type Client struct{ rpc *rpc.Client }

var _ orders.Service = (*Client)(nil)

// New returns the client calling through c.
func New(c *rpc.Client) *Client { return &Client{rpc: c} }

// HeaderCounts implements orders.Service.
func (c *Client) HeaderCounts(ctx context.Context, user auth.UserID, visitorID string) (orders.HeaderCounts, error) {
	var out orders.HeaderCounts
	err := c.rpc.Call(ctx, http.MethodPost, HeaderCountsPath, HeaderCountsRequest{User: user, Visitor: visitorID}, &out)
	return out, err
}
