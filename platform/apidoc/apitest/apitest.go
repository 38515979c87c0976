// Package apitest holds HTTP tests to the API contract: Transport checks
// every exchange under /api/v1 against the OpenAPI document, so a handler
// that answers something the document does not say fails the test that
// made the call.
package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/paths"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/bookstore/bookstore/platform/apidoc"
)

// contract is the document, parsed once per test binary. The validator
// keeps caches that are not documented as safe for concurrent use, and
// module tests run in parallel, so calls are serialized.
type contract struct {
	mu        sync.Mutex
	validator validator.Validator
	model     *v3.Document
	opts      *config.ValidationOptions
	errSchema *base.Schema
}

var load = sync.OnceValues(func() (*contract, error) {
	doc, err := libopenapi.NewDocument(apidoc.Document())
	if err != nil {
		return nil, fmt.Errorf("parse the OpenAPI document: %w", err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("build the OpenAPI model: %w", err)
	}
	// Credentials are the server's to check (and catalog's tests sign in
	// by a test header); the document only describes them.
	opts := []config.Option{config.WithoutSecurityValidation()}
	v, errs := validator.NewValidator(doc, opts...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("OpenAPI validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		return nil, fmt.Errorf("the OpenAPI document is not valid: %s", describe(verrs))
	}
	errSchema := model.Model.Components.Schemas.GetOrZero("Error")
	if errSchema == nil {
		return nil, fmt.Errorf("the OpenAPI document has no Error schema")
	}
	return &contract{
		validator: v, model: &model.Model, opts: config.NewValidationOptions(opts...),
		errSchema: errSchema.Schema(),
	}, nil
})

// At returns the part of the document a JSON pointer names, such as
// /components/schemas/BookInput/properties/title, as encoding/json decodes
// it (numbers are float64), or fails t. Tests tie the limits the document
// states to the constants the server enforces with it, so they cannot drift.
func At(t testing.TB, pointer string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(apidoc.Document(), &v); err != nil {
		t.Fatal(err)
	}
	for _, token := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		token = strings.NewReplacer("~1", "/", "~0", "~").Replace(token)
		switch node := v.(type) {
		case map[string]any:
			v = node[token]
		case []any:
			i, err := strconv.Atoi(token)
			if err != nil || i < 0 || i >= len(node) {
				t.Fatalf("the OpenAPI document has nothing at %s (%q is no index)", pointer, token)
			}
			v = node[i]
		default:
			v = nil
		}
		if v == nil {
			t.Fatalf("the OpenAPI document has nothing at %s", pointer)
		}
	}
	return v
}

// Check fails t when an exchange under /api/v1 breaks the document; other
// paths pass unchecked. reqBody and respBody are the bodies sent and
// received (the caller has read them). A request is checked when the
// server accepted it (2xx): tests send malformed requests on purpose, and
// the contract is that those get a documented error, which is checked in
// turn. A path the document does not know must be answered with the one
// error shape.
func Check(t testing.TB, req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) {
	t.Helper()
	if !strings.HasPrefix(req.URL.Path, "/api/v1/") {
		return
	}
	c, err := load()
	if err != nil {
		t.Fatal(err)
	}
	if problems := c.check(req, reqBody, resp, respBody); problems != "" {
		t.Errorf("%s %s answered %d, which breaks the OpenAPI document:\n%s\nresponse body: %.500s", req.Method, req.URL.RequestURI(), resp.StatusCode, problems, respBody)
	}
}

// Transport wraps base (nil: http.DefaultTransport) so that every exchange
// through it is checked, as by Check, for clients that do not go through
// platform/web/webtest (a real process's, say).
func Transport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	t.Helper()
	if _, err := load(); err != nil {
		t.Fatal(err)
	}
	if base == nil {
		base = http.DefaultTransport
	}
	return roundTripper{t: t, base: base}
}

type roundTripper struct {
	t    testing.TB
	base http.RoundTripper
}

func (rt roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasPrefix(req.URL.Path, "/api/v1/") {
		return rt.base.RoundTrip(req)
	}
	var reqBody []byte
	if req.Body != nil {
		var err error
		if reqBody, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		_ = req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	resp, err := rt.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	respBody, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	Check(rt.t, req, reqBody, resp, respBody)
	return resp, nil
}

// check validates one exchange on copies, so the caller's bodies stay
// unread.
func (c *contract) check(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	vreq := req.Clone(req.Context())
	vreq.Body = io.NopCloser(bytes.NewReader(reqBody))
	vresp := *resp
	vresp.Body = io.NopCloser(bytes.NewReader(respBody))
	vresp.Request = vreq

	if item, _, _ := paths.FindPath(vreq, c.model, c.opts); item == nil {
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			return "the path is not in the document, yet it was not refused with a 4xx"
		}
		if ok, errs := schema_validation.NewSchemaValidator().ValidateSchemaBytes(c.errSchema, respBody); !ok {
			return "the answer to an unknown path is not the Error schema: " + describe(errs)
		}
		return ""
	}
	var errs []*liberrors.ValidationError
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		_, errs = c.validator.ValidateHttpRequest(vreq)
		vreq.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	_, rerrs := c.validator.ValidateHttpResponse(vreq, &vresp)
	return describe(append(errs, rerrs...))
}

func describe(errs []*liberrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "  - %s: %s", e.Message, e.Reason)
		for _, se := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n      %s at %s", se.Reason, se.FieldPath)
		}
		b.WriteString("\n")
	}
	return b.String()
}
