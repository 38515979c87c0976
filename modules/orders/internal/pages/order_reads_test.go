package pages_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
)

// queryNames records the sqlc name of each statement a pool sends.
type queryNames struct {
	mu    sync.Mutex
	names map[string]int
}

func (q *queryNames) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if name, ok := strings.CutPrefix(d.SQL, "-- name: "); ok {
		name, _, _ = strings.Cut(name, " ")
		q.mu.Lock()
		q.names[name]++
		q.mu.Unlock()
	}
	return ctx
}

func (q *queryNames) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TestOrderPage_ReadsTheOrderOnce: a delivered order's page, which shows
// its reviews, reads the order and its shipment once each, to whoever
// opens it.
func TestOrderPage_ReadsTheOrderOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	path, _ := b.deliveredOrder(t)
	names := &queryNames{names: map[string]int{}}
	cfg := b.pool.Config()
	cfg.ConnConfig.Tracer = names
	traced, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(traced.Close)
	b.pool = traced
	b.serve(t, service.Options{})

	for _, u := range []*auth.User{&buyer, &seller, &admin} {
		names.mu.Lock()
		clear(names.names)
		names.mu.Unlock()
		r := b.c.Get(t, path, authtest.As(u)...)
		require.Equal(t, http.StatusOK, r.StatusCode, r.Body)
		require.Contains(t, r.Body, `id="reviews"`)
		require.Equal(t, 1, names.names["Order"], "%v", names.names)
		require.Equal(t, 1, names.names["Shipment"], "%v", names.names)
		require.Equal(t, 1, names.names["OrderReviews"], "%v", names.names)
	}
}
