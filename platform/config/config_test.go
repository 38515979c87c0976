package config_test

import (
	"os"
	"path/filepath"
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

func TestLoad_ValueFromFile(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "database_url")
	require.NoError(t, os.WriteFile(secret, []byte("postgres://shop:secret@db/shop\n"), 0o600))
	t.Setenv("DATABASE_URL_FILE", secret)
	t.Setenv("BOOKSTORE_LOG_LEVEL_FILE", writeFile(t, "warn"))

	cfg, err := load(t, "--log-level", "debug")
	require.NoError(t, err)
	require.Equal(t, "postgres://shop:secret@db/shop", cfg.DatabaseURL, "the trailing newline is dropped")
	require.Equal(t, "debug", cfg.LogLevel, "the command line wins over a file too")
}

func TestLoad_ValueFromFileRejects(t *testing.T) {
	t.Run("MissingFile", func(t *testing.T) {
		t.Setenv("DATABASE_URL_FILE", filepath.Join(t.TempDir(), "nope"))
		_, err := load(t)
		require.ErrorContains(t, err, "DATABASE_URL_FILE")
		require.ErrorContains(t, err, "no such file")
	})
	t.Run("BothSet", func(t *testing.T) {
		t.Setenv("DATABASE_URL", "postgres://db/shop")
		t.Setenv("DATABASE_URL_FILE", writeFile(t, "postgres://db/other"))
		_, err := load(t)
		require.ErrorContains(t, err, "both set")
	})
	t.Run("BadValueInFile", func(t *testing.T) {
		t.Setenv("BOOKSTORE_TRUST_PROXY_FILE", writeFile(t, "maybe"))
		_, err := load(t)
		require.ErrorContains(t, err, "BOOKSTORE_TRUST_PROXY")
	})
}

func TestLoad_TLS(t *testing.T) {
	t.Setenv("BOOKSTORE_TRUST_PROXY", "true")
	cfg, err := load(t)
	require.NoError(t, err)
	require.False(t, cfg.TLS())
	require.True(t, cfg.TrustProxy)

	cfg, err = load(t, "--tls-cert", "c.pem", "--tls-key", "k.pem")
	require.NoError(t, err)
	require.True(t, cfg.TLS())

	cfg, err = load(t, "--acme-domain", " shop.example, www.shop.example ,")
	require.NoError(t, err)
	require.True(t, cfg.TLS())
	require.Equal(t, []string{"shop.example", "www.shop.example"}, cfg.ACMEDomains)
	require.Equal(t, ":80", cfg.ACMEHTTPAddr)

	cases := map[string][]string{
		"CertWithoutKey":  {"--tls-cert", "c.pem"},
		"KeyWithoutCert":  {"--tls-key", "k.pem"},
		"CertAndACME":     {"--tls-cert", "c.pem", "--tls-key", "k.pem", "--acme-domain", "shop.example"},
		"ACMEWithoutHTTP": {"--acme-domain", "shop.example", "--acme-http-addr", ""},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := load(t, args...)
			require.Error(t, err)
		})
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "value")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}
