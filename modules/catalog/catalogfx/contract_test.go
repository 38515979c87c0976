package catalogfx

import (
	"log/slog"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestService_Contract(t *testing.T) {
	t.Parallel()
	catalogtest.Exercise(t, func(_ *testing.T, pool *pgxpool.Pool) catalog.Service {
		return service.New(pool, &service.Options{Log: slog.Default()})
	})
}

// TestRemoteClient_Contract runs the same suite against the client of a
// split shop, over a real HTTP server of the internal endpoints.
func TestRemoteClient_Contract(t *testing.T) {
	t.Parallel()
	catalogtest.Exercise(t, func(t *testing.T, pool *pgxpool.Pool) catalog.Service {
		return catalogtest.NewRemote(t, pool)
	})
}
