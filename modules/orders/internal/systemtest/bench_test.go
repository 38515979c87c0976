package systemtest_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
)

// BenchmarkCheckout measures checkout (cart line, then Place: validation,
// pricing, order insert, catalog reservation, transition with the charge
// job) with 8 concurrent buyers on the monolith's graph over the embedded
// Postgres, while River works the jobs it inserts. It reports orders/s and
// the p99 latency of one checkout.
func BenchmarkCheckout(b *testing.B) {
	const buyers = 8
	a := newApp(b)
	ctx := context.Background()
	book := catalogtest.CreateBook(ctx, b, a.pool, &catalogtest.BookOpts{SellerID: 9999, Copies: 1_000_000})
	var (
		next      atomic.Int64
		mu        sync.Mutex
		latencies []time.Duration
		wg        sync.WaitGroup
		failed    atomic.Int64
	)
	b.ResetTimer()
	start := time.Now()
	for w := range buyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := auth.User{ID: auth.UserID(20_000 + w)}
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					return
				}
				t0 := time.Now()
				err := a.svc.SetQuantity(ctx, service.Owner{UserID: u.ID}, book.ID, 1)
				if err == nil {
					_, err = a.svc.Place(ctx, u, service.PlaceInput{Key: fmt.Sprintf("bench-%d", n), ProviderID: 3,
						Address: service.Address{Name: "N", Street: "S", City: "C", Region: "R", PostalCode: "1", Country: "CO"},
						Payment: service.PaymentInput{Method: "wallet"}})
				}
				d := time.Since(t0)
				if err != nil {
					failed.Add(1)
					b.Error(err)
					return
				}
				mu.Lock()
				latencies = append(latencies, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if len(latencies) == 0 {
		return
	}
	slices.Sort(latencies)
	p99 := latencies[min(len(latencies)-1, len(latencies)*99/100)]
	b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "orders/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
}
