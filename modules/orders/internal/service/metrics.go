package service

import (
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bookstore/bookstore/modules/orders"
)

// Metrics counts what checkout health is judged by: orders entering each
// state and the processor's answers. Each process counts what it did;
// Prometheus sums the replicas.
type Metrics struct {
	orders   *prometheus.CounterVec
	payments *prometheus.CounterVec
}

// NewMetrics returns the counters, every series at zero, so rates and
// alerts see them before the first order.
func NewMetrics() *Metrics {
	m := &Metrics{
		orders: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bookstore_orders_total",
			Help: "Orders that entered each status: awaiting_payment means placed; paid, payment_failed, shipped, delivered, cancelled.",
		}, []string{"status"}),
		payments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bookstore_payments_total",
			Help: "Charges sent to the payment processor, by method and outcome (approved, declined, error: a transient failure that is retried).",
		}, []string{"method", "outcome"}),
	}
	for _, s := range []orders.Status{orders.StatusAwaitingPayment, orders.StatusPaid, orders.StatusPaymentFailed, orders.StatusShipped, orders.StatusDelivered, orders.StatusCancelled} {
		m.orders.WithLabelValues(string(s))
	}
	for _, method := range []string{orders.MethodCard, orders.MethodWallet, orders.MethodBankTransfer} {
		for _, outcome := range []string{"approved", "declined", "error"} {
			m.payments.WithLabelValues(method, outcome)
		}
	}
	return m
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	m.orders.Describe(ch)
	m.payments.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.orders.Collect(ch)
	m.payments.Collect(ch)
}

// countingTx remembers the states orders entered in a transaction, so they
// are counted when it commits and never for one rolled back.
type countingTx struct {
	pgx.Tx
	entered []orders.Status
}
