package rpc

import (
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/platform/config"
)

// Module provides the process's Dialer.
var Module = fx.Module("rpc", fx.Provide(NewDialer))

// Dialer makes the process's clients of the modules it does not run, all
// with its internal token and one transport.
type Dialer struct {
	token string
	opts  Opts
}

// NewDialer returns the Dialer of a process configured by cfg.
func NewDialer(cfg config.Config) *Dialer {
	return &Dialer{token: cfg.InternalToken}
}

// Client returns a client of module served at baseURL.
func (d *Dialer) Client(module config.Module, baseURL string) *Client {
	o := d.opts
	return New(string(module), baseURL, d.token, &o)
}
