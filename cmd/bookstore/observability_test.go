package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/bookstore/bookstore/platform/mail/mailtest"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/proctest"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

// observability is where the Prometheus and Grafana files live.
var observability = filepath.Join("..", "..", "deploy", "observability")

// TestObservability_NamesOnlyExportedMetrics runs the real binary through a
// checkout and proves that every metric the alert rules and the dashboard
// name is on its /metrics.
func TestObservability_NamesOnlyExportedMetrics(t *testing.T) {
	t.Parallel()
	named := observedNames(t)
	require.Subset(t, named, []string{"bookstore_orders_total", "bookstore_river_oldest_ready_job_age_seconds", "bookstore_ready", "bookstore_http_requests_total"}, "the files were read")

	// A bank transfer's charge waits an hour, so the queue has a job to show.
	metricsAddr := proctest.FreeAddr(t)
	mails := mailtest.NewServer(t)
	p := proctest.Serve(t, []string{"DATABASE_URL=" + pgtest.NewURL(t), "BOOKSTORE_SMTP_URL=" + mails.URL("shop@example.com")}, "--bank-transfer-delay", "1h", "--metrics-addr", metricsAddr)
	c := &webtest.Client{URL: p.URL(), HTTP: &http.Client{}}
	seller := account(t, c, "seller@example.com")
	verified := mails.WaitTo(t, "seller@example.com", "Confirm your email address")
	call(t, c, "", http.MethodPost, "/api/v1/auth/verify-email", fmt.Sprintf(`{"token":%q}`, mailtest.Token(t, verified.Body)), http.StatusOK, nil)
	buyer := account(t, c, "buyer@example.com")
	var book struct{ ID int64 }
	call(t, c, seller, http.MethodPost, "/api/v1/books", `{"title":"Dune","author":"Frank Herbert","condition":"good","price_cents":1500,"copies":2}`, http.StatusCreated, &book)
	call(t, c, buyer, http.MethodPut, fmt.Sprintf("/api/v1/cart/items/%d", book.ID), `{"quantity":1}`, http.StatusOK, nil)
	order := fmt.Sprintf(`{"lines":[{"book_id":%d,"quantity":1,"price_cents":1500}],"shipping_address":{"name":"Ana","street":"Calle 1","city":"Bogotá","region":"DC","postal_code":"110111","country":"CO"},"delivery_provider_id":3,"delivery_cents":800,"payment":{"method":"bank_transfer"}}`, book.ID)
	call(t, c, buyer, http.MethodPost, "/api/v1/orders", order, http.StatusCreated, nil, "Idempotency-Key", "obs-1")

	var missing []string
	deadline := time.Now().Add(time.Minute)
	for {
		exported := exportedNames(t, "http://"+metricsAddr+"/metrics")
		missing = missing[:0]
		for _, n := range named {
			if !exported[n] {
				missing = append(missing, n)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	require.Empty(t, missing, "named by deploy/observability but not exported by the binary")
}

// account signs up and signs in, returning a bearer token.
func account(t *testing.T, c *webtest.Client, email string) string {
	t.Helper()
	call(t, c, "", http.MethodPost, "/api/v1/auth/signup", fmt.Sprintf(`{"email":%q,"name":"Obs","password":"a long enough secret"}`, email), http.StatusCreated, nil)
	var in struct{ Token string }
	call(t, c, "", http.MethodPost, "/api/v1/auth/signin", fmt.Sprintf(`{"email":%q,"password":"a long enough secret"}`, email), http.StatusOK, &in)
	return in.Token
}

// call sends body as token's user, requires the status want and decodes
// the answer into out (when not nil).
func call(t *testing.T, c *webtest.Client, token, method, path, body string, want int, out any, hdr ...string) {
	t.Helper()
	res := c.JSON(t, method, path, body, append(webtest.Bearer(token), hdr...)...)
	require.Equal(t, want, res.StatusCode, "%s %s: %s", method, path, res.Body)
	if out != nil {
		require.NoError(t, json.Unmarshal([]byte(res.Body), out))
	}
}

// exportedNames are the series names on a /metrics page.
func exportedNames(t *testing.T, url string) map[string]bool {
	t.Helper()
	status, body, _ := get(t, url)
	require.Equal(t, http.StatusOK, status)
	names := map[string]bool{}
	for line := range strings.Lines(body) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, _, _ := strings.Cut(line, "{")
		name, _, _ = strings.Cut(name, " ")
		names[strings.TrimSpace(name)] = true
	}
	return names
}

// observedNames are the metric names in every expression of the alert
// rules and the dashboard.
func observedNames(t *testing.T) []string {
	t.Helper()
	var prom struct {
		RuleFiles []string `yaml:"rule_files"`
	}
	readYAML(t, filepath.Join(observability, "prometheus.yml"), &prom)
	require.Equal(t, []string{"alerts.yml"}, prom.RuleFiles)

	var exprs []string
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	readYAML(t, filepath.Join(observability, "alerts.yml"), &rules)
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			require.NotEmpty(t, r.Expr, r.Alert)
			exprs = append(exprs, r.Expr)
		}
	}
	raw, err := os.ReadFile(filepath.Join(observability, "grafana-dashboard.json"))
	require.NoError(t, err)
	var dash struct {
		Panels []struct {
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(raw, &dash))
	for _, p := range dash.Panels {
		if p.Type != "row" {
			require.NotEmpty(t, p.Targets, "a panel without a query")
		}
		for _, q := range p.Targets {
			exprs = append(exprs, q.Expr)
		}
	}
	var names []string
	for _, e := range exprs {
		for _, n := range metricNames(e) {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	return names
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(raw, v), path)
}

var (
	promStrings  = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`[^`]*`")
	promMatchers = regexp.MustCompile(`\{[^}]*\}|\[[^\]]*\]`)
	promGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promIdent    = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?`)
	promKeywords = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true, "inf": true, "nan": true}
)

// metricNames finds the metric names in a PromQL expression: identifiers
// that are not functions, keywords, label names or inside strings, label
// matchers or ranges. Histogram series are named by their family.
func metricNames(expr string) []string {
	expr = promStrings.ReplaceAllString(expr, `""`)
	expr = promMatchers.ReplaceAllString(expr, " ")
	expr = promGrouping.ReplaceAllString(expr, " ")
	var out []string
	for _, m := range promIdent.FindAllStringSubmatch(expr, -1) {
		name := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(m[0]), "("))
		if m[1] != "" || promKeywords[strings.ToLower(name)] {
			continue
		}
		out = append(out, name)
	}
	return out
}

func TestMetricNames(t *testing.T) {
	t.Parallel()
	require.Equal(t, []string{"bookstore_http_request_duration_seconds_bucket"},
		metricNames(`histogram_quantile(0.95, sum by (le, route) (rate(bookstore_http_request_duration_seconds_bucket{route=~"/a|b", x='y'}[5m])))`))
	require.Equal(t, []string{"a_total", "b_total"}, metricNames(`sum(rate(a_total[5m])) / on (instance) group_left sum(b_total) > 0.5 and bool 1`))
}
