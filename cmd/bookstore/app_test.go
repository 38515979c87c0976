package main

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/platform/config"
)

func TestAppOptions_ValidateEveryMode(t *testing.T) {
	t.Parallel()
	modes := map[string]string{
		"Monolith":    "all",
		"AuthOnly":    "auth",
		"AuthCatalog": "auth,catalog",
	}
	for name, modules := range modes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			mods, err := config.ParseModules(modules)
			require.NoError(t, err)
			cfg := config.Config{Addr: ":0", DataDir: t.TempDir(), LogLevel: "error", LogFormat: "text", ShutdownTimeout: 1, Modules: mods}
			require.NoError(t, fx.ValidateApp(appOptions(cfg, serveOptions(cfg))))
		})
	}
}
