package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/platform/apidoc"
	"github.com/bookstore/bookstore/platform/config"
)

// TestOpenAPI_DocumentsEveryRoute keeps the contract from drifting: the
// routes the monolith registers under /api/v1 and the operations of the
// OpenAPI document are the same set.
func TestOpenAPI_DocumentsEveryRoute(t *testing.T) {
	t.Parallel()
	cfg := config.Config{Addr: ":0", DataDir: t.TempDir(), LogLevel: "error", LogFormat: "text", ShutdownTimeout: 1, Modules: config.AllModules}
	var h http.Handler
	app := fx.New(appOptions(cfg, serveOptions(cfg)), fx.Populate(&h), fx.NopLogger)
	require.NoError(t, app.Err())

	var served []string
	require.NoError(t, chi.Walk(h.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.HasPrefix(route, "/api/v1/") {
			served = append(served, method+" "+route)
		}
		return nil
	}))

	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(apidoc.Document(), &doc))
	var documented []string
	for path, item := range doc.Paths {
		for method := range item {
			switch method {
			case "get", "put", "post", "delete", "options", "head", "patch", "trace":
				documented = append(documented, strings.ToUpper(method)+" "+path)
			}
		}
	}
	slices.Sort(served)
	slices.Sort(documented)
	require.NotEmpty(t, served)
	require.Equal(t, served, documented, "routes served under /api/v1 (left) and operations in platform/apidoc/openapi.yaml (right) differ")
}
