package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// An empty address, however it is given, would listen on a random port.
func TestLoad_EmptyAddrFromEnvironment(t *testing.T) {
	t.Setenv("BOOKSTORE_ADDR", "")
	_, err := load(t)
	require.ErrorContains(t, err, "--addr: must not be empty")
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
		"GatewayWithModule": {"--modules", "gateway,catalog"},
		"UnknownModule":     {"--modules", "auth,payments"},
		"URLWithoutHost":    {"--catalog-url", "http://"},
		"URLNotHTTP":        {"--catalog-url", "ftp://catalog"},
		"URLWithQuery":      {"--auth-url", "http://auth:8080/?x=1"},
		"ShortToken":        {"--internal-token", "short"},
		"ZeroShutdown":      {"--shutdown-timeout", "0s"},
		"EmptyDataDir":      {"--data-dir", ""},
		"EmptyAddr":         {"--addr", ""},
		"BadLevel":          {"--log-level", "chatty"},
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
	// An empty secret file is a mistake, never a default (no database URL
	// would start the embedded cluster).
	for name, tc := range map[string]struct{ variable, content string }{
		"EmptyDatabaseURLFile": {"DATABASE_URL", ""},
		"BlankTokenFile":       {"BOOKSTORE_INTERNAL_TOKEN", " \n"},
		"BlankAddrFile":        {"BOOKSTORE_ADDR", "\n"},
	} {
		t.Run(name, func(t *testing.T) {
			path := writeFile(t, tc.content)
			t.Setenv(tc.variable+"_FILE", path)
			_, err := load(t)
			require.ErrorContains(t, err, tc.variable+"_FILE: "+path+" is empty")
		})
	}
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

func TestLoad_ACMEDomainIsADomainName(t *testing.T) {
	cfg, err := load(t, "--acme-domain", "Shop.Example,bücher.example")
	require.NoError(t, err)
	require.Equal(t, []string{"shop.example", "xn--bcher-kva.example"}, cfg.ACMEDomains, "as autocert compares them")

	for name, domain := range map[string]string{
		"Space":       "bad domain!",
		"Underscore":  "shop_1.example",
		"NoDot":       "localhost",
		"IP":          "192.0.2.1",
		"TrailingDot": "shop.example.",
		"LongLabel":   strings.Repeat("a", 64) + ".example",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := load(t, "--acme-domain", "shop.example,"+domain)
			require.EqualError(t, err, fmt.Sprintf("--acme-domain: %q is not a domain name such as shop.example.com", domain))
		})
	}
}

func TestLoad_URLOfAModuleRunHere(t *testing.T) {
	_, err := load(t, "--modules", "all", "--auth-url", "http://127.0.0.1:1")
	require.EqualError(t, err, "--auth-url: this process runs auth itself (--modules all); drop --auth-url")
	_, err = load(t, "--modules", "catalog,orders", "--orders-url", "http://orders:8080")
	require.EqualError(t, err, "--orders-url: this process runs orders itself (--modules catalog,orders); drop --orders-url")
	_, err = load(t, "--modules", "catalog", "--orders-url", "http://orders:8080")
	require.NoError(t, err, "a module run elsewhere has a URL")
}

// TestCheckServe_PublicURLWhenDeployed: a shop that is clearly deployed
// must be told its address, or every emailed link points at localhost; a
// developer's `serve` needs none.
func TestCheckServe_PublicURLWhenDeployed(t *testing.T) {
	for name, args := range map[string][]string{
		"Default":      nil,
		"Loopback":     {"--addr", "127.0.0.1:8081"},
		"LoopbackIPv6": {"--addr", "[::1]:8081"},
		"Localhost":    {"--addr", "localhost:8081"},
	} {
		t.Run("Developer"+name, func(t *testing.T) {
			cfg, err := load(t, args...)
			require.NoError(t, err)
			require.NoError(t, cfg.CheckServe())
		})
	}
	for name, tc := range map[string]struct {
		args []string
		why  string
	}{
		"TrustProxy": {[]string{"--trust-proxy"}, "--trust-proxy"},
		"TLS":        {[]string{"--tls-cert", "c.pem", "--tls-key", "k.pem"}, "--tls-cert"},
		"ACME":       {[]string{"--acme-domain", "shop.example"}, "--acme-domain"},
		"AllHosts":   {[]string{"--addr", "0.0.0.0:8080"}, "--addr 0.0.0.0:8080"},
		"Host":       {[]string{"--addr", "10.0.0.5:8080"}, "--addr 10.0.0.5:8080"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg, err := load(t, tc.args...)
			require.NoError(t, err)
			require.EqualError(t, cfg.CheckServe(), "--public-url: required with "+tc.why+", or every emailed link points at http://localhost:8080; set it (or $BOOKSTORE_PUBLIC_URL) to the shop's address, such as https://shop.example.com")

			cfg, err = load(t, append(tc.args, "--public-url", "https://shop.example.com")...)
			require.NoError(t, err)
			require.NoError(t, cfg.CheckServe())

			t.Setenv("BOOKSTORE_PUBLIC_URL", "http://localhost:8080")
			cfg, err = load(t, tc.args...)
			require.NoError(t, err)
			require.NoError(t, cfg.CheckServe(), "an address chosen in the environment, even the default, is the operator's")
		})
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "value")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestLoad_Split(t *testing.T) {
	token := strings.Repeat("k", config.MinInternalToken)
	cfg, err := load(t, "--modules", "gateway", "--auth-url", "http://auth:8080/", "--catalog-url", "https://catalog.internal",
		"--orders-url", "http://127.0.0.1:9000", "--internal-token", token)
	require.NoError(t, err)
	require.True(t, cfg.Gateway)
	require.Empty(t, cfg.Modules)
	require.True(t, cfg.Split())
	require.Equal(t, map[config.Module]string{"auth": "http://auth:8080", "catalog": "https://catalog.internal", "orders": "http://127.0.0.1:9000"}, cfg.URLs)
	require.NoError(t, cfg.CheckServe())
	require.Empty(t, cfg.DatabaseURL)
	require.False(t, cfg.EmbeddedPostgres(), "the gateway opens no database, so it starts no cluster")
	require.False(t, cfg.LocalPhotos(), "nor keeps photos")

	t.Setenv("BOOKSTORE_AUTH_URL", "http://auth:8080")
	t.Setenv("BOOKSTORE_INTERNAL_TOKEN_FILE", writeFile(t, token+"\n"))
	cfg, err = load(t, "--modules", "catalog", "--orders-url", "http://orders:8080")
	require.NoError(t, err)
	require.Equal(t, token, cfg.InternalToken, "the token comes from its file")
	require.Equal(t, []config.Module{config.ModuleCatalog}, cfg.Modules)
	require.NoError(t, cfg.CheckServe())
	require.True(t, cfg.EmbeddedPostgres())
	require.True(t, cfg.LocalPhotos(), "the catalog keeps its photos")

	t.Setenv("BOOKSTORE_AUTH_URL", "")
	cfg, err = load(t)
	require.NoError(t, err)
	require.False(t, cfg.Split(), "the monolith calls no one")
	require.NoError(t, cfg.CheckServe(), "and needs no token")
}

func TestCheckServe_SaysWhichFlagToSet(t *testing.T) {
	token := strings.Repeat("k", config.MinInternalToken)
	cases := map[string]struct {
		args []string
		want string
	}{
		"OrdersAlone":       {[]string{"--modules", "orders", "--internal-token", token}, "--modules orders: it signs requests in through auth; set --auth-url (or $BOOKSTORE_AUTH_URL)"},
		"OrdersNeedCatalog": {[]string{"--modules", "orders", "--auth-url", "http://a", "--internal-token", token}, "set --catalog-url"},
		"CatalogNeedsAuth":  {[]string{"--modules", "catalog", "--orders-url", "http://o", "--internal-token", token}, "set --auth-url"},
		"AuthNeedsOrders":   {[]string{"--modules", "auth", "--internal-token", token}, "--modules auth: its pages' header shows the cart and notification counts of orders; set --orders-url"},
		"GatewayNeedsAll":   {[]string{"--modules", "gateway", "--auth-url", "http://a", "--catalog-url", "http://c", "--internal-token", token}, "--modules gateway: the gateway forwards requests to every module; set --orders-url"},
		"NoToken":           {[]string{"--modules", "auth,catalog", "--orders-url", "http://o"}, "--internal-token: required when a process does not run every module"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg, err := load(t, tc.args...)
			require.NoError(t, err)
			err = cfg.CheckServe()
			require.ErrorContains(t, err, tc.want)
			require.NotContains(t, err.Error(), token, "the token is never echoed")
		})
	}
}
