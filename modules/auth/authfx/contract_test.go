package authfx_test

import (
	"testing"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/platform/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestLocalService_Contract(t *testing.T) {
	t.Parallel()
	authtest.Exercise(t, func(t *testing.T) (auth.Service, authtest.Backend) {
		pool := pgtest.New(t)
		return authtest.NewService(t, pool), authtest.LocalBackend(t, pool)
	})
}
