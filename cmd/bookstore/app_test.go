package main

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/gateway"
	"github.com/bookstore/bookstore/platform/web"
)

// TestAppOptions_ValidateEveryMode builds the graph of every process a
// shop may be made of: the monolith, every set of modules (with the URLs
// of the others) and the gateway.
func TestAppOptions_ValidateEveryMode(t *testing.T) {
	t.Parallel()
	urls := map[config.Module]string{"auth": "http://auth:8080", "catalog": "http://catalog:8080", "orders": "http://orders:8080"}
	modes := map[string]config.Config{
		"Gateway": {Gateway: true},
	}
	for _, modules := range []string{"all", "auth", "catalog", "orders", "auth,catalog", "auth,orders", "catalog,orders"} {
		mods, err := config.ParseModules(modules)
		require.NoError(t, err)
		modes[modules] = config.Config{Modules: mods}
	}
	for name, cfg := range modes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg.Addr, cfg.DataDir, cfg.LogLevel, cfg.LogFormat, cfg.ShutdownTimeout = ":0", t.TempDir(), "error", "text", 1
			if cfg.Split() {
				cfg.URLs, cfg.InternalToken = urls, testToken
			}
			require.NoError(t, cfg.CheckServe())
			require.NoError(t, fx.ValidateApp(appOptions(cfg, serveOptions(cfg))))
		})
	}
}

// TestGatewayOwners_ComeFromTheModules builds the gateway's table from the
// modules' real route declarations: no path claimed twice, each where its
// module serves it, no internal endpoint.
func TestGatewayOwners_ComeFromTheModules(t *testing.T) {
	t.Parallel()
	owners, err := gatewayOwners(config.Config{Gateway: true})
	require.NoError(t, err)
	table, err := gateway.NewTable(owners)
	require.NoError(t, err)
	for path, want := range map[string]config.Module{
		"/": "catalog", "/books/{id}": "catalog", "/photos/*": "catalog", "/api/v1/me/books": "catalog", "/admin/listings": "catalog",
		"/signin": "auth", "/account": "auth", "/api/v1/me": "auth", "/admin": "auth", "/admin/users": "auth",
		"/cart": "orders", "/checkout": "orders", "/api/v1/orders/{id}": "orders", "/admin/jobs": "orders", "/notifications": "orders",
	} {
		require.Equal(t, want, table[path], path)
	}
	for path := range table {
		require.False(t, web.IsInternal(path), path)
	}
}
