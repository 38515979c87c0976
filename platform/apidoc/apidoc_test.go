package apidoc_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/apidoc"
	"github.com/bookstore/bookstore/platform/apidoc/apitest"
)

func server(t *testing.T) *httptest.Server {
	t.Helper()
	r := chi.NewRouter()
	apidoc.Routes()(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func TestDocument_IsValidOpenAPI31(t *testing.T) {
	t.Parallel()
	var doc map[string]any
	require.NoError(t, json.Unmarshal(apidoc.Document(), &doc))
	require.Equal(t, "3.1.0", doc["openapi"])
	// Transport parses the document and validates it against the OpenAPI
	// schema, failing the test when it is not valid.
	apitest.Transport(t, nil)
}

// TestDocument_NoTextCutIntoKeys: an unquoted comma in a flow mapping, as in
// { description: Counted up to 100, as the list counts them. }, ends the
// text there and makes the rest a key without a value, which YAML, the
// OpenAPI schema and the validator all take. Text is never a key and no key
// is left without a value.
func TestDocument_NoTextCutIntoKeys(t *testing.T) {
	t.Parallel()
	var doc any
	require.NoError(t, json.Unmarshal(apidoc.Document(), &doc))
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				require.NotContains(t, k, " ", "%s: the key %q is text: quote the text before it", at, k)
				require.NotNil(t, e, "%s/%s has no value: quote the text before it", at, k)
				walk(at+"/"+k, e)
			}
		case []any:
			for i, e := range v {
				walk(at+"/"+strconv.Itoa(i), e)
			}
		}
	}
	walk("#", doc)
}

func TestRoutes_ServeDocument(t *testing.T) {
	t.Parallel()
	srv := server(t)
	resp, body := get(t, srv.URL+apidoc.DocumentPath)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.JSONEq(t, string(apidoc.Document()), body)
}

// TestRoutes_ServeViewer proves /api/docs serves the real viewer, copied
// from npm by make. Without it the page says how to build it; CI (which
// runs make) must have it.
func TestRoutes_ServeViewer(t *testing.T) {
	t.Parallel()
	srv := server(t)
	resp, page := get(t, srv.URL+apidoc.DocsPath)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, page, "/api/v1/openapi.json")
	if !apidoc.ViewerBuilt() {
		require.Contains(t, page, "make build")
		if os.Getenv("CI") != "" {
			t.Fatal("the API viewer is not in this build: make copies it from platform/apidoc/node_modules (npm ci)")
		}
		t.Skip("the API viewer is not built (run make build or make test): checked its fallback page only")
	}
	for _, asset := range []string{"swagger-ui-bundle.js", "swagger-ui.css", "docs.js"} {
		require.Contains(t, page, "/api/docs/"+asset)
		resp, body := get(t, srv.URL+"/api/docs/"+asset)
		require.Equal(t, http.StatusOK, resp.StatusCode, asset)
		require.NotEmpty(t, body, asset)
	}
	_, bundle := get(t, srv.URL+"/api/docs/swagger-ui-bundle.js")
	require.Contains(t, bundle, "SwaggerUIBundle")
	require.Greater(t, len(bundle), 500_000, "the full bundle, not a stub")
	_, init := get(t, srv.URL+"/api/docs/docs.js")
	require.Contains(t, init, `url: "/api/v1/openapi.json"`)
	require.Contains(t, init, "validatorUrl: null", "the document is never sent to an online validator")
	for _, path := range []string{"/api/docs/index.html", "/api/docs/README.md", "/api/docs/..%2fapidoc.go"} {
		resp, _ := get(t, srv.URL+path)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, path)
	}
	require.False(t, strings.Contains(page, "http://") || strings.Contains(page, "https://"), "the page loads nothing from another host")
}

// operation is one method of one path of the document, with what the tests
// over every operation look at.
type operation struct {
	method, path string
	RequestBody  *struct {
		Content map[string]json.RawMessage `json:"content"`
	} `json:"requestBody"`
	Responses map[string]json.RawMessage `json:"responses"`
}

func operations(t *testing.T) []operation {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(apidoc.Document(), &doc))
	var ops []operation
	for path, item := range doc.Paths {
		for method, raw := range item {
			if method == "parameters" {
				continue
			}
			op := operation{method: method, path: path}
			require.NoError(t, json.Unmarshal(raw, &op), "%s %s", method, path)
			ops = append(ops, op)
		}
	}
	require.NotEmpty(t, ops)
	return ops
}

// TestDocument_BodiesListTheirRefusals: every operation that reads a JSON
// body lists the refusals DecodeJSON gives any of them, so a new operation
// cannot leave them out.
func TestDocument_BodiesListTheirRefusals(t *testing.T) {
	t.Parallel()
	bodies := 0
	for _, op := range operations(t) {
		if op.RequestBody == nil || op.RequestBody.Content["application/json"] == nil {
			continue
		}
		bodies++
		for _, status := range []string{"400", "413", "415", "422"} {
			require.Contains(t, op.Responses, status, "%s %s reads a JSON body", op.method, op.path)
		}
	}
	require.NotZero(t, bodies)
}

// TestDocument_UnsafeMethodsListTheCrossSiteRefusal: the platform refuses
// every POST, PUT, PATCH and DELETE a browser sends cross-site with the
// session cookie (403 csrf), whatever the operation, so each lists 403 and
// a new one cannot leave it out.
func TestDocument_UnsafeMethodsListTheCrossSiteRefusal(t *testing.T) {
	t.Parallel()
	unsafe := 0
	for _, op := range operations(t) {
		switch op.method {
		case "post", "put", "patch", "delete":
			unsafe++
			require.Contains(t, op.Responses, "403", "%s %s is refused cross-site (csrf)", op.method, op.path)
		}
	}
	require.NotZero(t, unsafe)
}
