package mail_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/rpc"
)

// TestListAll_PagesAcrossBoxes stands for a split shop: auth's outbox in
// one database, read over its internal endpoint, and orders' in another;
// the pages merge them newest first, each email exactly once.
func TestListAll_PagesAcrossBoxes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	authDB, ordersDB := pgtest.New(t), pgtest.New(t)
	outbox := mail.NewOutbox(nil, "https://shop.example.com", false)
	write := func(db interface {
		Begin(context.Context) (pgx.Tx, error)
	}, kind string, n int) {
		for i := range n {
			tx, err := db.Begin(ctx)
			require.NoError(t, err)
			_, err = outbox.Write(ctx, tx, mail.Message{Kind: kind, To: fmt.Sprintf("u%d@example.com", i), Subject: fmt.Sprintf("%s %d", kind, i), Body: "hi"})
			require.NoError(t, err)
			require.NoError(t, tx.Commit(ctx))
		}
	}
	write(authDB, "auth.verify_email", 4)
	write(ordersDB, "orders.shipped", 3)

	r := chi.NewRouter()
	mail.BoxRoutes(mail.NewLocalBox(authDB, config.Config{Modules: []config.Module{config.ModuleAuth}}))(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	remote := mail.NewRemoteBox(rpc.New(string(config.ModuleAuth), srv.URL, "token", &rpc.Opts{Attempts: 1}))
	boxes := []mail.Box{mail.NewLocalBox(ordersDB, config.Config{Modules: []config.Module{config.ModuleOrders}}), remote}

	seen := map[string]bool{}
	var before *mail.Cursor
	pages := 0
	for {
		p := mail.ListAll(ctx, boxes, before, 3)
		require.Empty(t, p.Unreadable)
		for i, e := range p.Emails {
			require.False(t, seen[e.Subject], "%s twice", e.Subject)
			seen[e.Subject] = true
			if i > 0 {
				require.False(t, e.CreatedAt.After(p.Emails[i-1].CreatedAt), "newest first")
			}
		}
		pages++
		if p.Next == nil {
			break
		}
		before = p.Next
	}
	require.Len(t, seen, 7)
	require.Equal(t, 3, pages)

	srv.Close()
	p := mail.ListAll(ctx, boxes, nil, 10)
	require.Len(t, p.Emails, 3, "orders' emails still show")
	require.Len(t, p.Unreadable, 1)
}

func TestSegments(t *testing.T) {
	t.Parallel()
	require.Equal(t, []mail.Segment{
		{Text: "Open "}, {Text: "https://shop.example.com/a?token=x", Link: true}, {Text: "\nor "}, {Text: "http://x.example/b", Link: true},
	}, mail.Segments("Open https://shop.example.com/a?token=x\nor http://x.example/b"))
	require.Equal(t, []mail.Segment{{Text: "no links"}}, mail.Segments("no links"))
}
