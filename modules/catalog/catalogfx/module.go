// Package catalogfx wires the catalog module into an fx application.
package catalogfx

import (
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/modules/catalog/internal/web"
	platformweb "github.com/bookstore/bookstore/platform/web"
)

// Module provides the catalog module to a process that runs it.
var Module = fx.Module("catalog",
	platformweb.AsRoutes(web.Routes),
)
