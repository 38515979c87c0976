// Package config holds the settings every process reads at start, and binds
// each command-line flag to an environment variable so that operators can
// configure containers without rewriting their command lines.
package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/bookstore/bookstore/platform/text"
	"github.com/spf13/pflag"
	"golang.org/x/net/idna"
)

// Module names a business module that a process can run.
type Module string

// The modules of the shop, in dependency order (a module depends only on the
// ones before it).
const (
	ModuleAuth    Module = "auth"
	ModuleCatalog Module = "catalog"
	ModuleOrders  Module = "orders"
)

// AllModules lists every module in dependency order.
var AllModules = []Module{ModuleAuth, ModuleCatalog, ModuleOrders}

// Gateway is the role, named in --modules like a module, of a process that
// runs no module: it serves the public address and forwards each request
// to the process that runs the module owning its path.
const Gateway = "gateway"

// MinInternalToken is the shortest --internal-token accepted: a guessable
// secret would open every module's internal endpoints.
const MinInternalToken = 32

// defaultPublicURL is --public-url's default, right only on a developer's
// machine.
const defaultPublicURL = "http://localhost:8080"

// Config is the whole configuration of one process.
type Config struct {
	Addr string
	// TLSCert and TLSKey are PEM files the server reads at start to serve
	// HTTPS itself; both or neither.
	TLSCert string
	TLSKey  string
	// ACMEDomains, when not empty, makes the server get and renew its
	// certificates from an ACME authority (Let's Encrypt), cached under
	// DataDir; ACMEHTTPAddr then answers the HTTP-01 challenge and redirects
	// everything else to HTTPS.
	ACMEDomains  []string
	ACMEHTTPAddr string
	// TrustProxy makes the server believe X-Forwarded-For and
	// X-Forwarded-Proto, which only a load balancer in front may set.
	TrustProxy  bool
	DatabaseURL string
	DataDir     string
	// PhotoStore is where listing photos live: empty for DataDir/uploads,
	// or an s3:// URL of a bucket every replica shares.
	PhotoStore      string
	LogLevel        string
	LogFormat       string
	ShutdownTimeout time.Duration
	// DrainTimeout is how long a process told to stop by SIGTERM keeps
	// serving, unready, so the load balancer moves its clients elsewhere
	// before the listener closes.
	DrainTimeout time.Duration
	// MetricsAddr is the private listener of /metrics; empty serves no
	// metrics. The public listener never serves them.
	MetricsAddr string
	Migrate     bool
	// Modules are the modules this process runs; none for the gateway.
	Modules []Module
	// Gateway is set for the process that serves the public address of a
	// split shop and runs no module.
	Gateway bool
	// URLs says where each module this process does not run is served
	// (--auth-url, --catalog-url, --orders-url), without a trailing slash.
	URLs map[Module]string
	// InternalToken is the secret the processes of a split shop present to
	// each other's /internal/ endpoints. It is never logged.
	InternalToken string
	// HomeCountry is the shop's country (ISO 3166 alpha-2): deliveries to it
	// are national, to any other international.
	HomeCountry string
	// ShippingStep is the time between two events of a simulated shipment.
	ShippingStep time.Duration
	// BankTransferDelay is how long a simulated bank takes to confirm a
	// transfer.
	BankTransferDelay time.Duration
	// OrderTimeout is how long an order may wait in checkout or for its
	// payment before the sweeper resolves it.
	OrderTimeout time.Duration
	// PaymentRetryWindow is how long an order whose payment failed keeps
	// its copies held while its buyer may pay another way.
	PaymentRetryWindow time.Duration
	// SMTPURL is the server emails are sent through
	// (smtp[s]://[user:pass@]host[:port]?from=ADDR[&tls=...]); empty stores
	// them in the outbox unsent, for an admin to read. Its password is
	// never logged.
	SMTPURL string
	// PublicURL is the shop's address as its users reach it, without a
	// trailing slash: links in emails start with it. It is configured, never
	// taken from a request's Host header, which a stranger could set to
	// send a victim's reset link to their own site.
	PublicURL string
	// publicURLGiven is set when the operator chose PublicURL, by flag or
	// environment: a deployed shop left with the default would mail links
	// to localhost.
	publicURLGiven bool
	// JobTimeout bounds one run of a background job whose kind sets no
	// timeout of its own; a job left running by a killed process is retried
	// once its timeout has passed.
	JobTimeout time.Duration
}

// Runs reports whether the process runs module m.
func (c Config) Runs(m Module) bool { return slices.Contains(c.Modules, m) }

// Split reports whether the process is one of several that make up the
// shop (a module set short of all, or the gateway), so it calls or is
// called by the others.
func (c Config) Split() bool {
	return c.Gateway || (len(c.Modules) > 0 && len(c.Modules) < len(AllModules))
}

// Suffix names what a split process keeps apart from the others (its
// embedded database, its job queue's schema): the modules it runs, each
// after an underscore (_catalog, _auth_catalog), and nothing for the
// monolith.
func (c Config) Suffix() string {
	if !c.Split() {
		return ""
	}
	var b strings.Builder
	for _, m := range c.Modules {
		b.WriteString("_" + string(m))
	}
	return b.String()
}

// TLS reports whether the process serves HTTPS itself.
func (c Config) TLS() bool { return c.TLSCert != "" || len(c.ACMEDomains) > 0 }

// EmbeddedPostgres reports whether the process must start its own cluster:
// it opens a database and was given none. The gateway opens none, so it
// needs no cluster (nor a data folder the cluster's user can reach) even
// without DATABASE_URL.
func (c Config) EmbeddedPostgres() bool { return c.DatabaseURL == "" && !c.Gateway }

// LocalPhotos reports whether the process keeps listing photos in
// DataDir/uploads: it runs the catalog, which owns them, and was given no
// photo store.
func (c Config) LocalPhotos() bool { return c.PhotoStore == "" && c.Runs(ModuleCatalog) }

// Flags holds the raw flag values until Load validates them.
type Flags struct {
	cfg         Config
	modules     string
	acmeDomains string
	urls        map[Module]*string
	publicURL   *pflag.Flag
}

// Bind registers the flags that every long-running command shares.
func Bind(fs *pflag.FlagSet) *Flags {
	f := &Flags{urls: map[Module]*string{}}
	fs.StringVar(&f.cfg.Addr, "addr", ":8080", "address the HTTP server listens on")
	fs.StringVar(&f.cfg.TLSCert, "tls-cert", "", "PEM certificate (chain) file: serve HTTPS on --addr; needs --tls-key")
	fs.StringVar(&f.cfg.TLSKey, "tls-key", "", "PEM private key file of --tls-cert")
	fs.StringVar(&f.acmeDomains, "acme-domain", "", "comma-separated domains to get certificates for from Let's Encrypt (cached in --data-dir/acme); serve HTTPS on --addr")
	fs.StringVar(&f.cfg.ACMEHTTPAddr, "acme-http-addr", ":80", "with --acme-domain, plain-HTTP address for the ACME challenge and redirects to HTTPS")
	fs.BoolVar(&f.cfg.TrustProxy, "trust-proxy", false, "believe X-Forwarded-For and X-Forwarded-Proto (only behind a load balancer that sets them)")
	fs.StringVar(&f.cfg.DatabaseURL, "database-url", "", "PostgreSQL URL; empty starts a private cluster in --data-dir")
	fs.StringVar(&f.cfg.DataDir, "data-dir", "data", "folder for the embedded cluster and uploaded files")
	fs.StringVar(&f.cfg.PhotoStore, "photo-store", "", "where listing photos live: empty for --data-dir/uploads, or s3://BUCKET[/PREFIX][?endpoint=HOST:PORT&region=R] (credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the IAM role)")
	fs.StringVar(&f.cfg.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&f.cfg.LogFormat, "log-format", "text", "log format: text or json")
	fs.DurationVar(&f.cfg.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "time allowed for in-flight requests and jobs to finish on stop")
	fs.DurationVar(&f.cfg.DrainTimeout, "drain-timeout", 5*time.Second, "on SIGTERM, time to keep serving while /readyz says 503, so the load balancer stops sending here (SIGINT skips it)")
	fs.StringVar(&f.cfg.MetricsAddr, "metrics-addr", "", "address of a private listener for /metrics (e.g. 127.0.0.1:9090); empty serves no metrics")
	fs.BoolVar(&f.cfg.Migrate, "migrate", true, "apply database migrations at start")
	fs.StringVar(&f.cfg.HomeCountry, "home-country", "CO", "the shop's country (ISO 3166 alpha-2); deliveries elsewhere are international")
	fs.DurationVar(&f.cfg.ShippingStep, "shipping-step", 3*time.Second, "time between two events of a simulated shipment")
	fs.DurationVar(&f.cfg.BankTransferDelay, "bank-transfer-delay", 10*time.Second, "time a simulated bank takes to confirm a transfer")
	fs.DurationVar(&f.cfg.OrderTimeout, "order-timeout", 15*time.Minute, "time an order may wait in checkout or for payment before it is resolved")
	fs.DurationVar(&f.cfg.PaymentRetryWindow, "payment-retry-window", 15*time.Minute, "time an order whose payment failed keeps its copies while the buyer may pay another way")
	fs.DurationVar(&f.cfg.JobTimeout, "job-timeout", 10*time.Second, "time one run of a background job may take, for kinds without a timeout of their own; jobs of a killed process run again within this plus 35s")
	fs.StringVar(&f.cfg.SMTPURL, "smtp-url", "", "SMTP server emails go through: smtp://[USER:PASS@]HOST[:PORT]?from=ADDR (STARTTLS required; &tls=none for a local relay), or smtps:// (use the _FILE variable for a password); empty keeps emails in the outbox, unsent, for the admin's Outbox page")
	fs.StringVar(&f.cfg.PublicURL, "public-url", defaultPublicURL, "the shop's address as users reach it; links in emails start with it. serve requires it with --trust-proxy, --tls-cert, --acme-domain or an --addr host other than loopback")
	f.publicURL = fs.Lookup("public-url")
	fs.StringVar(&f.modules, "modules", "all", "comma-separated modules this process runs (auth, catalog, orders), all, or gateway (alone)")
	for _, m := range AllModules {
		f.urls[m] = fs.String(string(m)+"-url", "", fmt.Sprintf("base URL of the process that runs %s (e.g. http://%s:8080), when this one does not", m, m))
	}
	fs.StringVar(&f.cfg.InternalToken, "internal-token", "", fmt.Sprintf("shared secret of the split shop's service-to-service calls, at least %d characters (use the _FILE variable); required unless the process runs every module", MinInternalToken))
	return f
}

// EnvName is the environment variable that sets a flag: DATABASE_URL for
// --database-url (the name every Postgres tool knows), BOOKSTORE_<NAME>
// otherwise.
func EnvName(flag string) string {
	if flag == "database-url" {
		return "DATABASE_URL"
	}
	return "BOOKSTORE_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// ApplyEnv sets every flag not given on the command line from its environment
// variable, so the command line always wins. The variable's name with _FILE
// appended (DATABASE_URL_FILE) names a file holding the value instead, so
// that secrets mounted by Docker or Kubernetes never sit in the environment.
func ApplyEnv(fs *pflag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" {
			return
		}
		name := EnvName(f.Name)
		v, ok, lerr := lookupEnv(name)
		if lerr != nil || !ok {
			err = lerr
			return
		}
		if serr := fs.Set(f.Name, v); serr != nil {
			err = fmt.Errorf("environment variable %s: %w", name, serr)
		}
	})
	return err
}

// lookupEnv reads name, or the file that name_FILE points to without its
// trailing newline. Setting both is a mistake worth stopping for, and so is
// an empty file: a secret that was never written would otherwise turn into
// a default (no DATABASE_URL starts the embedded cluster).
func lookupEnv(name string) (string, bool, error) {
	v, ok := os.LookupEnv(name)
	path, fromFile := os.LookupEnv(name + "_FILE")
	switch {
	case ok && fromFile:
		return "", false, fmt.Errorf("environment variables %s and %s_FILE are both set; keep one", name, name)
	case !fromFile:
		return v, ok, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", false, fmt.Errorf("environment variable %s_FILE: %w", name, err)
	}
	if strings.TrimSpace(string(b)) == "" {
		return "", false, fmt.Errorf("environment variable %s_FILE: %s is empty", name, path)
	}
	return strings.TrimRight(string(b), "\r\n"), true, nil
}

// Load validates the flags and returns the configuration.
func (f *Flags) Load() (Config, error) {
	cfg := f.cfg
	if strings.TrimSpace(f.modules) == Gateway {
		cfg.Gateway = true
	} else {
		mods, err := ParseModules(f.modules)
		if err != nil {
			return Config{}, err
		}
		cfg.Modules = mods
	}
	cfg.URLs = map[Module]string{}
	for m, v := range f.urls {
		if *v == "" {
			continue
		}
		u, err := parseModuleURL(*v)
		if err != nil {
			return Config{}, fmt.Errorf("--%s-url: %w", m, err)
		}
		if cfg.Runs(m) {
			return Config{}, fmt.Errorf("--%s-url: this process runs %s itself (--modules %s); drop --%s-url", m, m, f.modules, m)
		}
		cfg.URLs[m] = u
	}
	if cfg.InternalToken != "" && len(cfg.InternalToken) < MinInternalToken {
		return Config{}, fmt.Errorf("--internal-token: must be at least %d characters (openssl rand -hex 32 makes one)", MinInternalToken)
	}
	switch cfg.LogFormat {
	case "text", "json":
	default:
		return Config{}, fmt.Errorf("--log-format: %q is not text or json", cfg.LogFormat)
	}
	switch cfg.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return Config{}, fmt.Errorf("--log-level: %q is not debug, info, warn or error", cfg.LogLevel)
	}
	if cfg.ShutdownTimeout <= 0 {
		return Config{}, fmt.Errorf("--shutdown-timeout: must be positive, got %s", cfg.ShutdownTimeout)
	}
	if cfg.DrainTimeout < 0 {
		return Config{}, fmt.Errorf("--drain-timeout: must not be negative, got %s", cfg.DrainTimeout)
	}
	cfg.HomeCountry = strings.ToUpper(strings.TrimSpace(cfg.HomeCountry))
	if !text.IsCountryCode(cfg.HomeCountry) {
		return Config{}, fmt.Errorf("--home-country: %q is not a two-letter ISO 3166 code", cfg.HomeCountry)
	}
	if cfg.ShippingStep <= 0 || cfg.BankTransferDelay < 0 || cfg.OrderTimeout <= 0 || cfg.PaymentRetryWindow <= 0 || cfg.JobTimeout <= 0 {
		return Config{}, fmt.Errorf("--shipping-step, --order-timeout, --payment-retry-window and --job-timeout must be positive, --bank-transfer-delay not negative")
	}
	if cfg.PhotoStore != "" && !strings.HasPrefix(cfg.PhotoStore, "s3://") {
		return Config{}, fmt.Errorf("--photo-store: %q is not an s3:// URL (leave it empty for the folder)", cfg.PhotoStore)
	}
	pub, err := url.Parse(strings.TrimSpace(cfg.PublicURL))
	if err != nil || (pub.Scheme != "http" && pub.Scheme != "https") || pub.Host == "" || pub.RawQuery != "" || pub.User != nil {
		return Config{}, fmt.Errorf("--public-url: %q is not an address such as https://shop.example.com", cfg.PublicURL)
	}
	cfg.PublicURL = strings.TrimRight(pub.String(), "/")
	cfg.publicURLGiven = f.publicURL.Changed
	if cfg.DataDir == "" {
		return Config{}, fmt.Errorf("--data-dir: must not be empty")
	}
	if cfg.Addr == "" {
		return Config{}, fmt.Errorf("--addr: must not be empty (it would listen on a random port); give one such as :8080")
	}
	for d := range strings.SplitSeq(f.acmeDomains, ",") {
		if d = strings.TrimSpace(d); d == "" {
			continue
		}
		ascii, err := acmeDomain.ToASCII(d)
		if err != nil || !strings.Contains(ascii, ".") || strings.HasSuffix(ascii, ".") || net.ParseIP(d) != nil {
			return Config{}, fmt.Errorf("--acme-domain: %q is not a domain name such as shop.example.com", d)
		}
		cfg.ACMEDomains = append(cfg.ACMEDomains, ascii)
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return Config{}, fmt.Errorf("--tls-cert and --tls-key: give both or neither")
	}
	if cfg.TLSCert != "" && len(cfg.ACMEDomains) > 0 {
		return Config{}, fmt.Errorf("--acme-domain: cannot be combined with --tls-cert; choose one source of certificates")
	}
	if len(cfg.ACMEDomains) > 0 && cfg.ACMEHTTPAddr == "" {
		return Config{}, fmt.Errorf("--acme-http-addr: must not be empty with --acme-domain (the ACME challenge needs it)")
	}
	return cfg, nil
}

// acmeDomain reads a domain as autocert's HostWhitelist does (IDNA lookup
// rules: letters, digits and hyphens once mapped), and also checks the DNS
// lengths, so a name no certificate can hold is refused at start instead
// of at the first handshake.
var acmeDomain = idna.New(idna.MapForLookup(), idna.VerifyDNSLength(true), idna.BidiRule())

// ParseModules turns "all" or a comma-separated list into modules in
// dependency order, rejecting unknown names and the gateway, which runs
// alone.
func ParseModules(s string) ([]Module, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "all" {
		return slices.Clone(AllModules), nil
	}
	want := map[Module]bool{}
	for part := range strings.SplitSeq(s, ",") {
		m := Module(strings.TrimSpace(part))
		if m == Gateway {
			return nil, fmt.Errorf("--modules: the gateway runs alone (--modules gateway); run each module in a process of its own behind it")
		}
		if !slices.Contains(AllModules, m) {
			return nil, fmt.Errorf("--modules: unknown module %q (known: auth, catalog, orders, all, gateway)", part)
		}
		want[m] = true
	}
	var out []Module
	for _, m := range AllModules {
		if want[m] {
			out = append(out, m)
		}
	}
	return out, nil
}

// parseModuleURL accepts the base URL of a process: http or https, a host,
// nothing after the path.
func parseModuleURL(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%q is not a base URL such as http://catalog:8080", s)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// calls lists, per module, the modules its process must reach and why:
// the code it calls, and the header of every page, whose cart and
// notification counts orders keeps.
var calls = map[Module][]struct {
	m   Module
	why string
}{
	ModuleAuth:    {{ModuleOrders, "its pages' header shows the cart and notification counts of orders"}},
	ModuleCatalog: {{ModuleAuth, "it signs requests in and follows sellers through auth"}, {ModuleOrders, "its pages' header shows the cart and notification counts of orders"}},
	ModuleOrders:  {{ModuleAuth, "it signs requests in through auth"}, {ModuleCatalog, "it reserves stock in catalog"}},
}

// CheckServe checks what only a serving process needs: every module it
// calls but does not run has a URL, and a split process has the internal
// token. Commands that only touch the database (migrate, user) skip it.
func (c Config) CheckServe() error {
	need := func(m Module, who, why string) error {
		if c.Runs(m) || c.URLs[m] != "" {
			return nil
		}
		return fmt.Errorf("--modules %s: %s; set --%s-url (or $%s) to where %s is served", who, why, m, EnvName(string(m)+"-url"), m)
	}
	if c.Gateway {
		for _, m := range AllModules {
			if err := need(m, Gateway, "the gateway forwards requests to every module"); err != nil {
				return err
			}
		}
	}
	for _, m := range c.Modules {
		for _, d := range calls[m] {
			if err := need(d.m, string(m), d.why); err != nil {
				return err
			}
		}
	}
	if why := c.deployedBy(); why != "" && !c.publicURLGiven {
		return fmt.Errorf("--public-url: required with %s, or every emailed link points at %s; set it (or $%s) to the shop's address, such as https://shop.example.com", why, defaultPublicURL, EnvName("public-url"))
	}
	if c.Split() && c.InternalToken == "" {
		return fmt.Errorf("--internal-token: required when a process does not run every module (the processes of a split shop authenticate each other with it); set $%s_FILE to a file holding it", EnvName("internal-token"))
	}
	return nil
}

// deployedBy names the setting that shows the process serves users other
// than its developer, or "" on a developer's machine. An --addr with no
// host (the default :8080) does not count, so that `make run` works as is.
func (c Config) deployedBy() string {
	switch {
	case c.TrustProxy:
		return "--trust-proxy"
	case c.TLSCert != "":
		return "--tls-cert"
	case len(c.ACMEDomains) > 0:
		return "--acme-domain"
	}
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil || host == "" || host == "localhost" {
		return ""
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return ""
	}
	return "--addr " + c.Addr
}
