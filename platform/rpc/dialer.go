package rpc

import (
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/tracing"
)

// Module provides the process's Dialer.
var Module = fx.Module("rpc", fx.Provide(fx.Annotate(NewDialer, fx.ParamTags(``, `optional:"true"`))))

// Dialer makes the process's clients of the modules it does not run, all
// with its internal token and one transport.
type Dialer struct {
	token string
	opts  Opts
}

// NewDialer returns the Dialer of a process configured by cfg. Its clients
// send each call's trace context through tr (nil: tracing off), so the
// called process continues the caller's trace.
func NewDialer(cfg config.Config, tr *tracing.Tracing) *Dialer {
	return &Dialer{token: cfg.InternalToken, opts: Opts{Transport: tr.Transport(transport)}}
}

// Client returns a client of module served at baseURL.
func (d *Dialer) Client(module config.Module, baseURL string) *Client {
	o := d.opts
	return New(string(module), baseURL, d.token, &o)
}
