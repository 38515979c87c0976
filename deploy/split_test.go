package deploy_test

import (
	"bytes"
	"errors"
	"io"
	"net/url"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/bookstore/bookstore/platform/config"
)

// process is one process of a split manifest: its environment, where the
// others reach it, and whether it is published.
type process struct {
	env       map[string]string
	host      string
	published bool
}

// splitProcesses checks what every split manifest must hold, given its
// processes by name: the gateway and one process per module, each starting
// with its settings (the real flags, loaded and checked as `serve` does),
// modules reaching each other at hosts that exist, the token from a file,
// a database for each module and none for the gateway, only the gateway
// published, and metrics where prometheus.yml scrapes each role.
func splitProcesses(t *testing.T, where string, procs map[string]process) {
	t.Helper()
	require.ElementsMatch(t, []string{"gateway", "auth", "catalog", "orders"}, slices.Collect(mapsKeys(procs)), where)
	scraped := scrapedPorts(t, "bookstore-split")
	hosts := map[string]string{}
	for name, p := range procs {
		hosts[p.host] = name
	}
	publicURLs := map[string]bool{}
	for name, p := range procs {
		cfg := startConfig(t, where+" "+name, p.env)
		requireMetricsAt(t, where+" "+name, cfg, scraped[name])
		publicURLs[cfg.PublicURL] = true
		if name == config.Gateway {
			require.True(t, cfg.Gateway, "%s: the gateway", where)
			require.True(t, p.published, "%s: the gateway is the shop's address", where)
			require.NotContains(t, p.env, "DATABASE_URL_FILE", "%s: the gateway keeps no data", where)
			require.NotContains(t, p.env, "DATABASE_URL", "%s: the gateway keeps no data", where)
		} else {
			require.Equal(t, []config.Module{config.Module(name)}, cfg.Modules, "%s %s", where, name)
			require.False(t, p.published, "%s: %s is reached only through the gateway", where, name)
			require.True(t, cfg.TrustProxy, "%s: %s believes the gateway's X-Forwarded-For", where, name)
			require.False(t, cfg.EmbeddedPostgres(), "%s: %s has a database", where, name)
		}
		require.Contains(t, p.env, "BOOKSTORE_INTERNAL_TOKEN_FILE", "%s %s: the token comes from a mounted secret", where, name)
		require.NotContains(t, p.env, "BOOKSTORE_INTERNAL_TOKEN", "%s %s: never the token itself", where, name)
		for m, u := range cfg.URLs {
			parsed, err := url.Parse(u)
			require.NoError(t, err)
			require.Equal(t, string(m), hosts[parsed.Host], "%s %s: --%s-url %s is the %s process", where, name, m, u, m)
		}
	}
	require.Len(t, publicURLs, 1, "%s: every process links its emails to the one address of the shop", where)
}

// startConfig loads env as `bookstore serve` would, a _FILE variable
// standing for a plausible value, and checks it as serve does (which
// refuses a process behind a load balancer without BOOKSTORE_PUBLIC_URL).
func startConfig(t *testing.T, where string, env map[string]string) config.Config {
	t.Helper()
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	flags := config.Bind(fs)
	byVar := map[string]string{}
	fs.VisitAll(func(f *pflag.Flag) { byVar[config.EnvName(f.Name)] = f.Name })
	for name, v := range env {
		if base, ok := strings.CutSuffix(name, "_FILE"); ok {
			name, v = base, map[string]string{
				"DATABASE_URL":             "postgres://bookstore@db:5432/bookstore",
				"BOOKSTORE_INTERNAL_TOKEN": strings.Repeat("ab", 32),
			}[base]
			require.NotEmpty(t, v, "%s: no plausible value for %s_FILE", where, name)
		}
		flag, ok := byVar[name]
		require.True(t, ok, "%s sets %s, which no flag reads", where, name)
		require.NoError(t, fs.Set(flag, v), "%s: %s=%q", where, name, v)
	}
	cfg, err := flags.Load()
	require.NoError(t, err, where)
	require.NoError(t, cfg.CheckServe(), where)
	return cfg
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// composeProcesses reads the processes of a compose or Swarm file: each
// reached by its service name on port 8080.
func composeProcesses(t *testing.T, path string) map[string]process {
	t.Helper()
	doc := decode(t, path)[0]
	out := map[string]process{}
	for name, svc := range get(doc, "services").(obj) {
		if name == "postgres" {
			continue
		}
		env := map[string]string{}
		for k, v := range get(svc, "environment").(obj) {
			env[k] = str(v)
		}
		for _, s := range list(get(svc, "secrets")) {
			require.NotNil(t, get(doc, "secrets", str(s)), "%s: secret %s is declared", path, s)
		}
		out[name] = process{env: env, host: name + ":8080", published: get(svc, "ports") != nil}
	}
	return out
}

func TestSplit_Compose(t *testing.T) {
	t.Parallel()
	path := filepath.Join("compose", "split.yml")
	splitProcesses(t, path, composeProcesses(t, path))
	doc := decode(t, path)[0]
	init := readFile(t, filepath.Join("compose", "init-databases.sql"))
	for _, m := range []string{"auth", "catalog", "orders"} {
		require.Contains(t, init, "CREATE DATABASE bookstore_"+m+";", "a database per module")
	}
	require.Equal(t, "/docker-entrypoint-initdb.d/init-databases.sql", strings.Split(str(get(doc, "services", "postgres", "volumes", 1)), ":")[1])
	require.Contains(t, readFile(t, filepath.Join("..", ".gitignore")), "/deploy/compose/secrets/", "the secrets never reach git")
}

func TestSplit_Swarm(t *testing.T) {
	t.Parallel()
	path := filepath.Join("swarm", "split.yml")
	procs := composeProcesses(t, path)
	splitProcesses(t, path, procs)
	for name := range procs {
		require.Equal(t, image+":${BOOKSTORE_TAG:-latest}", get(decode(t, path)[0], "services", name, "image"))
		requireProbe(t, get(decode(t, path)[0], "services", name))
	}
}

// TestSplit_Kustomize renders the split overlay, when kubectl is installed,
// and checks its four Deployments as the processes they start.
func TestSplit_Kustomize(t *testing.T) {
	t.Parallel()
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed; the split compose and Swarm files are still checked")
	}
	out, err := exec.Command(kubectl, "kustomize", filepath.Join("k8s", "overlays", "split")).CombinedOutput()
	require.NoError(t, err, string(out))
	byKind := map[string][]obj{}
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var o obj
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			break
		} else {
			require.NoError(t, err)
		}
		byKind[str(o["kind"])] = append(byKind[str(o["kind"])], o)
	}
	configMaps := map[string]obj{}
	for _, cm := range byKind["ConfigMap"] {
		configMaps[str(get(cm, "metadata", "name"))] = cm
	}
	services := map[string]string{} // component → Service name
	for _, s := range byKind["Service"] {
		services[str(get(s, "spec", "selector", "app.kubernetes.io/component"))] = str(get(s, "metadata", "name"))
	}
	require.Len(t, byKind["Ingress"], 1)
	published := str(get(byKind["Ingress"][0], "spec", "rules", 0, "http", "paths", 0, "backend", "service", "name"))

	procs := map[string]process{}
	for _, d := range byKind["Deployment"] {
		component := str(get(d, "spec", "selector", "matchLabels", "app.kubernetes.io/component"))
		c := get(d, "spec", "template", "spec", "containers", 0).(obj)
		env := map[string]string{}
		for k, v := range get(configMaps[str(get(c, "envFrom", 0, "configMapRef", "name"))], "data").(obj) {
			env[k] = str(v)
		}
		for _, e := range list(c["env"]) {
			require.Equal(t, "bookstore-split-db", get(e, "valueFrom", "secretKeyRef", "name"))
			require.Equal(t, component, get(e, "valueFrom", "secretKeyRef", "key"), "each module has its own database")
			env[str(get(e, "name"))] = "postgres://bookstore@db:5432/bookstore_" + component
		}
		mounts := map[string]bool{}
		for _, m := range list(c["volumeMounts"]) {
			mounts[str(get(m, "mountPath"))] = true
		}
		require.True(t, mounts[filepath.Dir(env["BOOKSTORE_INTERNAL_TOKEN_FILE"])], "%s mounts the token", component)
		require.Equal(t, component == "catalog", mounts["/data"], "only the catalog keeps uploads")
		procs[component] = process{env: env, host: services[component], published: services[component] == published}
		require.Equal(t, "registry.example.com/bookstore/bookstore:0.1.0", get(c, "image"))
	}
	splitProcesses(t, "k8s/overlays/split", procs)
	require.Len(t, byKind["PersistentVolumeClaim"], 1)
	require.Len(t, byKind["HorizontalPodAutoscaler"], 4)
	require.Len(t, byKind["PodDisruptionBudget"], 4)
}
