// Package webtest runs the catalog's pages and API over a real router, the
// platform's middleware and an isolated database, with a signed-in user
// chosen per request.
package webtest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog/internal/api"
	"github.com/bookstore/bookstore/modules/catalog/internal/pages"
	"github.com/bookstore/bookstore/modules/catalog/internal/photos"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/apidoc/apitest"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/metrics"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

// Users every Env knows, by the id sent in the X-Test-User header.
var (
	Seller = auth.User{ID: 11, Name: "Sally Seller", Role: auth.RoleMember}
	Other  = auth.User{ID: 12, Name: "Otto Other", Role: auth.RoleMember}
	Admin  = auth.User{ID: 13, Name: "Ada Admin", Role: auth.RoleAdmin}
)

// Env is one test's server.
type Env struct {
	URL    string
	Pool   *pgxpool.Pool
	Svc    *service.Service
	Photos *photos.Mem
	client *http.Client
}

// New starts a server over a fresh database.
func New(t *testing.T) *Env {
	t.Helper()
	pool := pgtest.New(t)
	mem := photos.NewMemStore()
	svc := service.New(pool, &service.Options{Photos: mem, MaxPriceCents: 1_000_000})
	pageRoutes, err := pages.Routes(svc, slog.Default())
	require.NoError(t, err)
	users := map[string]auth.User{}
	for _, u := range []auth.User{Seller, Other, Admin} {
		users[strconv.FormatInt(int64(u.ID), 10)] = u
	}
	signIn := web.Middleware{Order: 0, Func: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, ok := users[r.Header.Get("X-Test-User")]; ok {
				nav := view.NavFrom(r.Context())
				nav.SignedIn, nav.UserName, nav.Admin, nav.CSRFToken = true, u.Name, u.IsAdmin(), "test-token"
				r = r.WithContext(auth.WithUser(r.Context(), u))
			}
			next.ServeHTTP(w, r)
		})
	}}
	h := web.NewRouter(web.RouterParams{
		Config:     config.Config{ShutdownTimeout: 1},
		Log:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		Metrics:    metrics.New(pool),
		Routes:     []web.Routes{pageRoutes, api.Routes(svc)},
		Middleware: []web.Middleware{signIn},
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &Env{URL: srv.URL, Pool: pool, Svc: svc, Photos: mem, client: &http.Client{
		Jar:           jar, // carries the flash message to the next page
		Transport:     apitest.Transport(t, nil),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Response is a finished response with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// Do sends a request as user (nil for a visitor).
func (e *Env) Do(t *testing.T, method, path string, user *auth.User, contentType string, body io.Reader) Response {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, e.URL+path, body)
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if user != nil {
		req.Header.Set("X-Test-User", strconv.FormatInt(int64(user.ID), 10))
	}
	res, err := e.client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return Response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// Get fetches a page as user.
func (e *Env) Get(t *testing.T, path string, user *auth.User) Response {
	t.Helper()
	return e.Do(t, http.MethodGet, path, user, "", nil)
}

// PostForm sends a form as user.
func (e *Env) PostForm(t *testing.T, path string, user *auth.User, form url.Values) Response {
	t.Helper()
	return e.Do(t, http.MethodPost, path, user, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

// JSON sends a JSON body as user.
func (e *Env) JSON(t *testing.T, method, path string, user *auth.User, body string) Response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	return e.Do(t, method, path, user, "application/json", r)
}

// Upload sends files in one multipart field as user.
func (e *Env) Upload(t *testing.T, path string, user *auth.User, field string, files map[string][]byte) Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for name, data := range files {
		fw, err := mw.CreateFormFile(field, name)
		require.NoError(t, err)
		_, err = fw.Write(data)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return e.Do(t, http.MethodPost, path, user, mw.FormDataContentType(), &buf)
}
