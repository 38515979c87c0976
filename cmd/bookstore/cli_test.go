package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/config"
)

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

// testToken is an internal token long enough to be accepted.
const testToken = "0123456789abcdef0123456789abcdef"

func TestCLI_Version(t *testing.T) {
	out, err := runCLI(t, "version")
	require.NoError(t, err)
	require.Equal(t, "bookstore dev\n", out)
}

func TestCLI_HelpDocumentsEveryFlagAndItsVariable(t *testing.T) {
	out, err := runCLI(t, "serve", "--help")
	require.NoError(t, err)
	for _, want := range []string{
		"--addr", "$BOOKSTORE_ADDR", "--database-url", "$DATABASE_URL", "--data-dir", "$BOOKSTORE_DATA_DIR",
		"--log-level", "--log-format", "--shutdown-timeout", "--migrate", "--modules", "$BOOKSTORE_MODULES",
		"--tls-cert", "$BOOKSTORE_TLS_CERT", "--tls-key", "$BOOKSTORE_TLS_KEY", "--acme-domain", "$BOOKSTORE_ACME_DOMAIN",
		"--acme-http-addr", "--trust-proxy", "$BOOKSTORE_TRUST_PROXY",
		"--auth-url", "$BOOKSTORE_AUTH_URL", "--catalog-url", "$BOOKSTORE_CATALOG_URL", "--orders-url", "$BOOKSTORE_ORDERS_URL",
		"--internal-token", "$BOOKSTORE_INTERNAL_TOKEN",
	} {
		require.Contains(t, out, want)
	}
}

// A subcommand's help lists the flags it uses, and only the shared ones
// name an environment variable.
func TestCLI_SubcommandHelpListsItsOwnFlags(t *testing.T) {
	for args, own := range map[string][]string{
		"user create":  {"--email", "--name", "--admin", "--split"},
		"user promote": {"--split"},
		"user demote":  {"--split"},
		"seed":         {"--force", "--listings", "--photo-store", "--split"},
		"migrate":      {"--status", "--modules"},
	} {
		out, err := runCLI(t, append(strings.Fields(args), "--help")...)
		require.NoError(t, err)
		for _, want := range append(own, "--database-url", "$DATABASE_URL", "--data-dir", "--log-level") {
			require.Contains(t, out, want, args)
		}
		for _, unused := range []string{"--addr", "--tls-cert", "--shipping-step", "--trust-proxy", "--metrics-addr"} {
			require.NotContains(t, out, unused, args)
		}
		for _, v := range []string{"$BOOKSTORE_EMAIL", "$BOOKSTORE_NAME", "$BOOKSTORE_ADMIN", "$BOOKSTORE_FORCE", "$BOOKSTORE_STATUS", "$BOOKSTORE_SPLIT"} {
			require.NotContains(t, out, v, args)
		}
	}
}

// A command's own flags take nothing from the environment: a variable named
// like one is ignored, so the error is the shared flag's.
func TestCLI_OwnFlagsHaveNoVariable(t *testing.T) {
	t.Setenv("BOOKSTORE_FORCE", "not a bool")
	t.Setenv("BOOKSTORE_STATUS", "not a bool")
	for _, cmd := range []string{"seed", "migrate"} {
		_, err := runCLI(t, cmd, "--log-format", "xml")
		require.ErrorContains(t, err, "--log-format", cmd)
	}
}

func TestCLI_RejectsBadInput(t *testing.T) {
	cases := map[string]struct {
		args []string
		want string
	}{
		"UnknownFlag":        {[]string{"serve", "--bogus"}, "unknown flag: --bogus"},
		"UnknownModule":      {[]string{"serve", "--modules", "auth,payments"}, `unknown module "payments"`},
		"MissingDep":         {[]string{"serve", "--modules", "orders", "--internal-token", testToken}, "--modules orders: it signs requests in through auth; set --auth-url"},
		"NoToken":            {[]string{"serve", "--modules", "auth", "--orders-url", "http://orders:8080"}, "--internal-token: required"},
		"GatewayAndAuth":     {[]string{"serve", "--modules", "gateway,auth"}, "the gateway runs alone"},
		"GatewayNoURLs":      {[]string{"serve", "--modules", "gateway", "--internal-token", testToken}, "--modules gateway: the gateway forwards requests to every module; set --auth-url"},
		"BadModuleURL":       {[]string{"serve", "--catalog-url", "catalog:8080"}, "--catalog-url"},
		"BadLogFormat":       {[]string{"serve", "--log-format", "xml"}, "--log-format"},
		"BadDuration":        {[]string{"migrate", "--shutdown-timeout", "soon"}, "invalid argument"},
		"MigrateGateway":     {[]string{"migrate", "--modules", "gateway"}, "--modules gateway: the gateway has no database to migrate"},
		"CertWithoutKey":     {[]string{"serve", "--tls-cert", "cert.pem"}, "--tls-cert and --tls-key"},
		"UnknownCommand":     {[]string{"deploy"}, `unknown command "deploy"`},
		"URLOfModuleRunHere": {[]string{"serve", "--modules", "all", "--auth-url", "http://127.0.0.1:1"}, "--auth-url: this process runs auth itself (--modules all); drop --auth-url"},
		"SplitWithModuleURL": {[]string{"serve", "--split", "--orders-url", "http://127.0.0.1:1"}, "--orders-url: this process runs orders itself"},
		"BadACMEDomain":      {[]string{"serve", "--acme-domain", "bad domain!"}, `--acme-domain: "bad domain!" is not a domain name`},
		"NoPublicURL":        {[]string{"serve", "--trust-proxy"}, "--public-url: required with --trust-proxy"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := runCLI(t, tc.args...)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestCLI_EnvironmentSetsFlags(t *testing.T) {
	t.Setenv("BOOKSTORE_MODULES", "nonsense")
	_, err := runCLI(t, "serve")
	require.ErrorContains(t, err, `unknown module "nonsense"`)

	// The command line wins over the environment.
	t.Setenv("BOOKSTORE_LOG_FORMAT", "xml")
	_, err = runCLI(t, "serve", "--modules", "auth", "--log-format", "yaml")
	require.ErrorContains(t, err, `"yaml"`)
}

// TestCLI_READMEFlagTable: each row of the README's table of serve's flags
// names flags serve has, with the variable its --help gives (or none) and
// its default, so the README cannot promise a variable nothing reads.
func TestCLI_READMEFlagTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	flags := newServeCommand().Flags()
	code := regexp.MustCompile("`([^`]*)`")
	rows := 0
	for line := range strings.Lines(string(readme)) {
		if !strings.HasPrefix(line, "| `--") {
			continue
		}
		rows++
		cells := strings.Split(line, " | ")
		require.GreaterOrEqual(t, len(cells), 4, line)
		vars := code.FindAllStringSubmatch(cells[1], -1)
		for i, m := range code.FindAllStringSubmatch(cells[0], -1) {
			f := flags.Lookup(strings.TrimPrefix(m[1], "--"))
			require.NotNil(t, f, "serve has no %s", m[1])
			switch {
			case strings.HasPrefix(cells[1], "none"):
				require.NotContains(t, f.Usage, "($", "%s is said to have no variable", m[1])
			case i < len(vars):
				require.Contains(t, f.Usage, "($"+vars[i][1]+")", "the variable of %s", m[1])
			default:
				require.Contains(t, f.Usage, "($"+config.EnvName(f.Name)+")", "the variable of %s", m[1])
			}
			def := strings.Trim(cells[2], "`")
			if def == "empty" {
				def = ""
			}
			if d, err := time.ParseDuration(def); err == nil {
				require.Equal(t, d.String(), f.DefValue, "the default of %s", m[1])
			} else {
				require.Equal(t, def, f.DefValue, "the default of %s", m[1])
			}
		}
	}
	require.Greater(t, rows, 20, "the table was read")
}
