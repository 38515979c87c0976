package client_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/api"
	"github.com/bookstore/bookstore/modules/catalog/internal/client"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/web"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestClient_ReadsBooksTogether: the Books calls that arrive while one is
// under way are asked in the next call, each answered with the books of
// its own ids (a missing one left out), and the call that led leaving
// fails no other.
func TestClient_ReadsBooksTogether(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	gate := webtest.NewGate(client.BooksPath)
	srv := webtest.New(t, webtest.Opts{Routes: []web.Routes{api.InternalRoutes(service.New(pool, &service.Options{Log: slog.Default()}))},
		Middleware: []web.Middleware{gate.Middleware()}, Pool: pool, InternalToken: webtest.InternalToken})
	c := client.New(rpc.New("catalog", srv.URL, webtest.InternalToken, nil))
	a := catalogtest.CreateBook(ctx, t, pool, &catalogtest.BookOpts{Title: "Emma"})
	b := catalogtest.CreateBook(ctx, t, pool, &catalogtest.BookOpts{Title: "Persuasion"})
	const missing = catalog.BookID(999_999)

	type answer struct {
		books map[catalog.BookID]catalog.Book
		err   error
	}
	read := func(ctx context.Context, ids ...catalog.BookID) <-chan answer {
		done := make(chan answer, 1)
		go func() {
			books, err := c.Books(ctx, ids)
			done <- answer{books, err}
		}()
		return done
	}
	leaving, leave := context.WithCancel(ctx)
	leader := read(leaving, a.ID)
	<-gate.Held()
	waiting := []<-chan answer{read(ctx, a.ID, b.ID), read(ctx, b.ID, missing), read(ctx, missing)}
	require.Eventually(t, func() bool { return client.BooksWaiting(c) == len(waiting) }, 10*time.Second, time.Millisecond)
	leave()
	gate.Release()

	got := []answer{<-leader}
	for _, w := range waiting {
		got = append(got, <-w)
	}
	require.Equal(t, 2, gate.Calls(), "the three that waited: one call")
	for _, g := range got {
		require.NoError(t, g.err)
	}
	titles := func(books map[catalog.BookID]catalog.Book) map[catalog.BookID]string {
		out := map[catalog.BookID]string{}
		for id, b := range books {
			out[id] = b.Title
		}
		return out
	}
	require.Equal(t, map[catalog.BookID]string{a.ID: "Emma"}, titles(got[0].books))
	require.Equal(t, map[catalog.BookID]string{a.ID: "Emma", b.ID: "Persuasion"}, titles(got[1].books))
	require.Equal(t, map[catalog.BookID]string{b.ID: "Persuasion"}, titles(got[2].books), "its own ids only")
	require.Empty(t, got[3].books)
}
