// Package authfx wires the accounts module into an fx application.
package authfx

import "go.uber.org/fx"

// Module provides the accounts module to a process that runs it.
var Module = fx.Module("auth")
