package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/pgtest"
)

// TestService_ReservesTogether: the reservations that arrive while one is
// in flight are held in one round trip and one commit, the same listing's
// as well; when one of them cannot be held, each gets its own answer and
// the others are still held; and the buyer whose call leads the batch may
// leave without failing anyone else's.
func TestService_ReservesTogether(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	pool, n := pgtest.Counted(t, b.pool)
	svc := service.New(pool, nil)

	books := make([]catalog.Book, 3)
	for i := range books {
		books[i] = catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Copies: 3})
	}
	blocked, hot, other := books[0], books[1], books[2]
	reserve := func(ctx context.Context, order int64, line catalog.Line) <-chan error {
		return reserveAsync(ctx, svc, catalog.Reservation{OrderID: order, BuyerID: b.other.ID, Lines: []catalog.Line{line}})
	}
	// together reserves first alone, held up by a lock on its listing, and
	// the others while it waits; it returns the statements the others took
	// once the lock is gone, and every answer.
	together := func(t *testing.T, first func() <-chan error, others func() []<-chan error) (int64, []error) {
		t.Helper()
		lock, err := b.pool.Begin(ctx)
		require.NoError(t, err)
		defer func() { _ = lock.Rollback(ctx) }()
		_, err = lock.Exec(ctx, "SELECT 1 FROM catalog.books WHERE id = $1 FOR UPDATE", blocked.ID)
		require.NoError(t, err)
		leader := first()
		awaitLockWaiters(ctx, t, b.pool, 1)
		dones := others()
		require.Eventually(t, func() bool { return service.ReservationsWaiting(svc) == len(dones) }, 10*time.Second, time.Millisecond)
		before := n.Count()
		require.NoError(t, lock.Rollback(ctx))
		errs := []error{receive(t, leader)}
		for _, d := range dones {
			errs = append(errs, receive(t, d))
		}
		return n.Count() - before, errs
	}

	t.Run("InOneRoundTrip", func(t *testing.T) {
		leaving, leave := context.WithCancel(ctx)
		first := func() <-chan error { return reserve(leaving, 1, catalogtest.LineOf(blocked, 1)) }
		stmts, errs := together(t, first, func() []<-chan error {
			defer leave()
			return []<-chan error{
				reserve(ctx, 2, catalogtest.LineOf(hot, 1)),
				reserve(ctx, 3, catalogtest.LineOf(hot, 1)),
				reserve(ctx, 4, catalogtest.LineOf(other, 1)),
			}
		})
		for _, err := range errs {
			require.NoError(t, err)
		}
		require.Equal(t, int64(1), stmts, "the three that waited: one batch")
		require.Equal(t, catalogtest.Counts{Listed: 3, Available: 2, Held: 1}, catalogtest.StockOf(ctx, t, b.pool, blocked.ID))
		require.Equal(t, catalogtest.Counts{Listed: 3, Available: 1, Held: 2}, catalogtest.StockOf(ctx, t, b.pool, hot.ID))
		require.Equal(t, catalogtest.Counts{Listed: 3, Available: 2, Held: 1}, catalogtest.StockOf(ctx, t, b.pool, other.ID))
	})

	t.Run("EachItsOwnAnswer", func(t *testing.T) {
		first := func() <-chan error { return reserve(ctx, 5, catalogtest.LineOf(blocked, 1)) }
		_, errs := together(t, first, func() []<-chan error {
			return []<-chan error{
				reserve(ctx, 6, catalogtest.LineOf(hot, 2)), // one copy is left
				reserve(ctx, 7, catalogtest.LineOf(other, 1)),
				reserve(ctx, 2, catalogtest.LineOf(hot, 1)), // a replay
			}
		})
		require.NoError(t, errs[0])
		require.True(t, errors.Is(errs[1], catalog.ErrOutOfStock), "got %v", errs[1])
		require.NoError(t, errs[2])
		require.NoError(t, errs[3])
		require.Equal(t, catalogtest.Counts{Listed: 3, Available: 1, Held: 2}, catalogtest.StockOf(ctx, t, b.pool, hot.ID))
		require.Equal(t, catalogtest.Counts{Listed: 3, Available: 1, Held: 2}, catalogtest.StockOf(ctx, t, b.pool, other.ID))
		held, err := svc.HeldOrders(ctx, 0, 10)
		require.NoError(t, err)
		require.Equal(t, []int64{1, 2, 3, 4, 5, 7}, held, "order 6 holds nothing")
	})
}

// TestService_ReservesSeveralLinesAlone: a reservation of several lines
// never waits in a batch, where it would lock its listings out of the
// batch's order: it is held while a reservation of one line is in flight,
// held up by a lock, and one of one line still waits for that batch.
func TestService_ReservesSeveralLinesAlone(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	books := make([]catalog.Book, 4)
	for i := range books {
		books[i] = catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Copies: 2})
	}
	reserve := func(order int64, lines ...catalog.Line) <-chan error {
		return reserveAsync(ctx, b.svc, catalog.Reservation{OrderID: order, BuyerID: b.other.ID, Lines: lines})
	}
	lock, err := b.pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = lock.Rollback(ctx) }()
	_, err = lock.Exec(ctx, "SELECT 1 FROM catalog.books WHERE id = $1 FOR UPDATE", books[0].ID)
	require.NoError(t, err)
	inFlight := reserve(1, catalogtest.LineOf(books[0], 1))
	awaitLockWaiters(ctx, t, b.pool, 1)

	require.NoError(t, receive(t, reserve(2, catalogtest.LineOf(books[3], 1), catalogtest.LineOf(books[1], 1))))
	require.Equal(t, catalogtest.Counts{Listed: 2, Available: 1, Held: 1}, catalogtest.StockOf(ctx, t, b.pool, books[1].ID))
	require.Equal(t, catalogtest.Counts{Listed: 2, Available: 1, Held: 1}, catalogtest.StockOf(ctx, t, b.pool, books[3].ID))

	waits := reserve(3, catalogtest.LineOf(books[2], 1))
	require.Eventually(t, func() bool { return service.ReservationsWaiting(b.svc) == 1 }, 10*time.Second, time.Millisecond)
	require.NoError(t, lock.Rollback(ctx))
	require.NoError(t, receive(t, inFlight))
	require.NoError(t, receive(t, waits))
	require.Equal(t, catalogtest.Counts{Listed: 2, Available: 1, Held: 1}, catalogtest.StockOf(ctx, t, b.pool, books[2].ID))
}

// TestService_ConfirmLocksListingsInOrder: a confirmation locks its
// listings in id order, as a batch of reservations does, so the two never
// deadlock: while it waits for the first listing, it holds none of the
// others.
func TestService_ConfirmLocksListingsInOrder(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	books := make([]catalog.Book, 20)
	orders := make([]int64, len(books))
	for i := range books {
		books[i] = catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{SellerID: b.seller.ID, Copies: 2})
		orders[i] = int64(100 + i)
		require.NoError(t, b.svc.Reserve(ctx, catalog.Reservation{OrderID: orders[i], BuyerID: b.other.ID, Lines: []catalog.Line{catalogtest.LineOf(books[i], 1)}}))
	}
	// A new version of the first listing's row, after all the others on
	// the page: a scan of the table now meets it last.
	_, err := b.pool.Exec(ctx, "UPDATE catalog.books SET held = held WHERE id = $1", books[0].ID)
	require.NoError(t, err)
	lock, err := b.pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = lock.Rollback(ctx) }()
	_, err = lock.Exec(ctx, "SELECT 1 FROM catalog.books WHERE id = $1 FOR UPDATE", books[0].ID)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := b.svc.Confirm(ctx, orders)
		done <- err
	}()
	awaitLockWaiters(ctx, t, b.pool, 1)
	for _, book := range books[1:] {
		_, err := lock.Exec(ctx, "SELECT 1 FROM catalog.books WHERE id = $1 FOR UPDATE NOWAIT", book.ID)
		require.NoError(t, err, "the confirmation holds listing %d while it waits for %d", book.ID, books[0].ID)
	}
	require.NoError(t, lock.Rollback(ctx))
	require.NoError(t, receive(t, done))
	for _, book := range books {
		require.Equal(t, catalogtest.Counts{Listed: 2, Available: 1, Sold: 1}, catalogtest.StockOf(ctx, t, b.pool, book.ID))
	}
}

// reserveAsync calls Reserve in a goroutine; the channel gets its answer.
func reserveAsync(ctx context.Context, svc *service.Service, r catalog.Reservation) <-chan error {
	done := make(chan error, 1)
	go func() { done <- svc.Reserve(ctx, r) }()
	return done
}

// receive is the answer of a call that must return within seconds.
func receive(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		require.FailNow(t, "the call did not return")
		return nil
	}
}

// awaitLockWaiters returns once n statements of the test's database wait
// for a lock.
func awaitLockWaiters(ctx context.Context, t *testing.T, pool *pgxpool.Pool, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		var waiting int
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(&waiting))
		return waiting == n
	}, 10*time.Second, time.Millisecond)
}
