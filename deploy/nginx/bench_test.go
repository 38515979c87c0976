package nginx_test

import (
	"testing"
	"time"
)

// BenchmarkScaleOut measures page-view and checkout throughput of one
// replica alone, one behind nginx, and three behind nginx, on this machine
// in one run, with the same bounded stream as TestCluster (eight buyers,
// each round three page views, a cart update and an order). On two cores
// three replicas cannot be faster than one; the ratio shows what the load
// balancer and replication cost.
func BenchmarkScaleOut(b *testing.B) {
	const (
		workers = 8
		warmup  = 2 * time.Second
		measure = 10 * time.Second
	)
	rates := map[string][2]float64{}
	for _, c := range []struct {
		name     string
		replicas int
		nginx    bool
	}{{"Replicas=1", 1, false}, {"Replicas=1/nginx", 1, true}, {"Replicas=3/nginx", 3, true}} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				s := newShop(b, c.replicas, c.nginx)
				l := newLoad(s)
				l.run(workers, warmup+measure+time.Minute)
				<-time.After(warmup)
				pages, orders := l.pages.Load(), l.orders.Load()
				l.begin()
				<-time.After(measure)
				pages, orders = l.pages.Load()-pages, l.orders.Load()-orders
				t := l.end()
				if t.failed.Load() > 0 {
					b.Fatalf("requests failed under load: %s", t)
				}
				b.Logf("%s: %s", c.name, t)
				secs := measure.Seconds()
				rates[c.name] = [2]float64{float64(pages) / secs, float64(orders) / secs}
				b.ReportMetric(float64(pages)/secs, "pages/s")
				b.ReportMetric(float64(orders)/secs, "orders/s")
				b.ReportMetric(0, "ns/op")
				// Against one replica alone, measured first (target: at
				// least 0.8 on two cores).
				if one := rates["Replicas=1"]; c.name != "Replicas=1" && one[0] > 0 && one[1] > 0 {
					b.ReportMetric(float64(pages)/secs/one[0], "pages-vs-1")
					b.ReportMetric(float64(orders)/secs/one[1], "orders-vs-1")
				}
			}
		})
	}
}
