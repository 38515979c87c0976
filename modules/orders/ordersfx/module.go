// Package ordersfx wires the orders module into an fx application.
package ordersfx

import "go.uber.org/fx"

// Module provides the orders module to a process that runs it.
var Module = fx.Module("orders")
