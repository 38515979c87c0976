package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/gateway"
	"github.com/bookstore/bookstore/platform/web"
)

// TestAppOptions_ValidateEveryMode builds the graph of every process a
// shop may be made of (the monolith, every set of modules, the gateway)
// with every set of the other modules' URLs: serve accepts exactly the
// sets holding the URLs the process needs, and the graph of each builds;
// it refuses the others naming the flag of a URL that is missing.
func TestAppOptions_ValidateEveryMode(t *testing.T) {
	t.Parallel()
	// needs lists, per --modules value, the modules whose URL it needs: the
	// ones it calls, and orders for every process that serves pages, whose
	// header shows the cart and notification counts.
	needs := map[string][]config.Module{
		"all": nil, "gateway": {"auth", "catalog", "orders"},
		"auth": {"orders"}, "catalog": {"auth", "orders"}, "orders": {"auth", "catalog"},
		"auth,catalog": {"orders"}, "auth,orders": {"catalog"}, "catalog,orders": {"auth"},
	}
	for name, need := range needs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			mode := config.Config{Gateway: name == config.Gateway}
			if !mode.Gateway {
				mods, err := config.ParseModules(name)
				require.NoError(t, err)
				mode.Modules = mods
			}
			var others []config.Module
			for _, m := range config.AllModules {
				if !mode.Runs(m) {
					others = append(others, m)
				}
			}
			for set := range 1 << len(others) {
				cfg := mode
				cfg.Addr, cfg.DataDir, cfg.LogLevel, cfg.LogFormat, cfg.ShutdownTimeout = ":0", t.TempDir(), "error", "text", 1
				cfg.URLs = map[config.Module]string{}
				var missing []string // the flags that would make it enough
				for i, m := range others {
					if set&(1<<i) != 0 {
						cfg.URLs[m] = "http://" + string(m) + ":8080"
					} else if slices.Contains(need, m) {
						missing = append(missing, "set --"+string(m)+"-url")
					}
				}
				if cfg.Split() {
					cfg.InternalToken = testToken
				}
				err := cfg.CheckServe()
				if len(missing) > 0 {
					require.Error(t, err, "with %v", cfg.URLs)
					require.True(t, slices.ContainsFunc(missing, func(flag string) bool { return strings.Contains(err.Error(), flag) }),
						"%v: %q names none of %q", cfg.URLs, err, missing)
					continue
				}
				require.NoError(t, err, "with %v", cfg.URLs)
				require.NoError(t, fx.ValidateApp(appOptions(cfg, serveOptions(cfg))), "with %v", cfg.URLs)
			}
		})
	}
}

// TestGatewayOwners_ComeFromTheModules builds the gateway's table from the
// modules' real route declarations: no path claimed twice, each where its
// module serves it, no internal endpoint.
func TestGatewayOwners_ComeFromTheModules(t *testing.T) {
	t.Parallel()
	table, err := gateway.NewTable(gatewayOwners(config.Config{Gateway: true}))
	require.NoError(t, err)
	for path, want := range map[string]config.Module{
		"/": "catalog", "/books/{id}": "catalog", "/photos/*": "catalog", "/api/v1/me/books": "catalog", "/admin/listings": "catalog",
		"/my/listings.csv": "catalog", "/my/listings/import": "catalog", "/my/listings/import/{id}": "catalog", "/my/listings/import/{id}/confirm": "catalog",
		"/api/v1/me/imports": "catalog", "/api/v1/me/imports/{id}": "catalog", "/api/v1/me/imports/{id}/confirm": "catalog",
		"/my/listings/new": "catalog", "/api/v1/editions/{isbn}/prices": "catalog",
		"/signin": "auth", "/account": "auth", "/api/v1/me": "auth", "/admin": "auth", "/admin/users": "auth",
		"/cart": "orders", "/checkout": "orders", "/api/v1/orders/{id}": "orders", "/admin/jobs": "orders", "/notifications": "orders",
		"/admin/activity": "orders", "/api/v1/admin/activity": "orders",
	} {
		require.Equal(t, want, table[path], path)
	}
	for path := range table {
		require.False(t, web.IsInternal(path), path)
	}
}
