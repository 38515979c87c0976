package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/metrics"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

type testBody struct {
	Name  string    `json:"name"`
	Count int       `json:"count"`
	Note  *testNote `json:"note,omitempty"`
	// More takes any JSON, whose keys are not the API's to name.
	More any `json:"more,omitempty"`
}

type testNote struct {
	Text string `json:"text" maxLength:"5"`
}

// newRouter is the real router with cfg, checks and routes, logging to logs.
func newRouter(t *testing.T, cfg config.Config, logs io.Writer, checks []web.Check, routes web.Routes) http.Handler {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), "postgres://localhost/unused")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return web.NewRouter(web.RouterParams{
		Config:  cfg,
		Log:     slog.New(slog.NewTextHandler(logs, nil)),
		Metrics: metrics.New(pool),
		Checks:  checks,
		Routes:  []web.Routes{routes},
	})
}

func newServer(t *testing.T, checks ...web.Check) (*httptest.Server, *strings.Builder) {
	t.Helper()
	var logs strings.Builder
	h := newRouter(t, config.Config{ShutdownTimeout: 1}, &logs, checks, func(r chi.Router) {
		r.Get("/boom", func(http.ResponseWriter, *http.Request) { panic("kaboom") })
		r.Get("/api/v1/boom", func(http.ResponseWriter, *http.Request) { panic("kaboom") })
		r.Get("/api/v1/missing", func(w http.ResponseWriter, r *http.Request) {
			web.Error(w, r, apperr.New(apperr.NotFound, "thing.not_found", "no such thing"))
		})
		r.Post("/api/v1/things", func(w http.ResponseWriter, r *http.Request) {
			var b testBody
			if err := web.DecodeJSON(w, r, &b); err != nil {
				web.Error(w, r, err)
				return
			}
			web.JSON(w, http.StatusCreated, b)
		})
		r.Post("/form", func(w http.ResponseWriter, r *http.Request) {
			if err := r.ParseForm(); err != nil {
				web.Error(w, r, apperr.ErrTooLarge)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		})
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, &logs
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func TestRouter_PanicBecomesCleanError(t *testing.T) {
	t.Parallel()
	srv, logs := newServer(t)

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/boom", nil)
	resp, body := do(t, req)
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	require.Contains(t, body, "something went wrong")
	require.NotContains(t, body, "kaboom")
	require.NotContains(t, body, "goroutine")

	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/api/v1/boom", nil)
	resp, body = do(t, req)
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	require.JSONEq(t, `{"error":{"code":"internal","message":"something went wrong on our side; please try again"}}`, body)
	require.Contains(t, logs.String(), "kaboom")
	require.Contains(t, logs.String(), "goroutine", "the stack goes to the log")
}

// TestRouter_LogsCarryRequestID checks that what a handler logs and the
// access record carry the request's id, though the request's logger is
// made only when asked for, and that the record counts the answer.
func TestRouter_LogsCarryRequestID(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	h := newRouter(t, config.Config{ShutdownTimeout: 1}, &logs, nil, func(r chi.Router) {
		r.Get("/api/v1/said", func(w http.ResponseWriter, r *http.Request) {
			web.Logger(r.Context()).Warn("said")
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte("said\n"))
		})
	})
	req := httptest.NewRequest(http.MethodGet, "/api/v1/said", nil)
	req.Header.Set("X-Request-Id", "req-42")
	h.ServeHTTP(httptest.NewRecorder(), req)
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Len(t, lines, 2, logs.String())
	require.Contains(t, lines[0], "msg=said request_id=req-42")
	require.Contains(t, lines[1], "msg=http request_id=req-42 method=GET path=/api/v1/said status=202 bytes=5")
}

// TestRouter_RequestScope checks what every request's context carries: an
// id (the client's, or a new one per request) and a deadline 30 s away,
// which its database calls honour.
func TestRouter_RequestScope(t *testing.T) {
	t.Parallel()
	type seen struct {
		id       string
		deadline time.Time
	}
	var got seen
	h := newRouter(t, config.Config{ShutdownTimeout: 1}, io.Discard, nil, func(r chi.Router) {
		r.Get("/api/v1/scope", func(w http.ResponseWriter, r *http.Request) {
			got.id = middleware.GetReqID(r.Context())
			got.deadline, _ = r.Context().Deadline()
			w.WriteHeader(http.StatusNoContent)
		})
	})
	serve := func(id string) seen {
		t.Helper()
		got = seen{}
		req := httptest.NewRequest(http.MethodGet, "/api/v1/scope", nil)
		if id != "" {
			req.Header.Set("X-Request-Id", id)
		}
		start := time.Now()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Equal(t, http.StatusNoContent, rec.Code)
		require.WithinRange(t, got.deadline, start.Add(30*time.Second), time.Now().Add(30*time.Second))
		return got
	}
	require.Equal(t, "req-42", serve("req-42").id)
	first, second := serve("").id, serve("").id
	require.Regexp(t, `^.+/.{10}-[0-9]+$`, first)
	require.NotEqual(t, first, second, "each request gets its own id")
}

func TestRouter_ErrorsMapToStatus(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/missing", nil)
	resp, body := do(t, req)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.JSONEq(t, `{"error":{"code":"thing.not_found","message":"no such thing"}}`, body)

	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/api/v1/nowhere", nil)
	resp, _ = do(t, req)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))

	req, _ = http.NewRequest(http.MethodDelete, srv.URL+"/api/v1/missing", nil)
	resp, _ = do(t, req)
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	require.Equal(t, "GET, HEAD", resp.Header.Get("Allow"))
}

// TestJSON_SentWhole: a JSON answer carries its length and is not
// chunked, however large (net/http counts only a small one itself), and a value that cannot be encoded is a clean 500 with the JSON
// error, not a 200 with half a body.
func TestJSON_SentWhole(t *testing.T) {
	t.Parallel()
	h := newRouter(t, config.Config{ShutdownTimeout: 1}, io.Discard, nil, func(r chi.Router) {
		r.Get("/api/v1/thing", func(w http.ResponseWriter, _ *http.Request) {
			web.JSON(w, http.StatusOK, testBody{Name: "<b>" + strings.Repeat("x", 10_000), Count: 2})
		})
		r.Get("/api/v1/bad", func(w http.ResponseWriter, _ *http.Request) {
			web.JSON(w, http.StatusOK, map[string]any{"ok": true, "nan": math.NaN()})
		})
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/thing", nil)
	resp, body := do(t, req)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "{\"name\":\"\\u003cb\\u003e"+strings.Repeat("x", 10_000)+"\",\"count\":2}\n", body)
	require.Equal(t, int64(len(body)), resp.ContentLength)
	require.Empty(t, resp.TransferEncoding)

	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/api/v1/bad", nil)
	resp, body = do(t, req)
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	require.JSONEq(t, `{"error":{"code":"internal","message":"something went wrong on our side; please try again"}}`, body)
	require.Equal(t, int64(len(body)), resp.ContentLength)
}

func TestDecodeJSON_BadInput(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	var many strings.Builder // more keys than are compared one by one
	for i := range 40 {
		fmt.Fprintf(&many, `"k%d":%d,`, i, i)
	}
	cases := map[string]struct {
		body   string
		status int
		want   string
	}{
		"Empty":        {"", 400, "the body is empty"},
		"NotJSON":      {"name=x", 400, "not valid JSON"},
		"Truncated":    {`{"name":"x"`, 400, "not valid JSON"},
		"WrongType":    {`{"name":"x","count":"three"}`, 400, `field \"count\" must be a whole number`},
		"Fraction":     {`{"name":"x","count":1.5}`, 400, `field \"count\" must be a whole number`},
		"DecimalPoint": {`{"name":"x","count":2.0}`, 400, `field \"count\" must be a whole number`},
		"UnknownField": {`{"name":"x","admin":true}`, 400, `unknown field \"admin\"`},
		"TwoObjects":   {`{"name":"x"}{"name":"y"}`, 400, "single JSON object"},
		"KeyTwice":     {`{"count":2,"name":"x","count":1}`, 400, `the key \"count\" appears twice in one object`},
		"KeyTwiceDeep": {`{"name":"x","more":[{"a":1},{"a":1,"b":{"c":1,"c":[2]}}]}`, 400, `the key \"more.b.c\" appears twice`},
		"KeyPerObject": {`{"name":"x","more":[{"a":{"a":1}},{"a":[{"a":1}]}]}`, 201, `"more":[{"a":{"a":1}}`},
		"KeyPastArray": {`{"name":"x","more":[1,{"a":2}],"name":"y"}`, 400, `the key \"name\" appears twice`},
		"KeyAmongMany": {`{"more":{` + many.String() + `"k33":1}}`, 400, `the key \"more.k33\" appears twice`},
		"ManyKeys":     {`{"more":{` + many.String() + `"k40":1}}`, 201, `"k40":1`},
		// Keys are the document's, as written: encoding/json alone would
		// read "Count" as count, and keep the last of count and Count.
		"KeyOtherCase":      {`{"name":"x","Count":5}`, 400, `unknown field \"Count\": keys are matched exactly, did you mean \"count\"?`},
		"KeyOtherCaseTwice": {`{"count":2,"name":"x","COUNT":1}`, 400, `{"COUNT":"unknown field; did you mean \"count\"?"}`},
		"KeyOtherCaseDeep":  {`{"name":"x","note":{"TEXT":"a"}}`, 400, `unknown field \"note.TEXT\"`},
		"UnknownDeep":       {`{"name":"x","note":{"size":1}}`, 400, `{"error":{"code":"bad_request","message":"unknown field \"note.size\"","fields":{"note.size":"unknown field"}}}`},
		"KeyEscaped":        {`{"n\u0061me":"x","count":3}`, 201, `"name":"x","count":3`},
		"KeysInAMap":        {`{"name":"x","more":{"a":1,"A":2}}`, 201, `"more":{"A":2,"a":1}`},
		"KeyInAValue":       {`{"name":"say \"name\": [{\\","count":1}`, 201, `"count":1`},
		"Array":             {`[1,2]`, 400, "must be a JSON object"},
		"TooLarge":          {`{"name":"` + strings.Repeat("a", web.MaxJSONBody) + `"}`, 413, "larger than 1 MB"},
		"Null":              {" null ", 400, "must be a JSON object"},
		"NotUTF8":           {"{\"name\":\"ab\xff\xfecd\"}", 422, "must be valid UTF-8"},
		"LoneHigh":          {`{"name":"a\ud800b"}`, 422, "must be valid UTF-8"},
		"LoneLow":           {`{"name":"a\udc00"}`, 422, "must be valid UTF-8"},
		"HighAtEnd":         {`{"name":"\ud83d"}`, 422, "must be valid UTF-8"},
		"Swapped":           {`{"name":"\udc00\ud800"}`, 422, "must be valid UTF-8"},
		// maxLength counts the text as sent, spaces and all, in characters.
		"LongAsSent":  {`{"name":"x","note":{"text":"abcd  "}}`, 422, `{"note.text":"must be at most 5 characters"}`},
		"LongestSent": {`{"name":"x","note":{"text":"é\ud83d\udcd6abc"}}`, 201, `"text":"é📖abc"`},
		// A line break counts once, as sent by a browser (CRLF) or not.
		"LineBreaks":   {`{"name":"x","note":{"text":"a\r\nb\rc"}}`, 201, `"text":"a\r\nb\rc"`},
		"LongWithCRLF": {`{"name":"x","note":{"text":"ab\r\ncd\re"}}`, 422, `{"note.text":"must be at most 5 characters"}`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/things", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			resp, body := do(t, req)
			require.Equal(t, tc.status, resp.StatusCode, body)
			require.Contains(t, body, tc.want)
		})
	}

	for sent, stored := range map[string]string{
		`<b>ok</b>`:              "<b>ok</b>",
		`a pair \ud83d\udcd6, é`: "a pair \U0001F4D6, é",
		`a backslash \\ud800`:    `a backslash \ud800`,
		`\ufffd stays`:           "\ufffd stays",
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/things", strings.NewReader(`{"name":"`+sent+`","count":2}`))
		req.Header.Set("Content-Type", "application/json")
		resp, body := do(t, req)
		require.Equal(t, http.StatusCreated, resp.StatusCode, body)
		var got struct{ Name string }
		require.NoError(t, json.Unmarshal([]byte(body), &got))
		require.Equal(t, stored, got.Name)
	}
}

// TestDecodeJSON_ContentType: a body is read as JSON only when it says it
// is JSON, so a form or a text/plain body, which a browser sends to any
// site without asking, is refused before it is read.
func TestDecodeJSON_ContentType(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	for contentType, status := range map[string]int{
		"application/json":                  http.StatusCreated,
		"Application/JSON":                  http.StatusCreated,
		"application/json; charset=utf-8":   http.StatusCreated,
		`application/json; charset="UTF-8"`: http.StatusCreated,
		"":                                  http.StatusUnsupportedMediaType,
		"text/plain":                        http.StatusUnsupportedMediaType,
		"application/x-www-form-urlencoded": http.StatusUnsupportedMediaType,
		"application/json; charset=latin1":  http.StatusUnsupportedMediaType,
		"application/json; boundary=x":      http.StatusUnsupportedMediaType,
		"application/jsonx":                 http.StatusUnsupportedMediaType,
		"application/json; charset":         http.StatusUnsupportedMediaType,
	} {
		t.Run(contentType, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/things", strings.NewReader(`{"name":"x","count":2}`))
			if contentType != "" {
				req.Header.Set("Content-Type", contentType)
			}
			resp, body := do(t, req)
			require.Equal(t, status, resp.StatusCode, body)
			if status == http.StatusUnsupportedMediaType {
				require.JSONEq(t, `{"error":{"code":"unsupported_media_type","message":"the body must be JSON, sent with Content-Type: application/json"}}`, body)
			}
		})
	}
}

// TestRouter_OffersRefusedFormsBack: a page's form refused for a control
// character or a broken encoding comes back whole, the bad fields cleaned
// and marked, to send again; an API call, a bad query string and a form
// from another site are refused as before.
func TestRouter_OffersRefusedFormsBack(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	send := func(t *testing.T, target, contentType, body string, hdr ...string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+target, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		return do(t, req)
	}
	const urlencoded = "application/x-www-form-urlencoded"

	t.Run("Form", func(t *testing.T) {
		t.Parallel()
		resp, body := send(t, "/form?step=2", urlencoded, "title=Emma&description=Foxed%0Bpages%FF&csrf_token=tok&password=secret")
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, body)
		require.Contains(t, body, "<h1>Check the form</h1>")
		require.Contains(t, body, `action="/form?step=2"`)
		require.Contains(t, body, `<input type="hidden" name="title" value="Emma">`)
		require.Contains(t, body, `<input type="hidden" name="csrf_token" value="tok">`)
		require.Regexp(t, `<textarea id="f-\d+" name="description"[^>]*aria-invalid="true"[^>]*>Foxedpages</textarea>`, body)
		require.Contains(t, body, "this field must not contain control characters")
		require.Regexp(t, `<input id="f-\d+" name="password" type="password" value=""`, body)
		require.NotContains(t, body, "secret", "a password is typed again, never written into a page")
	})
	t.Run("Multipart", func(t *testing.T) {
		t.Parallel()
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		require.NoError(t, mw.WriteField("title", "Bad\x00title"))
		fw, err := mw.CreateFormFile("photo", "a.jpg")
		require.NoError(t, err)
		_, err = fw.Write([]byte("jpeg"))
		require.NoError(t, err)
		require.NoError(t, mw.Close())
		resp, body := send(t, "/form", mw.FormDataContentType(), buf.String())
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, body)
		require.Contains(t, body, `enctype="multipart/form-data"`)
		require.Contains(t, body, ">Badtitle</textarea>")
		require.Regexp(t, `<input id="file-0" name="photo" type="file"`, body)
	})
	t.Run("NotAForm", func(t *testing.T) {
		t.Parallel()
		resp, body := send(t, "/api/v1/things", urlencoded, "name=a%00b")
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		require.Contains(t, body, `"code":"invalid"`)
		resp, body = send(t, "/form?q=%00", urlencoded, "title=Emma")
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		require.NotContains(t, body, "Check the form", "the query string is no field to send again")
		resp, body = send(t, "/form", urlencoded, "title=Bad%00", "Sec-Fetch-Site", "cross-site")
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
		require.NotContains(t, body, "Check the form", "another site's form is not offered as the shop's")
	})
}

// TestRouter_OffersRefusedFormsAfterTheMiddleware: the page that offers a
// refused form back is answered after the modules' middleware, so its
// header is the sender's (here a middleware standing for the sign-in's
// names a user); the handler never sees the form.
func TestRouter_OffersRefusedFormsAfterTheMiddleware(t *testing.T) {
	t.Parallel()
	pool, err := pgxpool.New(context.Background(), "postgres://localhost/unused")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	var handled atomic.Int32
	h := web.NewRouter(web.RouterParams{
		Config:  config.Config{ShutdownTimeout: 1},
		Log:     slog.New(slog.DiscardHandler),
		Metrics: metrics.New(pool),
		Middleware: []web.Middleware{{Order: 10, Func: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				nav := view.NavFrom(r.Context())
				nav.SignedIn, nav.UserName = true, "Ana Gómez"
				next.ServeHTTP(w, r)
			})
		}}},
		Routes: []web.Routes{func(r chi.Router) {
			r.Post("/form", func(w http.ResponseWriter, _ *http.Request) {
				handled.Add(1)
				w.WriteHeader(http.StatusNoContent)
			})
		}},
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/form", strings.NewReader("title=Bad%00"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body := do(t, req)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, body)
	require.Contains(t, body, "<h1>Check the form</h1>")
	require.Contains(t, body, "Ana Gómez", "the header is the signed-in sender's")
	require.Zero(t, handled.Load(), "the handler never sees a refused form")

	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/form", strings.NewReader("title=Good"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, _ = do(t, req)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Equal(t, int32(1), handled.Load())
}

func TestRouter_RejectsCrossSiteForms(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/form", strings.NewReader("a=b"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, body := do(t, req)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, body, "another site")

	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/form", strings.NewReader("a=b"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, _ = do(t, req)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)

	// A browser sends no Authorization header cross-site unless the shop
	// consents (CORS), so only the cookie needs the check.
	for _, h := range [][2]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://elsewhere.example"}} {
		for authorization, want := range map[string]int{
			"Bearer some-token":  http.StatusNoContent,
			"Basic dXNlcjpwYXNz": http.StatusForbidden, // a browser may send it by itself
		} {
			req, _ = http.NewRequest(http.MethodPost, srv.URL+"/form", strings.NewReader("a=b"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", authorization)
			req.Header.Set(h[0], h[1])
			resp, _ = do(t, req)
			require.Equal(t, want, resp.StatusCode, "%s from %v", authorization, h)
		}
	}
}

func TestRouter_LimitsBodies(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/form", strings.NewReader("a="+strings.Repeat("x", web.MaxBody)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, _ := do(t, req)
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)

	// Files chosen for a page's form over the limit: the page says what to
	// do, since the form cannot be read to come back.
	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/form", strings.NewReader(strings.Repeat("x", web.MaxMultipartBody+1)))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	req.Header.Set("Accept", "text/html")
	resp, body := do(t, req)
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	require.Contains(t, body, "larger than 40 MB; go back and choose fewer or smaller files")

	// A CSV file sent as the body (an import) may pass a megabyte; its
	// handler bounds it to the size it says.
	// The media type is matched as mime.ParseMediaType reads it: in any
	// case, with or without parameters.
	for _, c := range []struct {
		contentType string
		size        int
		status      int
	}{
		{"text/csv", web.MaxBody + 1, http.StatusNoContent},
		{"text/csv", web.MaxCSVBody + 1, http.StatusRequestEntityTooLarge},
		{" Text/CSV ", web.MaxBody + 1, http.StatusNoContent},
		{"text/csv; charset=utf-8", web.MaxBody + 1, http.StatusNoContent},
		{"text/csvx", web.MaxCSVBody, http.StatusRequestEntityTooLarge},
	} {
		req, _ = http.NewRequest(http.MethodPost, srv.URL+"/form", strings.NewReader(strings.Repeat("x", c.size)))
		req.Header.Set("Content-Type", c.contentType)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, _ = do(t, req)
		require.Equal(t, c.status, resp.StatusCode, "%d bytes of %q", c.size, c.contentType)
	}
}

func TestRouter_SecurityHeaders(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/healthz", nil)
	resp, body := do(t, req)
	require.Equal(t, "ok\n", body)
	require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	require.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src 'self'")
	require.Contains(t, resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
	require.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
	require.Equal(t, "same-origin", resp.Header.Get("Referrer-Policy"))
	require.Equal(t, "camera=(self), microphone=(), geolocation=()", resp.Header.Get("Permissions-Policy"))
	require.Empty(t, resp.Header.Get("Strict-Transport-Security"), "plain HTTP")
}

// TestRouter_InternalAnswersWithoutBrowserHeaders checks that an internal
// call's answer, which only another process of the shop reads, goes
// without the headers meant for browsers, while a page of the same router
// keeps them, and that its JSON still says its type and length.
func TestRouter_InternalAnswersWithoutBrowserHeaders(t *testing.T) {
	t.Parallel()
	const token = "0123456789abcdef0123456789abcdef"
	h := newRouter(t, config.Config{ShutdownTimeout: 1, InternalToken: token}, io.Discard, nil, func(r chi.Router) {
		r.Get("/internal/v1/thing/ping", func(w http.ResponseWriter, _ *http.Request) {
			web.JSON(w, http.StatusOK, map[string]bool{"pong": true})
		})
	})
	browserHeaders := []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Permissions-Policy"}
	for name, tok := range map[string]string{"Admitted": token, "Refused": "wrong"} {
		req := httptest.NewRequest(http.MethodGet, "/internal/v1/thing/ping", nil)
		req.Header.Set(web.InternalTokenHeader, tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		for _, hdr := range browserHeaders {
			require.Empty(t, rec.Header().Values(hdr), "%s: %s", name, hdr)
		}
		require.Equal(t, "application/json", rec.Header().Get("Content-Type"), name)
		require.Equal(t, strconv.Itoa(rec.Body.Len()), rec.Header().Get("Content-Length"), name)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	for _, hdr := range browserHeaders {
		require.NotEmpty(t, rec.Header().Get(hdr), hdr)
	}
}

// TestRouter_SecurityHeadersAdd checks that a handler adding a value to one
// security header changes no other.
func TestRouter_SecurityHeadersAdd(t *testing.T) {
	t.Parallel()
	h := newRouter(t, config.Config{ShutdownTimeout: 1}, io.Discard, nil, func(r chi.Router) {
		r.Get("/framed", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Add("Content-Security-Policy", "frame-src 'self'")
			w.WriteHeader(http.StatusNoContent)
		})
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/framed", nil))
	require.Len(t, rec.Header().Values("Content-Security-Policy"), 2)
	require.Equal(t, "frame-src 'self'", rec.Header().Values("Content-Security-Policy")[1])
	require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	ok := web.Check{Name: "db", Func: func(context.Context) error { return nil }}
	srv, _ := newServer(t, ok)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/readyz", nil)
	resp, body := do(t, req)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.JSONEq(t, `{"ready":true,"checks":[{"name":"db","ok":true}]}`, body)

	bad := web.Check{Name: "jobs", Func: func(context.Context) error { return errors.New("connection refused at 10.0.0.1") }}
	srv, _ = newServer(t, ok, bad)
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/readyz", nil)
	resp, body = do(t, req)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.JSONEq(t, `{"ready":false,"checks":[{"name":"db","ok":true},{"name":"jobs","ok":false,"error":"unreachable"}]}`, body)
}

// TestReadyz_Metrics: bookstore_ready says at each scrape whether the
// process is ready, though nothing asks /readyz (a process no probe polls
// would otherwise page as not ready); each probe's failed checks are
// counted, where a readiness that flaps shows.
func TestReadyz_Metrics(t *testing.T) {
	t.Parallel()
	var (
		failing atomic.Bool
		m       *metrics.Metrics
		drain   *web.Drain
		h       http.Handler
	)
	fxtest.New(t,
		fx.Supply(config.Config{Addr: "127.0.0.1:0", ShutdownTimeout: 1}, slog.New(slog.DiscardHandler)),
		metrics.Module, web.Module,
		web.AsCheck(func() web.Check {
			return web.Check{Name: "jobs", Func: func(context.Context) error {
				if failing.Load() {
					return errors.New("down")
				}
				return nil
			}}
		}),
		fx.Populate(&m, &drain, &h),
	)
	scrape := func() string {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		return rec.Body.String()
	}
	probe := func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/readyz", nil))
	}
	require.Contains(t, scrape(), "\nbookstore_ready 1\n", "ready, with no probe yet")
	failing.Store(true)
	require.Contains(t, scrape(), "\nbookstore_ready 0\n")
	require.NotContains(t, scrape(), "bookstore_readiness_check_failures_total{", "a scrape's checks are not counted")

	probe()
	require.Contains(t, scrape(), `bookstore_readiness_check_failures_total{check="jobs"} 1`)
	failing.Store(false)
	probe()
	out := scrape()
	require.Contains(t, out, "\nbookstore_ready 1\n")
	require.Contains(t, out, `bookstore_readiness_check_failures_total{check="jobs"} 1`)

	drain.Start()
	require.Contains(t, scrape(), "\nbookstore_ready 0\n", "a draining process is not ready")
	probe()
	require.Contains(t, scrape(), `bookstore_readiness_check_failures_total{check="drain"} 1`)
}

func TestError_UnauthenticatedBrowserGoesToSignIn(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/my/orders?page=2", nil)
	web.Error(rec, req, apperr.ErrUnauthorized)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, "/signin?next=%2Fmy%2Forders%3Fpage%3D2", rec.Header().Get("Location"))

	rec = httptest.NewRecorder()
	req = httptest.NewRequest(http.MethodPost, "/cart/items", nil)
	req.Header.Set("Referer", "http://evil.example/phish")
	web.Error(rec, req, apperr.ErrUnauthorized)
	require.Equal(t, "/signin?next=%2F", rec.Header().Get("Location"), "never send the user back to another site")

	rec = httptest.NewRecorder()
	web.Error(rec, httptest.NewRequest(http.MethodGet, "/api/v1/me", nil), apperr.ErrUnauthorized)
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.NotEmpty(t, rec.Header().Get("WWW-Authenticate"))
}

func TestParseForm_TellsTooLargeFromMalformed(t *testing.T) {
	t.Parallel()
	big := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader("a="+strings.Repeat("x", 64)))
	big.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	big.Body = http.MaxBytesReader(httptest.NewRecorder(), big.Body, 16)
	require.ErrorIs(t, web.ParseForm(big), apperr.ErrTooLarge)

	bad := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader("a=%zz"))
	bad.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	require.ErrorIs(t, web.ParseForm(bad), apperr.ErrBadRequest)

	ok := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader("a=1"))
	ok.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	require.NoError(t, web.ParseForm(ok))
	require.Equal(t, "1", ok.PostForm.Get("a"))
}

func TestError_RetryAfterFromTheError(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	web.Error(rec, httptest.NewRequest(http.MethodPost, "/api/v1/x", nil), apperr.ErrTooMany.WithRetryAfter(1500*time.Millisecond))
	require.Equal(t, http.StatusTooManyRequests, rec.Code)
	require.Equal(t, "2", rec.Header().Get("Retry-After"), "rounded up to whole seconds")

	rec = httptest.NewRecorder()
	web.Error(rec, httptest.NewRequest(http.MethodPost, "/api/v1/x", nil), apperr.ErrTooMany)
	require.Equal(t, "60", rec.Header().Get("Retry-After"))
}

func TestInternalEndpoints_NeedTheToken(t *testing.T) {
	t.Parallel()
	const token = "0123456789abcdef0123456789abcdef"
	routes := func(r chi.Router) {
		r.Get("/internal/v1/thing/ping", func(w http.ResponseWriter, _ *http.Request) {
			web.JSON(w, http.StatusOK, map[string]bool{"pong": true})
		})
	}
	var logs strings.Builder
	srv := httptest.NewServer(newRouter(t, config.Config{ShutdownTimeout: 1, InternalToken: token}, &logs, nil, routes))
	t.Cleanup(srv.Close)
	call := func(tok string) (*http.Response, string) {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/internal/v1/thing/ping", nil)
		require.NoError(t, err)
		if tok != "" {
			req.Header.Set(web.InternalTokenHeader, tok)
		}
		return do(t, req)
	}
	resp, body := call(token)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	for name, tok := range map[string]string{"None": "", "Wrong": "0123456789abcdef0123456789abcdeX", "Prefix": token[:10], "Longer": token + "x"} {
		resp, body = call(tok)
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, name)
		require.Contains(t, body, `"code":"internal.token"`, name)
	}
	require.NotContains(t, logs.String(), token, "the token is never logged")

	// A process without a token (the monolith) serves no internal call.
	mono := httptest.NewServer(newRouter(t, config.Config{ShutdownTimeout: 1}, io.Discard, nil, routes))
	t.Cleanup(mono.Close)
	req, err := http.NewRequest(http.MethodGet, mono.URL+"/internal/v1/thing/ping", nil)
	require.NoError(t, err)
	req.Header.Set(web.InternalTokenHeader, "")
	resp, _ = do(t, req)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

// TestAccessLog_HeartbeatsAreDebug checks that an INFO log shows requests
// and failures, not the processes' polls and the probes' successes.
func TestAccessLog_HeartbeatsAreDebug(t *testing.T) {
	t.Parallel()
	const token = "0123456789abcdef0123456789abcdef"
	var logs strings.Builder
	h := newRouter(t, config.Config{ShutdownTimeout: 1, InternalToken: token}, &logs, nil, func(r chi.Router) {
		r.Get("/internal/v1/thing/changes", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
		r.Get("/books", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	})
	// The router serves in this goroutine, so each record is written when
	// ServeHTTP returns.
	serve := func(path, tok string) int {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set(web.InternalTokenHeader, tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	require.Equal(t, http.StatusNoContent, serve("/internal/v1/thing/changes", token))
	require.Equal(t, http.StatusOK, serve("/healthz", ""))
	require.Equal(t, http.StatusOK, serve("/readyz", ""))
	require.Empty(t, logs.String(), "heartbeats are DEBUG")

	require.Equal(t, http.StatusNoContent, serve("/books", ""))
	require.Equal(t, http.StatusUnauthorized, serve("/internal/v1/thing/changes", "wrong"))
	require.Contains(t, logs.String(), "level=INFO msg=http")
	require.Contains(t, logs.String(), "path=/books")
	require.Contains(t, logs.String(), "path=/internal/v1/thing/changes status=401", "a refused internal call is an event")
}

func TestKindOfStatus_InvertsStatus(t *testing.T) {
	t.Parallel()
	for k := apperr.Internal; k <= apperr.TooLarge; k++ {
		require.Equal(t, k, web.KindOfStatus(web.Status(&apperr.Error{Kind: k})))
	}
	require.Equal(t, apperr.Internal, web.KindOfStatus(http.StatusTeapot))
}

// TestRefusalOf: a refusal travels as its status and body and comes back
// as the sentinel it left as; an internal or unavailable error, or one that
// is no apperr, is no refusal (a batched call fails whole on it, to be
// tried again).
func TestRefusalOf(t *testing.T) {
	t.Parallel()
	sentinel := apperr.New(apperr.Conflict, "thing.taken", "the thing is taken")
	r, ok := web.RefusalOf(fmt.Errorf("take thing 7: %w", sentinel.WithFields(map[string]string{"thing": "taken"})))
	require.True(t, ok)
	require.Equal(t, http.StatusConflict, r.Status)
	require.Equal(t, web.ErrorDetail{Code: "thing.taken", Message: "the thing is taken", Fields: map[string]string{"thing": "taken"}}, r.ErrorDetail)
	require.ErrorIs(t, r.Err(), sentinel)
	require.Equal(t, apperr.Conflict, r.Err().Kind)

	for _, err := range []error{apperr.ErrInternal, apperr.ErrUnavailable, fmt.Errorf("wrapped: %w", apperr.ErrUnavailable), errors.New("connection reset")} {
		_, ok := web.RefusalOf(err)
		require.False(t, ok, "%v", err)
	}
}

// TestError_ClientThatLeftIsNoFailure: a call cut short because the
// client left (in a split shop, the gateway giving up on a hung process)
// is logged as abandoned, with nginx's 499, not as a failed request.
func TestError_ClientThatLeftIsNoFailure(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	h := newRouter(t, config.Config{ShutdownTimeout: 1}, &logs, nil, func(r chi.Router) {
		r.Get("/api/v1/left", func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithCancel(r.Context())
			cancel()
			web.Error(w, r.WithContext(ctx), fmt.Errorf("count cart: %w", ctx.Err()))
		})
		r.Get("/api/v1/cancelled", func(w http.ResponseWriter, r *http.Request) {
			web.Error(w, r, fmt.Errorf("a call of its own: %w", context.Canceled))
		})
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/left", nil))
	require.Equal(t, web.StatusClientClosed, rec.Code)
	require.NotContains(t, logs.String(), "level=ERROR")
	require.Contains(t, logs.String(), "request abandoned by its client")

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/cancelled", nil))
	require.Equal(t, http.StatusInternalServerError, rec.Code, "a cancellation while the client still waits is a failure")
	require.Contains(t, logs.String(), "level=ERROR")
}

// TestRouter_FileBodyIsNotReadAsAForm: a route whose body is a file
// (FileBody) answers a form with its own refusal, whatever the form's
// fields hold; any other route still has them checked, and the file
// route's query string still is.
func TestRouter_FileBodyIsNotReadAsAForm(t *testing.T) {
	t.Parallel()
	take := func(w http.ResponseWriter, r *http.Request) {
		if !web.SentAs(r, "text/csv") {
			web.Error(w, r, apperr.ErrMediaType)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
	h := newRouter(t, config.Config{ShutdownTimeout: 1}, io.Discard, nil, func(r chi.Router) {
		r.Method(http.MethodPost, "/api/v1/files/{id}", web.FileBody(take))
		r.Post("/api/v1/uploads/{id}", take)
	})
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	require.NoError(t, mw.WriteField("note", "a\x00b"))
	require.NoError(t, mw.Close())
	send := func(target, contentType, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for _, c := range []struct{ contentType, body string }{
		{mw.FormDataContentType(), form.String()},
		{"application/x-www-form-urlencoded", "note=a%00b"},
	} {
		rec := send("/api/v1/files/1", c.contentType, c.body)
		require.Equal(t, http.StatusUnsupportedMediaType, rec.Code, rec.Body.String())
		rec = send("/api/v1/uploads/1", c.contentType, c.body)
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code, "another route's form is checked: %s", rec.Body.String())
	}
	require.Equal(t, http.StatusNoContent, send("/api/v1/files/1", "text/csv", "a,b\n").Code)
	require.Equal(t, http.StatusUnprocessableEntity, send("/api/v1/files/1?name=a%00", "text/csv", "a,b\n").Code, "the query is checked")
}
