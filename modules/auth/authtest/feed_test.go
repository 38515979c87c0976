package authtest_test

import (
	"context"
	"testing"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/platform/pgtest"
)

// TestFeed holds the fake feed and the real one to the same contract.
func TestFeed(t *testing.T) {
	t.Parallel()
	t.Run("Real", func(t *testing.T) {
		t.Parallel()
		authtest.ExerciseFeed(t, func(t *testing.T) (func(context.Context, int64, int) ([]auth.UserChange, error), func(string)) {
			pool := pgtest.New(t)
			svc := authtest.NewService(t, pool)
			return svc.UserChanges, func(email string) {
				authtest.CreateUser(context.Background(), t, pool, &authtest.UserOpts{Email: email})
			}
		})
	})
	t.Run("Fake", func(t *testing.T) {
		t.Parallel()
		authtest.ExerciseFeed(t, func(*testing.T) (func(context.Context, int64, int) ([]auth.UserChange, error), func(string)) {
			var f authtest.Feed
			return f.UserChanges, func(email string) { f.Add(auth.User{Email: email}) }
		})
	})
}
