// Package service holds the orders module's rules: carts, checkout and the
// saga that moves an order through its states. Every exported method is one
// or more short transactions; every state change is one conditional update
// in the same transaction as the River job it triggers.
package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/dbsqlc"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/coalesce"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/riverfx"
)

// Options tune the simulation and the deadlines; zero values get defaults.
type Options struct {
	// HomeCountry decides which providers are national (default CO).
	HomeCountry string
	// ShippingStep is the time between two shipment events.
	ShippingStep time.Duration
	// BankTransferDelay is when the simulated bank confirms a transfer.
	BankTransferDelay time.Duration
	// StuckAfter is how long an order may stay pending or awaiting payment
	// (beyond the bank delay) before the sweeper resolves it.
	StuckAfter time.Duration
	// Queues are the shop's job queues for the admin's jobs page (default:
	// the service's own).
	Queues []riverfx.Queue
	// Boxes are the shop's outboxes for the Outbox page (default: the
	// service's own database's, every module's emails).
	Boxes []mail.Box
	// Logs are the other modules' activity logs for the Activity page; the
	// service adds its own.
	Logs []activity.Log
	// RetryWindow is how long an order whose payment failed keeps its
	// copies held while its buyer may pay another way (RetryPayment).
	RetryWindow time.Duration
	// NowFunc is the clock (tests move it).
	NowFunc func() time.Time
	// Metrics counts orders and payments; nil counts into a fresh set that
	// nothing exports.
	Metrics *Metrics
	// Outbox writes the emails of order steps in the step's transaction;
	// nil only stores them, with links to localhost (tests, benchmarks).
	Outbox *mail.Outbox
}

var _ orders.Service = (*Service)(nil)

// Service implements the orders module.
type Service struct {
	pool    *pgxpool.Pool
	q       *dbsqlc.Queries
	catalog catalog.Service
	river   *riverfx.Inserter
	queues  []riverfx.Queue
	boxes   []mail.Box
	logs    []activity.Log
	opts    Options
	// providers spares a checkout the look-up of its delivery provider.
	providers providerCache
	// books spares a checkout the look-up of the books its cart just read.
	books bookCache
	// payments settles the approved payments running at the same time
	// in one statement (settle).
	payments *coalesce.Batcher[settlement, bool]
	// dues reads the payments that the charges running at the same time
	// ask the processor about in one statement (paymentsDue).
	dues *coalesce.Batcher[int64, *dbsqlc.Payment]
	// submissions moves the checkouts whose copies were held at the same
	// time to awaiting payment in one transaction (submit).
	submissions *coalesce.Batcher[submission, bool]
}

// New returns the service; it inserts its jobs with river.
func New(pool *pgxpool.Pool, cat catalog.Service, river *riverfx.Inserter, opts *Options) *Service {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.HomeCountry == "" {
		o.HomeCountry = "CO"
	}
	if o.ShippingStep <= 0 {
		o.ShippingStep = 3 * time.Second
	}
	if o.StuckAfter <= 0 {
		o.StuckAfter = 15 * time.Minute
	}
	if o.RetryWindow <= 0 {
		o.RetryWindow = 15 * time.Minute
	}
	if o.NowFunc == nil {
		o.NowFunc = time.Now
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics()
	}
	if o.Outbox == nil {
		o.Outbox = mail.NewOutbox(nil, "http://localhost:8080", false)
	}
	queues := o.Queues
	if len(queues) == 0 {
		queues = []riverfx.Queue{riverfx.NewLocalQueue(river)}
	}
	boxes := o.Boxes
	if len(boxes) == 0 {
		boxes = []mail.Box{mail.NewLocalBox(pool, config.Config{})}
	}
	s := &Service{pool: pool, q: dbsqlc.New(), catalog: cat, river: river, queues: queues, boxes: boxes, opts: o}
	s.logs = append([]activity.Log{activity.NewLocal(string(config.ModuleOrders), s.ActivityLog)}, o.Logs...)
	s.payments = coalesce.New(maxSettlements, s.settle)
	s.dues = coalesce.New(maxSettlements, s.paymentsDue)
	s.submissions = coalesce.NewDetached(maxSubmissions, submitTimeout, s.submit)
	return s
}

// Options returns the service's settings after defaults.
func (s *Service) Options() Options { return s.opts }

func (s *Service) now() time.Time { return s.opts.NowFunc() }

// inTx runs f in one transaction, and counts the states orders entered in
// it once it has committed.
func (s *Service) inTx(ctx context.Context, f func(pgx.Tx) error) error {
	ctr := &countingTx{}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		ctr.Tx = tx
		return f(ctr)
	})
	if err == nil {
		for _, st := range ctr.entered {
			s.opts.Metrics.orders.WithLabelValues(string(st)).Inc()
		}
	}
	return err
}

// notFound maps a missing row to err.
func notFound(err error, sentinel error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return sentinel
	}
	return err
}

// transition moves an order from one state to another inside tx and writes
// the notifications of step, in one statement, or fails with
// ErrStateConflict when it is not in from any more. The same statement
// finds the addresses of those who chose the step's email; only then is
// anything more written (emailStep), so a step nobody wants emailed costs
// no extra round trip.
func (s *Service) transition(ctx context.Context, tx pgx.Tx, id int64, from, to orders.Status, reason, step string) error {
	return s.move(ctx, tx, stepParams([]int64{id}, from, to, reason, step))
}

// transitionMany is transition for a batch of orders that all move from one
// state to another in the same step, in one statement; it fails with
// ErrStateConflict, writing nothing, unless every one of them was in from.
func (s *Service) transitionMany(ctx context.Context, tx pgx.Tx, ids []int64, from, to orders.Status, step string) error {
	return s.move(ctx, tx, stepParams(ids, from, to, "", step))
}

// stepParams are the Transition statement's arguments for moving ids from
// one state to another in step, each order with its own messages.
func stepParams(ids []int64, from, to orders.Status, reason, step string) dbsqlc.TransitionParams {
	msgs, topics := stepMessages[step], stepTopics[step]
	p := dbsqlc.TransitionParams{Ids: ids, FromStatus: string(from), ToStatus: string(to), Reason: reason, Step: step,
		BuyerMessages: make([]string, len(ids)), SellerMessages: make([]string, len(ids)),
		BuyerTopic: string(topics[0]), SellerTopic: string(topics[1])}
	for i, id := range ids {
		p.BuyerMessages[i], p.SellerMessages[i] = fmt.Sprintf(msgs[0], id), fmt.Sprintf(msgs[1], id)
	}
	return p
}

// move runs the Transition statement p in tx and writes the emails of the
// orders it moved, or fails with ErrStateConflict unless it moved all of
// them.
func (s *Service) move(ctx context.Context, tx pgx.Tx, p dbsqlc.TransitionParams) error {
	moved, err := s.moveSome(ctx, tx, p)
	if err == nil && len(moved) != len(p.Ids) {
		return orders.ErrStateConflict
	}
	return err
}

// moveSome runs the Transition statement p in tx, moving the orders of
// p.Ids still in p.FromStatus, writes their emails and returns them.
func (s *Service) moveSome(ctx context.Context, tx pgx.Tx, p dbsqlc.TransitionParams) (map[int64]bool, error) {
	rows, err := s.q.Transition(ctx, tx, p)
	if err != nil {
		return nil, fmt.Errorf("%s %s→%s: %w", ordersNamed(p.Ids), p.FromStatus, p.ToStatus, err)
	}
	moved := make(map[int64]bool, len(rows))
	var at map[int64]int // each order's place in p.Ids, once an order has an email
	for _, m := range rows {
		moved[m.ID] = true
		if len(m.BuyerEmails)+len(m.SellerEmails) == 0 {
			continue
		}
		if at == nil {
			at = make(map[int64]int, len(p.Ids))
			for i, id := range p.Ids {
				at[id] = i
			}
		}
		i := at[m.ID]
		to := stepEmails{buyer: m.BuyerEmails, sellers: m.SellerEmails, buyerNote: p.BuyerMessages[i], sellerNote: p.SellerMessages[i]}
		if err := s.emailStep(ctx, tx, m.ID, p.Step, p.Reason, to); err != nil {
			return nil, fmt.Errorf("order %d %s→%s: %w", m.ID, p.FromStatus, p.ToStatus, err)
		}
	}
	if c, ok := tx.(*countingTx); ok {
		for range rows {
			c.entered = append(c.entered, orders.Status(p.ToStatus))
		}
	}
	return moved, nil
}

// ordersNamed names ids in an error.
func ordersNamed(ids []int64) string {
	if len(ids) == 1 {
		return fmt.Sprintf("order %d", ids[0])
	}
	return fmt.Sprintf("%d orders", len(ids))
}
