package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/logging"
	"github.com/bookstore/bookstore/platform/pg"
	"github.com/bookstore/bookstore/platform/pgembed"
	"github.com/bookstore/bookstore/platform/random"
	"github.com/bookstore/bookstore/platform/supervisor"
)

// splitOwned are the flags serve --split sets on its children itself;
// the others the operator gave are passed on to every child.
var splitOwned = []string{"split", "modules", "addr", "database-url", "auth-url", "catalog-url", "orders-url", "internal-token", "smtp-url", "metrics-addr"}

// gatewayOnly are flags that concern the public address, which only the
// gateway serves: the modules listen on loopback, in plain HTTP, behind it.
// A load balancer sends to the gateway only, so only it drains.
var gatewayOnly = []string{"tls-cert", "tls-key", "acme-domain", "acme-http-addr", "trust-proxy", "drain-timeout"}

// stopContext ends at the first SIGINT or SIGTERM, with the signal as its
// cause (supervisor.Signal), so that the children are stopped as the
// supervisor was: SIGTERM has the gateway drain.
func stopContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		select {
		case got := <-sig:
			cancel(supervisor.Signal{Signal: got.(syscall.Signal)})
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(sig)
		cancel(nil)
	}
}

// serveSplit is `serve --split`: the microservice stage on one machine. It
// starts the embedded cluster (unless DATABASE_URL is set) with a database
// per module, then supervises one process per module on a loopback port
// and the gateway on --addr, until ctx ends; a process that cannot start
// stops them all, with its error.
func serveSplit(ctx context.Context, cfg config.Config, flags *pflag.FlagSet) error {
	if len(cfg.Modules) != len(config.AllModules) || cfg.Gateway {
		return fmt.Errorf("--split runs every module, each in a process of its own: drop --modules")
	}
	// The gateway would fail on a port in use, but only once started, and
	// the supervisor's wait for it to be ready could meet whatever listens
	// there instead.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("--addr: listen on %s: %w", cfg.Addr, err)
	}
	_ = ln.Close()
	// The supervisor's few lines (where each process listens, restarts,
	// ready) are worth seeing at any --log-level, which the children honour.
	level := "info"
	if cfg.LogLevel == "debug" {
		level = "debug"
	}
	log := logging.New(os.Stderr, level, cfg.LogFormat)
	bin, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this binary: %w", err)
	}
	token := cfg.InternalToken
	if token == "" {
		token = random.Hex(32)
	}
	children := make([]moduleProcess, 0, len(config.AllModules))
	for _, m := range config.AllModules {
		addr, err := freeLoopback()
		if err != nil {
			return err
		}
		mc := cfg
		mc.Modules = []config.Module{m}
		children = append(children, moduleProcess{module: m, addr: addr, cfg: mc})
	}
	if cfg.EmbeddedPostgres() {
		cluster, err := pgembed.Start(ctx, pg.EmbeddedDir(cfg), nil)
		if err != nil {
			return err
		}
		defer func() {
			if err := cluster.Stop(context.WithoutCancel(ctx)); err != nil {
				log.Error("stop embedded postgres", "err", err)
			}
		}()
		for _, c := range children {
			if err := cluster.EnsureDatabase(ctx, pg.EmbeddedDatabase(c.cfg)); err != nil {
				return err
			}
		}
	}

	passed := passedFlags(flags, splitOwned)
	modulePassed := passedFlags(flags, append(slices.Clone(splitOwned), gatewayOnly...))
	urls := make([]string, 0, 2*len(children))
	for _, c := range children {
		urls = append(urls, "--"+string(c.module)+"-url", "http://"+c.addr)
	}
	metricsAddrs, err := metricsAddrs(cfg.MetricsAddr, 1+len(children))
	if err != nil {
		return err
	}
	env := childEnv(token, cfg.SMTPURL)
	// The modules come first, in the order they depend on each other, and
	// the gateway last: the supervisor stops them last first.
	procs := make([]supervisor.Child, 0, 1+len(children))
	attrs := []any{"gateway", cfg.Addr}
	for i, c := range children {
		args := []string{"serve", "--split=false", "--modules", string(c.module), "--addr", c.addr, "--metrics-addr", metricsAddrs[1+i],
			"--trust-proxy=true", "--public-url=" + cfg.PublicURL, "--tls-cert=", "--tls-key=", "--acme-domain=", "--drain-timeout=0"}
		for i := 0; i < len(urls); i += 2 {
			if urls[i] != "--"+string(c.module)+"-url" {
				args = append(args, urls[i], urls[i+1])
			}
		}
		procs = append(procs, supervisor.Child{
			Name: string(c.module), Path: bin, Args: append(args, modulePassed...),
			Env: append(slices.Clone(env), "DATABASE_URL="+pg.URL(c.cfg)), ReadyURL: "http://" + c.addr + "/readyz",
		})
		attrs = append(attrs, string(c.module), c.addr)
	}
	gatewayArgs := append([]string{"serve", "--split=false", "--modules", config.Gateway, "--addr", cfg.Addr, "--metrics-addr", metricsAddrs[0]}, urls...)
	procs = append(procs, supervisor.Child{
		Name: config.Gateway, Path: bin, Args: append(gatewayArgs, passed...), Env: env, ReadyURL: readyURL(cfg),
	})
	if cfg.MetricsAddr != "" {
		attrs = append(attrs, "metrics", strings.Join(metricsAddrs, ","))
	}
	log.Info("starting the split shop", attrs...)
	err = supervisor.Run(ctx, procs, os.Stderr, log, &supervisor.Opts{
		StopTimeout: cfg.DrainTimeout + 2*cfg.ShutdownTimeout + pgStopAllowance,
		Ready:       func() { log.Info("split shop ready", "url", "http://"+browsable(cfg.Addr)) },
	})
	if err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

// moduleProcess is one module's child.
type moduleProcess struct {
	module config.Module
	addr   string
	cfg    config.Config
}

// childEnv is this process's environment for a child, with the secrets
// (the internal token, the SMTP URL and its password) in variables, not on
// a command line, where ps shows them, and without what the child is told
// by flags or the supervisor instead.
func childEnv(token, smtpURL string) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		name = strings.TrimSuffix(name, "_FILE")
		return name == "DATABASE_URL" || name == config.EnvName("internal-token") || name == config.EnvName("smtp-url")
	})
	env = append(env, config.EnvName("internal-token")+"="+token)
	if os.Getenv("GOMAXPROCS") == "" {
		env = append(env, "GOMAXPROCS="+strconv.Itoa(childProcs()))
	}
	if smtpURL != "" {
		env = append(env, config.EnvName("smtp-url")+"="+smtpURL)
	}
	return env
}

// childProcs is the GOMAXPROCS of each child: half of this process's
// (which follows the machine's cores or its container's CPU limit), at
// least one. Each Go runtime assumes it has the cores to itself and, when
// work arrives, wakes a thread per idle core to look for more; four
// processes and Postgres sharing the cores spent a fifth of the split
// shop's CPU in that scheduling (runtime.findRunnable and futex in their
// profiles), and one core each cut its CPU per checkout by a sixth on two
// cores (README, the bench's split section). Half leaves the busiest
// child room on a larger machine. An operator's GOMAXPROCS is passed on
// instead.
func childProcs() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// passedFlags are the flags given on the command line, but for those in
// skip, as arguments for a child.
func passedFlags(fs *pflag.FlagSet, skip []string) []string {
	var args []string
	fs.Visit(func(f *pflag.Flag) {
		if !slices.Contains(skip, f.Name) {
			args = append(args, "--"+f.Name+"="+f.Value.String())
		}
	})
	return args
}

// metricsAddrs gives each of n children its private metrics listener: the
// gateway base, the modules the ports after it. No base, none.
func metricsAddrs(base string, n int) ([]string, error) {
	out := make([]string, n)
	if base == "" {
		return out, nil
	}
	host, port, err := net.SplitHostPort(base)
	p, perr := strconv.Atoi(port)
	if err != nil || perr != nil || p == 0 || p+n-1 > 65535 {
		return nil, fmt.Errorf("--metrics-addr: with --split, a host:port whose next %d ports are free too (the modules' listeners)", n-1)
	}
	for i := range out {
		out[i] = net.JoinHostPort(host, strconv.Itoa(p+i))
	}
	return out, nil
}

// freeLoopback is a loopback address nothing listens on now.
func freeLoopback() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// browsable is addr as a browser on this machine reaches it.
func browsable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// readyURL is where the supervisor sees the gateway ready; a gateway
// serving HTTPS is taken as ready once started.
func readyURL(cfg config.Config) string {
	if cfg.TLS() {
		return ""
	}
	return "http://" + browsable(cfg.Addr) + "/readyz"
}
