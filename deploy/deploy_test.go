// Package deploy_test checks the deployment files without a Docker engine or
// a cluster: every YAML parses, every variable they set is a flag of the
// binary, probes hit the real health endpoints, image names agree, and
// kustomize references point at files that exist.
package deploy_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/bookstore/bookstore/platform/config"
)

// image is the repository every manifest runs; overlays retag it.
const image = "bookstore/bookstore"

// obj is one decoded YAML document.
type obj = map[string]any

// decode reads every document of a YAML file.
func decode(t *testing.T, path string) []any {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []any
	for {
		var doc any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, path)
		if doc != nil {
			docs = append(docs, doc)
		}
	}
	require.NotEmpty(t, docs, "%s holds no document", path)
	return docs
}

// yamlFiles lists every YAML file under deploy/.
func yamlFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, path)
		}
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// objects is every Kubernetes object under k8s/, by kind.
func objects(t *testing.T) map[string][]obj {
	t.Helper()
	out := map[string][]obj{}
	for _, f := range yamlFiles(t) {
		if !strings.HasPrefix(f, "k8s"+string(filepath.Separator)) {
			continue
		}
		for _, d := range decode(t, f) {
			if o, ok := d.(obj); ok {
				if kind, ok := o["kind"].(string); ok {
					out[kind] = append(out[kind], o)
				}
			}
		}
	}
	return out
}

// get walks a decoded document by map keys and slice indexes.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(obj)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			s, ok := v.([]any)
			if !ok || k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}

func list(v any) []any { s, _ := v.([]any); return s }

func str(v any) string { s, _ := v.(string); return s }

// flagVariables are the variables the binary reads: one per flag, and its
// _FILE form.
func flagVariables(t *testing.T) map[string]bool {
	t.Helper()
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	config.Bind(fs)
	vars := map[string]bool{}
	fs.VisitAll(func(f *pflag.Flag) {
		vars[config.EnvName(f.Name)] = true
		vars[config.EnvName(f.Name)+"_FILE"] = true
	})
	require.True(t, vars["DATABASE_URL"])
	return vars
}

// containers lists the containers of every workload under k8s/.
func containers(t *testing.T) []obj {
	t.Helper()
	var out []obj
	for kind, objs := range objects(t) {
		if kind != "Deployment" && kind != "Job" {
			continue
		}
		for _, o := range objs {
			for _, c := range list(get(o, "spec", "template", "spec", "containers")) {
				out = append(out, c.(obj))
			}
		}
	}
	require.NotEmpty(t, out)
	return out
}

// envFile reads KEY=value lines, as kustomize's configMapGenerator does.
func envFile(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		require.True(t, ok, "%s: %q is not KEY=value", path, line)
		out[k] = v
	}
	require.NoError(t, sc.Err())
	return out
}

func swarmService(t *testing.T) obj {
	t.Helper()
	stack := decode(t, filepath.Join("swarm", "stack.yml"))[0]
	svc, ok := get(stack, "services", "bookstore").(obj)
	require.True(t, ok, "the stack has a bookstore service")
	return svc
}

// scrapedPorts is the port that prometheus.yml's job scrapes /metrics on,
// by the role label of its targets.
func scrapedPorts(t *testing.T, job string) map[string]string {
	t.Helper()
	doc := decode(t, filepath.Join("observability", "prometheus.yml"))[0]
	out := map[string]string{}
	for _, j := range list(get(doc, "scrape_configs")) {
		if get(j, "job_name") != job {
			continue
		}
		for _, sc := range list(get(j, "static_configs")) {
			for _, target := range list(get(sc, "targets")) {
				_, port, err := net.SplitHostPort(str(target))
				require.NoError(t, err, "prometheus.yml job %s", job)
				out[str(get(sc, "labels", "role"))] = port
			}
		}
	}
	require.NotEmpty(t, out, "prometheus.yml has a job %s", job)
	return out
}

// requireMetricsAt: a process serves /metrics on the port Prometheus
// scrapes, or the scrape finds nothing and every alert on it stays silent.
func requireMetricsAt(t *testing.T, where string, cfg config.Config, port string) {
	t.Helper()
	require.NotEmpty(t, cfg.MetricsAddr, "%s: set BOOKSTORE_METRICS_ADDR, or prometheus.yml scrapes nothing", where)
	_, got, err := net.SplitHostPort(cfg.MetricsAddr)
	require.NoError(t, err, where)
	require.Equal(t, port, got, "%s: --metrics-addr %s is not the port prometheus.yml scrapes", where, cfg.MetricsAddr)
}

func TestManifests_ParseAsYAML(t *testing.T) {
	t.Parallel()
	for _, f := range yamlFiles(t) {
		for _, d := range decode(t, f) {
			if o, ok := d.(obj); ok && o["apiVersion"] != nil && !strings.HasPrefix(str(o["apiVersion"]), "kustomize.config.k8s.io/") {
				require.NotEmpty(t, str(o["kind"]), "%s: an object without kind", f)
				require.NotEmpty(t, str(get(o, "metadata", "name")), "%s: a %s without a name", f, o["kind"])
			}
		}
	}
}

func TestManifests_EnvironmentIsFlags(t *testing.T) {
	t.Parallel()
	vars := flagVariables(t)
	set := map[string]string{}
	add := func(where, name, value string) {
		require.True(t, vars[name], "%s sets %s, which no flag reads (bookstore serve --help)", where, name)
		set[name] = value
	}

	for _, c := range containers(t) {
		for _, e := range list(c["env"]) {
			add("container "+str(c["name"]), str(get(e, "name")), str(get(e, "value")))
		}
	}
	for _, f := range yamlFiles(t) {
		if filepath.Base(f) != "kustomization.yaml" {
			for _, d := range decode(t, f) {
				for _, op := range list(d) { // JSON patches that add or replace a variable (a removal sets none)
					if name := str(get(op, "value", "name")); strings.Contains(str(get(op, "path")), "/env") && str(get(op, "op")) != "remove" {
						add(f, name, str(get(op, "value", "value")))
					}
				}
			}
			continue
		}
		k := decode(t, f)[0]
		for _, g := range list(get(k, "configMapGenerator")) {
			for _, env := range list(get(g, "envs")) {
				for name, v := range envFile(t, filepath.Join(filepath.Dir(f), str(env))) {
					add(str(env), name, v)
				}
			}
			for _, lit := range list(get(g, "literals")) {
				name, v, _ := strings.Cut(str(lit), "=")
				add(f, name, v)
			}
		}
	}
	for name, v := range get(swarmService(t), "environment").(obj) {
		add("swarm/stack.yml", name, str(v))
	}

	require.Equal(t, "true", set["BOOKSTORE_TRUST_PROXY"], "TLS ends at the load balancer")
	require.Equal(t, "/data", set["BOOKSTORE_DATA_DIR"])
	require.Equal(t, "false", set["BOOKSTORE_MIGRATE"], "the migrate-job component turns migration at start off")
	require.Equal(t, "/run/secrets/bookstore_database_url", set["DATABASE_URL_FILE"])
	require.Contains(t, set, "DATABASE_URL")
}

func TestDeployment_ProbesAndPorts(t *testing.T) {
	t.Parallel()
	deps := objects(t)["Deployment"]
	require.Len(t, deps, 1)
	c := get(deps[0], "spec", "template", "spec", "containers", 0).(obj)

	require.Equal(t, "/healthz", get(c, "livenessProbe", "httpGet", "path"))
	require.Equal(t, "/readyz", get(c, "readinessProbe", "httpGet", "path"))
	require.Equal(t, "/healthz", get(c, "startupProbe", "httpGet", "path"))
	env := envFile(t, filepath.Join("k8s", "base", "bookstore.env"))
	require.Equal(t, ":8080", env["BOOKSTORE_ADDR"])
	require.Equal(t, "http", get(c, "ports", 0, "name"))
	require.Equal(t, 8080, get(c, "ports", 0, "containerPort"))
	for _, p := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
		require.Equal(t, "http", get(c, p, "httpGet", "port"), p)
	}
	require.Equal(t, "DATABASE_URL", get(c, "env", 0, "valueFrom", "secretKeyRef", "key"))
	require.Equal(t, "bookstore-db", get(c, "env", 0, "valueFrom", "secretKeyRef", "name"))

	require.Equal(t, "metrics", get(c, "ports", 1, "name"), "prometheus.yml finds a pod's metrics by the port's name")
	_, port, err := net.SplitHostPort(env["BOOKSTORE_METRICS_ADDR"])
	require.NoError(t, err, "k8s/base/bookstore.env sets BOOKSTORE_METRICS_ADDR")
	require.Equal(t, port, strconv.Itoa(get(c, "ports", 1, "containerPort").(int)))

	require.Equal(t, ":8080", get(swarmService(t), "environment", "BOOKSTORE_ADDR"))
	require.Equal(t, 8080, get(swarmService(t), "ports", 0, "target"))
	swarmEnv := map[string]string{}
	for k, v := range get(swarmService(t), "environment").(obj) {
		swarmEnv[k] = str(v)
	}
	requireMetricsAt(t, "swarm/stack.yml", startConfig(t, "swarm/stack.yml", swarmEnv), scrapedPorts(t, "bookstore")["all"])
	requireProbe(t, swarmService(t))
	require.Contains(t, readFile(t, filepath.Join("docker", "Dockerfile")), "\nEXPOSE 8080\n")

	svc := objects(t)["Service"][0]
	require.Equal(t, "http", get(svc, "spec", "ports", 0, "targetPort"))
	ing := objects(t)["Ingress"][0]
	require.Equal(t, get(svc, "metadata", "name"), get(ing, "spec", "rules", 0, "http", "paths", 0, "backend", "service", "name"))
	require.NotEmpty(t, get(ing, "spec", "tls", 0, "secretName"), "TLS ends at the Ingress")
}

// requireProbe: a Swarm service's healthcheck is the binary's own probe of
// /readyz, so the routing mesh sends a task requests only once it is ready.
func requireProbe(t *testing.T, svc any) {
	t.Helper()
	require.Equal(t, []any{"CMD", "/bookstore", "probe"}, get(svc, "healthcheck", "test"))
	require.Nil(t, get(svc, "healthcheck", "disable"))
}

func TestDeployment_Hardened(t *testing.T) {
	t.Parallel()
	dep := objects(t)["Deployment"][0]
	require.Equal(t, 3, get(dep, "spec", "replicas"))
	pod := get(dep, "spec", "template", "spec").(obj)
	require.Equal(t, true, get(pod, "securityContext", "runAsNonRoot"))
	c := get(pod, "containers", 0).(obj)
	require.Equal(t, true, get(c, "securityContext", "readOnlyRootFilesystem"))
	require.Equal(t, false, get(c, "securityContext", "allowPrivilegeEscalation"))
	require.NotNil(t, get(c, "resources", "requests", "memory"))
	require.NotNil(t, get(c, "resources", "limits", "memory"))

	mounts := map[string]string{}
	for _, m := range list(c["volumeMounts"]) {
		mounts[str(get(m, "mountPath"))] = str(get(m, "name"))
	}
	volumes := map[string]obj{}
	for _, v := range list(pod["volumes"]) {
		volumes[str(get(v, "name"))] = v.(obj)
	}
	require.NotNil(t, get(volumes[mounts["/tmp"]], "emptyDir"), "a writable /tmp on a read-only root")
	claim := str(get(volumes[mounts["/data"]], "persistentVolumeClaim", "claimName"))
	var pvc obj
	for _, p := range objects(t)["PersistentVolumeClaim"] {
		if get(p, "metadata", "name") == claim {
			pvc = p
		}
	}
	require.NotNil(t, pvc, "the uploads claim %q exists", claim)
	require.Equal(t, []any{"ReadWriteMany"}, get(pvc, "spec", "accessModes"), "every replica writes uploads")

	pdb := objects(t)["PodDisruptionBudget"][0]
	require.Equal(t, get(dep, "spec", "selector", "matchLabels"), get(pdb, "spec", "selector", "matchLabels"))

	svc := swarmService(t)
	require.Equal(t, 3, get(svc, "deploy", "replicas"))
	require.Equal(t, "start-first", get(svc, "deploy", "update_config", "order"))
	require.Equal(t, true, get(svc, "read_only"))
	require.Equal(t, "65532:65532", get(svc, "user"))
	stack := decode(t, filepath.Join("swarm", "stack.yml"))[0]
	for _, name := range list(svc["secrets"]) {
		require.NotNil(t, get(stack, "secrets", str(name)), "secret %s is declared", name)
	}
	for _, v := range list(svc["volumes"]) {
		if get(v, "type") == "volume" {
			require.NotNil(t, get(stack, "volumes", str(get(v, "source"))), "volume %s is declared", get(v, "source"))
		}
	}
}

func TestImages_Agree(t *testing.T) {
	t.Parallel()
	for _, c := range containers(t) {
		require.True(t, strings.HasPrefix(str(c["image"]), image+":"), "container %s runs %s", c["name"], c["image"])
	}
	require.Equal(t, image+":${BOOKSTORE_TAG:-latest}", get(swarmService(t), "image"))
	overlay := decode(t, filepath.Join("k8s", "overlays", "monolith", "kustomization.yaml"))[0]
	require.Equal(t, image, get(overlay, "images", 0, "name"), "the overlay retags the image the base runs")

	makefile := readFile(t, filepath.Join("..", "Makefile"))
	require.Regexp(t, `(?m)^IMAGE\s+\?= `+regexp.QuoteMeta(image)+`$`, makefile)
	require.Contains(t, makefile, "deploy/docker/Dockerfile")
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	df := readFile(t, filepath.Join("docker", "Dockerfile"))
	gomod := readFile(t, filepath.Join("..", "go.mod"))
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(gomod)
	require.NotNil(t, goVersion)
	require.Contains(t, df, "FROM golang:"+goVersion[1]+" AS build", "the builder matches go.mod")
	require.Contains(t, df, "FROM gcr.io/distroless/static-debian12:nonroot")
	require.Contains(t, df, "CGO_ENABLED=0")
	require.Contains(t, df, "-trimpath")
	require.Contains(t, df, `ENTRYPOINT ["/bookstore", "serve"]`)
	require.Regexp(t, `(?m)^USER 65532`, df)
	require.Regexp(t, `(?m)^HEALTHCHECK .* CMD \["/bookstore", "probe"\]$`, df, "distroless has no shell or curl: the binary probes itself")

	ignore := strings.Fields(readFile(t, filepath.Join("..", ".dockerignore")))
	for _, want := range []string{".git", "bin/", "data/", "**/node_modules/", "screenshots/"} {
		require.Contains(t, ignore, want)
	}
	// The API viewer comes from npm in a build stage, never from the
	// context, and lands where the binary embeds it.
	require.Contains(t, df, "npm ci --ignore-scripts")
	require.Contains(t, df, "platform/apidoc/viewer/")
}

func TestKustomize_ReferencesExist(t *testing.T) {
	t.Parallel()
	var checked int
	for _, f := range yamlFiles(t) {
		if filepath.Base(f) != "kustomization.yaml" {
			continue
		}
		dir := filepath.Dir(f)
		k := decode(t, f)[0]
		var refs []string
		for _, key := range []string{"resources", "components"} {
			for _, r := range list(get(k, key)) {
				refs = append(refs, str(r))
			}
		}
		for _, p := range list(get(k, "patches")) {
			if path := str(get(p, "path")); path != "" {
				refs = append(refs, path)
			}
		}
		for _, g := range list(get(k, "configMapGenerator")) {
			for _, key := range []string{"envs", "files"} {
				for _, r := range list(get(g, key)) {
					_, path, found := strings.Cut(str(r), "=")
					if !found {
						path = str(r)
					}
					refs = append(refs, path)
				}
			}
		}
		require.NotEmpty(t, refs, "%s references nothing", f)
		for _, r := range refs {
			target := filepath.Join(dir, r)
			st, err := os.Stat(target)
			require.NoError(t, err, "%s references %s", f, r)
			if st.IsDir() {
				_, err := os.Stat(filepath.Join(target, "kustomization.yaml"))
				require.NoError(t, err, "%s references folder %s, which has no kustomization.yaml", f, r)
			}
			checked++
		}
	}
	require.Positive(t, checked)
}

// TestKustomize_Builds renders the overlay, with and without the migrate-job
// component, when kubectl is installed; the checks above hold without it.
func TestKustomize_Builds(t *testing.T) {
	t.Parallel()
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed; the static checks above still ran")
	}
	// The overlay as its comment says to change it: a component added.
	overlay := filepath.Join("k8s", "overlays", "monolith")
	k8s, err := filepath.Abs("k8s")
	require.NoError(t, err)
	withComponent := func(component string) string {
		dir := t.TempDir()
		rel, err := filepath.Rel(dir, k8s)
		require.NoError(t, err)
		entries, err := os.ReadDir(overlay)
		require.NoError(t, err)
		for _, e := range entries {
			text := readFile(t, filepath.Join(overlay, e.Name()))
			if e.Name() == "kustomization.yaml" {
				require.Contains(t, text, "# components:\n#   - ../../components/migrate-job\n")
				text = strings.Replace(text, "# components:\n#   - ../../components/migrate-job", "components:\n  - ../../components/"+component, 1)
				text = strings.ReplaceAll(text, "../../", rel+"/")
			}
			require.NoError(t, os.WriteFile(filepath.Join(dir, e.Name()), []byte(text), 0o600))
		}
		return dir
	}
	withJob, withCNPG := withComponent("migrate-job"), withComponent("cloudnative-pg")

	for name, dir := range map[string]string{"Monolith": overlay, "MigrateJob": withJob, "CloudNativePG": withCNPG} {
		t.Run(name, func(t *testing.T) {
			out, err := exec.Command(kubectl, "kustomize", dir).CombinedOutput()
			require.NoError(t, err, string(out))
			var kinds []string
			dec := yaml.NewDecoder(bytes.NewReader(out))
			for {
				var o obj
				if err := dec.Decode(&o); errors.Is(err, io.EOF) {
					break
				} else {
					require.NoError(t, err)
				}
				kinds = append(kinds, str(o["kind"]))
				if o["kind"] != "Namespace" {
					require.Equal(t, "bookstore", get(o, "metadata", "namespace"), "%s %s", o["kind"], get(o, "metadata", "name"))
				}
				if o["kind"] == "Deployment" || o["kind"] == "Job" {
					require.Equal(t, "registry.example.com/bookstore/bookstore:0.1.0", get(o, "spec", "template", "spec", "containers", 0, "image"))
				}
				if o["kind"] == "Deployment" {
					db := get(o, "spec", "template", "spec", "containers", 0, "env", 0)
					require.Equal(t, "DATABASE_URL", get(db, "name"))
					want := map[bool]string{true: "bookstore-db-app", false: "bookstore-db"}[name == "CloudNativePG"]
					require.Equal(t, want, get(db, "valueFrom", "secretKeyRef", "name"), "where the shop reads its database URL")
				}
			}
			for _, want := range []string{"ConfigMap", "Service", "PersistentVolumeClaim", "Deployment", "PodDisruptionBudget", "Ingress", "HorizontalPodAutoscaler"} {
				require.Contains(t, kinds, want)
			}
			require.Equal(t, name == "CloudNativePG", slices.Contains(kinds, "Cluster"), "the operator's Cluster comes with its component")
			require.Equal(t, name == "MigrateJob", slices.Contains(kinds, "Job"))
		})
	}
}

// TestKustomize_PublicURLIsTheIngressHost: the links in the shop's emails
// lead to the host its Ingress serves, in the base and in each overlay,
// which sets the two side by side; serve refuses to start without one
// behind a load balancer, which startConfig checks for the other manifests.
func TestKustomize_PublicURLIsTheIngressHost(t *testing.T) {
	t.Parallel()
	ingress := decode(t, filepath.Join("k8s", "base", "ingress.yaml"))[0]
	env := envFile(t, filepath.Join("k8s", "base", "bookstore.env"))
	require.Equal(t, "https://"+str(get(ingress, "spec", "rules", 0, "host")), env["BOOKSTORE_PUBLIC_URL"], "k8s/base/bookstore.env")
	for _, overlay := range []string{"monolith", "split"} {
		dir := filepath.Join("k8s", "overlays", overlay)
		host := patchValue(t, filepath.Join(dir, "ingress-host.yaml"), "/spec/rules/0/host")
		require.Equal(t, "https://"+host, patchValue(t, filepath.Join(dir, "public-url.yaml"), "/data/BOOKSTORE_PUBLIC_URL"), dir)
		var patched []string
		for _, p := range list(get(decode(t, filepath.Join(dir, "kustomization.yaml"))[0], "patches")) {
			patched = append(patched, str(get(p, "path"))+" "+str(get(p, "target", "kind")))
		}
		require.Contains(t, patched, "public-url.yaml ConfigMap", dir)
	}
}

// patchValue is the value a JSON patch file sets at path.
func patchValue(t *testing.T, file, path string) string {
	t.Helper()
	for _, op := range list(decode(t, file)[0]) {
		if str(get(op, "path")) == path {
			return str(get(op, "value"))
		}
	}
	t.Fatalf("%s sets nothing at %s", file, path)
	return ""
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}
