package config_test

import (
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/config"
)

func load(t *testing.T, args ...string) (config.Config, error) {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	f := config.Bind(fs)
	require.NoError(t, fs.Parse(args))
	if err := config.ApplyEnv(fs); err != nil {
		return config.Config{}, err
	}
	return f.Load()
}

func TestLoad_Defaults(t *testing.T) {
	cfg, err := load(t)
	require.NoError(t, err)
	require.Equal(t, ":8080", cfg.Addr)
	require.Equal(t, config.AllModules, cfg.Modules)
	require.True(t, cfg.Migrate)
	require.True(t, cfg.EmbeddedPostgres())
}

func TestLoad_EnvironmentAndPrecedence(t *testing.T) {
	t.Setenv("BOOKSTORE_ADDR", "127.0.0.1:9999")
	t.Setenv("DATABASE_URL", "postgres://db/shop")
	t.Setenv("BOOKSTORE_MIGRATE", "false")
	t.Setenv("BOOKSTORE_SHUTDOWN_TIMEOUT", "3s")
	t.Setenv("BOOKSTORE_LOG_FORMAT", "json")

	cfg, err := load(t, "--log-format", "text")
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:9999", cfg.Addr)
	require.Equal(t, "postgres://db/shop", cfg.DatabaseURL)
	require.False(t, cfg.Migrate)
	require.Equal(t, "3s", cfg.ShutdownTimeout.String())
	require.Equal(t, "text", cfg.LogFormat, "the command line wins")
	require.False(t, cfg.EmbeddedPostgres())
}

func TestLoad_BadEnvironmentValue(t *testing.T) {
	t.Setenv("BOOKSTORE_MIGRATE", "perhaps")
	_, err := load(t)
	require.ErrorContains(t, err, "BOOKSTORE_MIGRATE")
}

func TestParseModules(t *testing.T) {
	t.Parallel()
	mods, err := config.ParseModules(" orders , auth,catalog ")
	require.NoError(t, err)
	require.Equal(t, config.AllModules, mods, "dependency order, whatever the input order")

	_, err = config.ParseModules("auth,,catalog")
	require.ErrorContains(t, err, `unknown module ""`)
}

func TestLoad_Rejects(t *testing.T) {
	cases := map[string][]string{
		"ModuleWithoutDependency": {"--modules", "catalog"},
		"ZeroShutdown":            {"--shutdown-timeout", "0s"},
		"EmptyDataDir":            {"--data-dir", ""},
		"BadLevel":                {"--log-level", "chatty"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := load(t, args...)
			require.Error(t, err)
		})
	}
}
