package client_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/auth/internal/api"
	"github.com/bookstore/bookstore/modules/auth/internal/client"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/tracing"
	"github.com/bookstore/bookstore/platform/tracing/tracingtest"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestClient_AuthenticatesTogether: the requests that arrive while a call
// to authenticate is under way send their credentials in the next call,
// each getting its own answer, and a session ended before a request
// arrived is not live for it. The request that led the call leaving fails
// no other.
func TestClient_AuthenticatesTogether(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	svc := authtest.NewService(t, pool)
	gate := webtest.NewGate(client.AuthenticatePath)
	srv := webtest.New(t, webtest.Opts{Routes: []web.Routes{api.InternalRoutes(svc)}, Middleware: []web.Middleware{gate.Middleware()},
		Pool: pool, InternalToken: webtest.InternalToken})
	c := client.New(rpc.New("auth", srv.URL, webtest.InternalToken, nil))

	signIn := func(email string) (auth.User, service.Session) {
		u, s, err := svc.SignUp(ctx, service.SignUpInput{Email: email, Name: "Reader", Password: authtest.DefaultPassword})
		require.NoError(t, err)
		return u, s
	}
	ada, first := signIn("ada@example.com")
	bea, second := signIn("bea@example.com")
	_, ended := signIn("cy@example.com")
	require.NoError(t, svc.SignOut(ctx, ended.ID))

	type answer struct {
		id  auth.Identity
		err error
	}
	authenticate := func(ctx context.Context, credential string) <-chan answer {
		done := make(chan answer, 1)
		go func() {
			id, err := c.Authenticate(ctx, credential)
			done <- answer{id, err}
		}()
		return done
	}
	leaving, leave := context.WithCancel(ctx)
	leader := authenticate(leaving, first.ID)
	<-gate.Held()
	waiting := []<-chan answer{authenticate(ctx, second.ID), authenticate(ctx, ended.ID),
		authenticate(ctx, strings.Repeat("x", len(first.ID))), authenticate(ctx, first.ID)}
	require.Eventually(t, func() bool { return client.CredentialsWaiting(c) == len(waiting) }, 10*time.Second, time.Millisecond)
	leave()
	gate.Release()

	got := []answer{<-leader}
	for _, w := range waiting {
		got = append(got, <-w)
	}
	require.Equal(t, 2, gate.Calls(), "the four that waited: one call")
	require.NoError(t, got[0].err)
	require.Equal(t, ada.ID, got[0].id.User.ID)
	require.NoError(t, got[1].err)
	require.Equal(t, bea.ID, got[1].id.User.ID)
	require.Equal(t, second.CSRFToken, got[1].id.CSRFToken)
	require.ErrorIs(t, got[2].err, auth.ErrUnauthenticated, "signed out before the request")
	require.ErrorIs(t, got[3].err, auth.ErrUnauthenticated, "never a session")
	require.NoError(t, got[4].err)
	require.Equal(t, ada.ID, got[4].id.User.ID)
}

// TestClient_AuthenticationsJoinTheirTraces: credentials sent in one call
// are each authenticated in their own request's trace, whichever
// request's trace the call belongs to.
func TestClient_AuthenticationsJoinTheirTraces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	svc := authtest.NewService(t, pool)
	exp := tracetest.NewInMemoryExporter()
	gate := webtest.NewGate(client.AuthenticatePath)
	srv := webtest.New(t, webtest.Opts{Routes: []web.Routes{api.InternalRoutes(svc)}, Middleware: []web.Middleware{gate.Middleware()},
		Pool: pool, InternalToken: webtest.InternalToken, Tracing: tracing.New(sdktrace.WithSyncer(exp))})
	c := client.New(rpc.New("auth", srv.URL, webtest.InternalToken, nil))
	_, session, err := svc.SignUp(ctx, service.SignUpInput{Email: "ada@example.com", Name: "Ada", Password: authtest.DefaultPassword})
	require.NoError(t, err)

	gate.Together(t, 3, func() int { return client.CredentialsWaiting(c) }, func(n byte) error {
		_, err := c.Authenticate(tracingtest.InTrace(ctx, n), session.ID)
		return err
	})
	for n := byte(1); n <= 3; n++ {
		tracingtest.RequireJoined(t, exp, "auth.Authenticate", n)
	}
}

// TestInternalRoutes_BoundTheCredentials: a call to authenticate carries
// from 1 to client.MaxCredentials credentials and no more trace contexts
// than credentials; others are a 400.
func TestInternalRoutes_BoundTheCredentials(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	srv := webtest.New(t, webtest.Opts{Routes: []web.Routes{api.InternalRoutes(authtest.NewService(t, pool))}, Pool: pool, InternalToken: webtest.InternalToken})
	c := rpc.New("auth", srv.URL, webtest.InternalToken, nil)
	for _, n := range []int{0, client.MaxCredentials + 1} {
		err := c.Call(context.Background(), http.MethodPost, client.AuthenticatePath, client.AuthenticateRequest{Credentials: make([]string, n)}, nil)
		require.ErrorIs(t, err, apperr.ErrBadRequest, "%d credentials", n)
	}
	err := c.Call(context.Background(), http.MethodPost, client.AuthenticatePath, client.AuthenticateRequest{Credentials: make([]string, 1), TraceParents: make([]string, 2)}, nil)
	require.ErrorIs(t, err, apperr.ErrBadRequest, "more trace contexts than credentials")
	var a client.AuthenticateAnswer
	require.NoError(t, c.Call(context.Background(), http.MethodPost, client.AuthenticatePath, client.AuthenticateRequest{Credentials: make([]string, client.MaxCredentials)}, &a))
	require.Len(t, a.Identities, client.MaxCredentials)
}
