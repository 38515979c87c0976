package service

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"go.opentelemetry.io/otel/attribute"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/dbsqlc"
	"github.com/bookstore/bookstore/modules/orders/internal/jobs"
	"github.com/bookstore/bookstore/modules/orders/internal/payment"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/coalesce"
	"github.com/bookstore/bookstore/platform/text"
	"github.com/bookstore/bookstore/platform/tracing"
	"github.com/bookstore/bookstore/platform/view"
)

// Steps that leave a notification.
const (
	StepPlaced        = "placed"
	StepPaid          = "paid"
	StepPaymentFailed = "payment_failed"
	StepPaidAgain     = "paid_again"
	StepShipped       = "shipped"
	StepDelivered     = "delivered"
	StepCancelled     = "cancelled"
)

// attemptStep is the step of a payment attempt as its notifications keep
// it: the payment's retries before it, after a colon, but for the first.
// Each order writes a step's notifications once, so that a retried job
// writes them once; a payment that fails again after its buyer paid again
// is another step, which its buyer and sellers are told of as well.
func attemptStep(step string, retries int32) string {
	if retries == 0 {
		return step
	}
	return fmt.Sprintf("%s:%d", step, retries)
}

// stepOf is the step an attempt's step (attemptStep) belongs to: its
// emails have that step's words and kind, as its notifications are listed
// under it, since the outbox takes no attempt in a kind.
func stepOf(step string) string {
	s, _, _ := strings.Cut(step, ":")
	return s
}

var stepMessages = map[string][2]string{ // buyer, seller
	StepPlaced:        {"Your order #%d was placed.", "Order #%d includes your listing."},
	StepPaid:          {"Your order #%d is paid.", "Order #%d is paid; it ships soon."},
	StepPaymentFailed: {"The payment for order #%d failed.", "The payment for order #%d failed."},
	StepPaidAgain:     {"You are paying order #%d again.", "The buyer of order #%d is paying again."},
	StepShipped:       {"Your order #%d has shipped.", "Order #%d has shipped."},
	StepDelivered:     {"Your order #%d was delivered.", "Order #%d was delivered."},
	StepCancelled:     {"Your order #%d was cancelled.", "Order #%d was cancelled; the copies are back on sale."},
}

// Charge runs the payment of an order awaiting it; method is the one the
// charge job was submitted for ("" when unknown). It is idempotent: an
// order in any other state is left alone, and the processor's ledger has
// one row per order, so a retried job never charges twice. An approved
// payment hands the order to its provider in the same statement (pay). A
// transient processor error is returned, wrapped, for River to retry.
func (s *Service) Charge(ctx context.Context, orderID int64, method string) error {
	if err := s.charge(ctx, orderID, method); err != nil {
		return fmt.Errorf("charge order %d: %w", orderID, err)
	}
	return nil
}

func (s *Service) charge(ctx context.Context, orderID int64, method string) error {
	if method == orders.MethodWallet || method == orders.MethodBankTransfer {
		// The processor is not asked, so nothing of the payment is read
		// first: the payment statement takes the order only while it
		// awaits a payment by this method. Otherwise (a cancel won the row,
		// a retry changed the method since the job was submitted) the
		// payment is read below, as for a job that does not know it.
		paid, err := s.pay(ctx, orderID, method)
		if err != nil {
			return err
		}
		if paid {
			s.opts.Metrics.payments.WithLabelValues(method, "approved").Inc()
			return nil
		}
	}
	pay, err := s.dues.Do(ctx, orderID)
	if err != nil {
		return err
	}
	if pay == nil {
		if _, err := s.q.Order(ctx, s.pool, orderID); err != nil {
			return notFound(err, orders.ErrNotFound)
		}
		return nil // no longer awaiting payment
	}
	res := payment.Result{Approved: true}
	if pay.Method == orders.MethodCard {
		// The attempt is counted outside the charge's transaction, as a
		// processor counts the calls it received; only where the answer
		// depends on it, since the count is a commit of its own.
		attempt := int32(1)
		if payment.CountsAttempts(pay.Token) {
			if attempt, err = s.q.CountAttempt(ctx, s.pool, orderID); err != nil {
				return err
			}
		}
		if res, err = payment.Charge(pay.Token, int(attempt)); err != nil {
			s.opts.Metrics.payments.WithLabelValues(pay.Method, "error").Inc()
			return fmt.Errorf("attempt %d: %w", attempt, err)
		}
	}
	outcome := "approved"
	if !res.Approved {
		outcome = "declined"
	}
	s.opts.Metrics.payments.WithLabelValues(pay.Method, outcome).Inc()
	if !res.Approved {
		err := s.inTx(ctx, func(tx pgx.Tx) error {
			return s.failPayment(ctx, tx, orderID, pay.Retries, res.Reason)
		})
		if errors.Is(err, orders.ErrStateConflict) {
			return nil // cancelled or swept meanwhile
		}
		return err
	}
	// The conditional move is the guard: a cancel that won the order's row
	// first leaves it alone, and nothing is recorded as charged.
	_, err = s.pay(ctx, orderID, pay.Method)
	return err
}

// paymentsDue is the batch of s.dues: the payment of each order that
// awaits one, nil for the others, read in one statement.
func (s *Service) paymentsDue(ctx context.Context, orderIDs []int64) ([]*dbsqlc.Payment, error) {
	rows, err := s.q.PaymentsDue(ctx, s.pool, orderIDs)
	if err != nil {
		return nil, fmt.Errorf("payments due of %s: %w", ordersNamed(orderIDs), err)
	}
	return coalesce.Answers(orderIDs, rows, func(id int64, p *dbsqlc.Payment) bool { return p.OrderID == id }), nil
}

// pay moves an order awaiting a payment by method to paid, and in the same
// statement settles the payment, records the charge and hands the order to
// its provider (Transition), its next shipping step due for the carrier
// (Carry): handing over needs nothing outside this database, so it is no
// job of its own, which would cost a fetch, a transaction and a
// completion. Where the step emails nobody that statement is all, outside
// any transaction, and it moves the orders of every payment running at the
// time together (s.payments); otherwise it runs again in a transaction
// that writes the emails too (emailStep). It reports false, having written
// nothing, when the order was not awaiting a payment by method (cancelled,
// swept, paid already, paid another way).
func (s *Service) pay(ctx context.Context, orderID int64, method string) (bool, error) {
	st := settlement{orderID: orderID, method: method, traceParent: tracing.Parent(ctx)}
	paid, err := s.payments.Do(ctx, st)
	if err != nil || paid {
		return paid, err
	}
	p := s.payParams([]settlement{st})
	err = s.inTx(ctx, func(tx pgx.Tx) error { return s.move(ctx, tx, p) })
	if errors.Is(err, orders.ErrStateConflict) {
		return false, nil
	}
	return err == nil, err
}

// settlement is an approved payment of an order by method, with the
// charge's trace context.
type settlement struct {
	orderID     int64
	method      string
	traceParent string
}

// maxSettlements bounds the orders one payment statement moves.
const maxSettlements = 100

// settle is the batch of s.payments: one Transition per payment method in
// the batch, outside any transaction, moving only orders whose step emails
// nobody (pay moves the others). It answers, per settlement, whether its
// order moved; an order settled twice in one batch moves once, and its
// other settlements read false, as a settlement that came second would.
func (s *Service) settle(ctx context.Context, batch []settlement) ([]bool, error) {
	byMethod := map[string][]settlement{}
	for _, st := range batch {
		byMethod[st.method] = append(byMethod[st.method], st)
	}
	moved := make(map[int64]bool, len(batch))
	for _, sts := range byMethod {
		p := s.payParams(sts)
		p.UnlessEmailed = true
		rows, err := s.q.Transition(ctx, s.pool, p)
		if err != nil {
			return nil, fmt.Errorf("%s %s→%s: %w", ordersNamed(p.Ids), p.FromStatus, p.ToStatus, err)
		}
		for _, r := range rows {
			moved[r.ID] = true
		}
		s.opts.Metrics.orders.WithLabelValues(p.ToStatus).Add(float64(len(rows)))
	}
	return answers(batch, settlement.order, moved), nil
}

func (st settlement) order() int64 { return st.orderID }

// inOrder returns the inputs of a batch sorted by order, each order once,
// so that concurrent batches lock their orders' rows in one order.
func inOrder[T any](batch []T, order func(T) int64) []T {
	xs := slices.Clone(batch)
	slices.SortFunc(xs, func(a, b T) int { return cmp.Compare(order(a), order(b)) })
	return slices.CompactFunc(xs, func(a, b T) bool { return order(a) == order(b) })
}

// answers says, per input of a batch, whether its order moved; an order
// that came more than once moved for its first input only, and the others
// read false, as inputs that came second would.
func answers[T any](batch []T, order func(T) int64, moved map[int64]bool) []bool {
	out := make([]bool, len(batch))
	for i, x := range batch {
		out[i] = moved[order(x)]
		delete(moved, order(x))
	}
	return out
}

// payParams are the Transition arguments that pay the orders of sts, all
// by the same method; each order appears once, in id order, so that
// concurrent batches lock rows in one order.
func (s *Service) payParams(sts []settlement) dbsqlc.TransitionParams {
	sts = inOrder(sts, settlement.order)
	ids, parents := make([]int64, len(sts)), make([]string, len(sts))
	for i, st := range sts {
		ids[i], parents[i] = st.orderID, st.traceParent
	}
	p := stepParams(ids, orders.StatusAwaitingPayment, orders.StatusPaid, "", StepPaid)
	due := s.now().Add(s.opts.ShippingStep)
	p.PayMethod, p.DueAt, p.TraceParents = sts[0].method, &due, parents
	return p
}

// Shipment steps, in order.
var shipSteps = []string{"label_created", "picked_up", "in_transit", "out_for_delivery", "delivered"}

// ShipStepLabel is the human name of a step.
func ShipStepLabel(step string) string {
	return strings.ToUpper(step[:1]) + strings.ReplaceAll(step[1:], "_", " ")
}

// carryBatch is how many shipments one transaction of the carrier moves:
// enough that a round's fixed cost (a job, a transaction, a commit) is
// shared by many orders, few enough that the rows it locks are released
// soon.
const carryBatch = 500

// The orders a batch picks up are confirmed by one call: the build fails
// if a batch outgrew what the catalog takes at once.
const _ = uint(catalog.MaxConfirm - carryBatch)

// maxCarryBatches bounds one round; what is still due waits for the next.
const maxCarryBatches = 20

// Carry is a round of the simulated carrier: every shipment whose next step
// is due moves one step, in batches of carryBatch orders, each batch one
// transaction with one statement per kind of change rather than a job per
// shipment per step. Picking up ships the order (and inserts the job that
// confirms its copies as sold); the last step delivers it (counts it into
// each of its sellers' sales and inserts the job that sends them to the
// catalog). A step moves
// only a shipment due and an order in the state the step expects, so a
// repeated round does nothing more, and the due time lives in the database,
// so a round lost to a crash is made up by the next. It returns how many
// shipments moved.
func (s *Service) Carry(ctx context.Context) (int, error) {
	total := 0
	for range maxCarryBatches {
		n, err := s.carry(ctx)
		total += n
		if err != nil {
			return total, fmt.Errorf("carry shipments: %w", err)
		}
		if n < carryBatch {
			break
		}
	}
	return total, nil
}

// CarryDue reports whether a round of the carrier has a shipment to move.
func (s *Service) CarryDue(ctx context.Context) (bool, error) {
	due, err := s.q.ShipmentDue(ctx, s.pool, s.now())
	if err != nil {
		return false, fmt.Errorf("shipment due: %w", err)
	}
	return due, nil
}

func (s *Service) carry(ctx context.Context) (int, error) {
	var rows []dbsqlc.AdvanceDueShipmentsRow
	start := time.Now()
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		now := s.now()
		var err error
		rows, err = s.q.AdvanceDueShipments(ctx, tx, dbsqlc.AdvanceDueShipmentsParams{Now: now, Max: carryBatch, NextDue: now.Add(s.opts.ShippingStep)})
		if err != nil {
			return err
		}
		var picked, delivered []int64
		for _, r := range rows {
			switch r.Step {
			case "picked_up":
				picked = append(picked, r.OrderID)
			case "delivered":
				delivered = append(delivered, r.OrderID)
			}
		}
		if len(picked) > 0 {
			if err := s.transitionMany(ctx, tx, picked, orders.StatusPaid, orders.StatusShipped, StepShipped); err != nil {
				return err
			}
			// One job sells the copies of the whole batch.
			if _, err := s.river.InsertTx(ctx, tx, jobs.ConfirmArgs{OrderIDs: picked}, nil); err != nil {
				return err
			}
		}
		if len(delivered) > 0 {
			if err := s.transitionMany(ctx, tx, delivered, orders.StatusShipped, orders.StatusDelivered, StepDelivered); err != nil {
				return err
			}
			// Each seller's sales count grows with the orders of the
			// batch, all of which transitionMany moved (or it failed and
			// nothing commits), so each is counted once; then one push per
			// seller of the batch, however many of their orders it
			// delivered.
			sellers, err := s.q.AddSales(ctx, tx, delivered)
			if err != nil {
				return err
			}
			push := make([]river.InsertManyParams, len(sellers))
			for i, seller := range sellers {
				push[i] = river.InsertManyParams{Args: jobs.SellerStatsArgs{SellerID: auth.UserID(seller)}}
			}
			if _, err := s.river.InsertManyTx(ctx, tx, push); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	// Each order's trace goes on from its charge into the steps it took.
	for _, r := range rows {
		tracing.Resume(ctx, r.TraceParent, "orders.ship "+r.Step, start,
			attribute.Int64("order.id", r.OrderID), attribute.String("shipment.step", r.Step))
	}
	return len(rows), nil
}

// MaxCancelReason bounds the reason an admin gives for the shop's cancel,
// in characters.
const MaxCancelReason = 500

// Cancel cancels an order until it ships: a paid order is refunded
// (simulated) and the stock goes back to sale by a job inserted in the same
// transaction. Its buyer cancels it giving no reason. An admin cancels
// anyone's order with the shop's reason (required, checked as every text
// others read), which its buyer and sellers are told; the buyer's cart is
// left as it is, since the shop, not the buyer, ended the order. Either way
// the buyer is told what became of the payment (cancelMessages), and
// Cancel returns those words, which confirm the buyer's own cancel. Anyone
// else who may see the order (its sellers), and a buyer giving a reason,
// get ErrCancelForbidden, others ErrNotFound; a bad reason is Invalid on
// "reason"; a cancelled order gets ErrAlreadyCancelled, a shipped one
// ErrCannotCancel.
func (s *Service) Cancel(ctx context.Context, user auth.User, orderID int64, reason string) (string, error) {
	if user.ID == 0 {
		return "", auth.ErrUnauthenticated
	}
	var told string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		o, err := s.q.OrderForUpdate(ctx, tx, orderID)
		if err != nil {
			return notFound(err, orders.ErrNotFound)
		}
		buyer := o.BuyerID == int64(user.ID)
		if buyer && strings.TrimSpace(reason) == "" {
			told, err = s.cancelTx(ctx, tx, o, "cancelled by the buyer", byBuyer)
			return err
		}
		if !user.IsAdmin() {
			seller, err := s.q.IsSellerOf(ctx, tx, dbsqlc.IsSellerOfParams{OrderID: orderID, SellerID: int64(user.ID)})
			if err != nil {
				return err
			}
			if buyer || seller {
				return orders.ErrCancelForbidden
			}
			return orders.ErrNotFound
		}
		fields := map[string]string{}
		reason = checkNote(fields, "reason", reason, MaxCancelReason, "say why the shop cancels this order; its buyer and sellers are told")
		if len(fields) > 0 {
			return apperr.ErrInvalid.WithFields(fields)
		}
		if told, err = s.cancelTx(ctx, tx, o, reason, byShop); err != nil {
			return err
		}
		return s.recordAction(ctx, tx, activity.Record{Actor: user.Actor(), Action: activity.OrderCancel,
			SubjectID: o.ID, SubjectLabel: fmt.Sprintf("order #%d", o.ID), Reason: reason})
	})
	return told, err
}

// canceller is who ends an order before it ships.
type canceller int

const (
	// bySweep ends a checkout that did not complete.
	bySweep canceller = iota
	byBuyer
	byShop
)

// cancelTx cancels o, locked by the caller, with reason, and returns what
// its buyer was told. A person's cancel (its buyer's, the shop's) tells the
// buyer and sellers who cancelled and what became of the payment
// (cancelMessages), the shop's with the admin's reason; the shop's cancel
// leaves a pending order's lines out of the cart, while any other cancel
// of a pending order is a checkout that did not complete, whose lines go
// back.
func (s *Service) cancelTx(ctx context.Context, tx pgx.Tx, o dbsqlc.Order, reason string, by canceller) (string, error) {
	from := orders.Status(o.Status)
	if from == orders.StatusCancelled {
		return "", orders.ErrAlreadyCancelled
	}
	if !cancellable(from) {
		return "", orders.ErrCannotCancel
	}
	p := stepParams([]int64{o.ID}, from, orders.StatusCancelled, reason, StepCancelled)
	switch by {
	case byBuyer:
		p.BuyerMessages[0], p.SellerMessages[0] = cancelMessages(o, "")
	case byShop:
		p.Reason = "cancelled by the shop: " + reason
		p.BuyerMessages[0], p.SellerMessages[0] = cancelMessages(o, reason)
	}
	if err := s.move(ctx, tx, p); err != nil {
		return "", err
	}
	if from == orders.StatusPaid {
		if _, err := s.q.RefundCharge(ctx, tx, o.ID); err != nil {
			return "", fmt.Errorf("refund the charge of order %d: %w", o.ID, err)
		}
		if _, err := s.q.SettlePayment(ctx, tx, dbsqlc.SettlePaymentParams{OrderID: o.ID, FromStatus: "succeeded", ToStatus: "refunded"}); err != nil {
			return "", fmt.Errorf("refund the payment of order %d: %w", o.ID, err)
		}
	} else if _, err := s.q.SettlePayment(ctx, tx, dbsqlc.SettlePaymentParams{OrderID: o.ID, FromStatus: "pending", ToStatus: "failed", FailureReason: p.Reason}); err != nil {
		return "", fmt.Errorf("fail the payment of order %d: %w", o.ID, err)
	}
	if from == orders.StatusPending && by != byShop {
		// The checkout took these lines out of the cart; give them back.
		if err := s.q.RestoreCart(ctx, tx, o.ID); err != nil {
			return "", fmt.Errorf("restore the cart of order %d: %w", o.ID, err)
		}
	}
	if _, err := s.river.InsertTx(ctx, tx, jobs.ReleaseArgs{OrderID: o.ID}, nil); err != nil {
		return "", fmt.Errorf("queue the release of order %d: %w", o.ID, err)
	}
	return p.BuyerMessages[0], nil
}

// cancelMessages are the buyer's and the sellers' notifications of a
// person's cancel of o: its buyer's (shopReason empty) or the shop's, with
// the admin's reason. Each says who cancelled, and the buyer's whether they
// were refunded, and how much (only a paid order was charged), so that a
// buyer cancelling a paid order is told the refund as when the shop
// cancels it. The reason, typed by an admin in any script, is isolated
// (text.Isolate), so a Hebrew or Arabic one does not reorder the sentence;
// a full stop it lacks goes after it.
func cancelMessages(o dbsqlc.Order, shopReason string) (string, string) {
	paid := "Nothing was charged."
	if orders.Status(o.Status) == orders.StatusPaid {
		paid = "You were refunded " + view.Money(o.TotalCents) + "."
	}
	if shopReason == "" {
		return fmt.Sprintf("You cancelled your order #%d. %s", o.ID, paid),
			fmt.Sprintf("The buyer cancelled order #%d. The copies are back on sale.", o.ID)
	}
	why := text.Isolate(shopReason)
	if strings.IndexByte(".!?", shopReason[len(shopReason)-1]) < 0 {
		why += "."
	}
	return fmt.Sprintf("The shop cancelled your order #%d: %s %s", o.ID, why, paid),
		fmt.Sprintf("The shop cancelled order #%d: %s The copies are back on sale.", o.ID, why)
}

// failPayment ends a payment attempt that failed. The order waits in
// payment_failed with its copies held, so its buyer may pay another way
// (RetryPayment) for RetryWindow; then the release job scheduled here
// closes it. retries is the payment's retry count, which tells that job
// whether a later attempt superseded it.
func (s *Service) failPayment(ctx context.Context, tx pgx.Tx, orderID int64, retries int32, reason string) error {
	p := stepParams([]int64{orderID}, orders.StatusAwaitingPayment, orders.StatusPaymentFailed, reason, StepPaymentFailed)
	p.Step = attemptStep(p.Step, retries)
	// The deadline is the release job's, below.
	until := view.Moment(s.now().Add(s.opts.RetryWindow))
	p.BuyerMessages[0] += " The books stay held for you until " + until + " in case you pay another way."
	p.SellerMessages[0] += " Its copies stay held until " + until + " in case the buyer pays another way."
	if err := s.move(ctx, tx, p); err != nil {
		return err
	}
	if _, err := s.q.SettlePayment(ctx, tx, dbsqlc.SettlePaymentParams{OrderID: orderID, FromStatus: "pending", ToStatus: "failed", FailureReason: reason}); err != nil {
		return err
	}
	_, err := s.river.InsertTx(ctx, tx, jobs.ReleaseArgs{OrderID: orderID, Retries: int(retries)}, &river.InsertOpts{ScheduledAt: s.now().Add(s.opts.RetryWindow)})
	return err
}

// ReleaseStock returns the held copies of an order that ended without a
// sale, or of none (idempotent, via the catalog). An order still waiting
// for another payment after the failure numbered retries is cancelled
// first, under its row lock, so it can no longer be paid, and its lines go
// back to the buyer's cart, so nothing the buyer chose is lost. An order
// paid again since keeps its copies, as does one that failed again (the
// later failure's job ends it).
func (s *Service) ReleaseStock(ctx context.Context, orderID int64, retries int) error {
	release := true
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		o, err := s.q.OrderForUpdate(ctx, tx, orderID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		switch orders.Status(o.Status) {
		case orders.StatusCancelled:
			return nil
		case orders.StatusPaymentFailed:
		default:
			release = false
			return nil
		}
		pay, err := s.q.Payment(ctx, tx, orderID)
		if err != nil {
			return err
		}
		if int(pay.Retries) != retries {
			release = false
			return nil
		}
		if err := s.transition(ctx, tx, orderID, orders.StatusPaymentFailed, orders.StatusCancelled, "the payment failed and no other payment came in time; the books are back in the cart", StepCancelled); err != nil {
			return err
		}
		return s.q.RestoreCart(ctx, tx, orderID)
	})
	if err == nil && release {
		err = s.catalog.Release(ctx, orderID)
	}
	if err != nil {
		return fmt.Errorf("release the stock of order %d: %w", orderID, err)
	}
	return nil
}

// ConfirmStock marks the copies of orders sold, in one call to the catalog
// (idempotent per order). Orders that hold nothing fail it with
// catalog.ErrNotHeld, naming them, once the others are confirmed.
func (s *Service) ConfirmStock(ctx context.Context, orderIDs []int64) error {
	notHeld, err := s.catalog.Confirm(ctx, orderIDs)
	switch {
	case err != nil:
		return fmt.Errorf("confirm the stock of %d orders: %w", len(orderIDs), err)
	case len(notHeld) > 0:
		return fmt.Errorf("confirm the stock of orders %v: %w", notHeld, catalog.ErrNotHeld)
	}
	return nil
}

// VisitorCartTTL is how long an untouched visitor cart is kept.
const VisitorCartTTL = 30 * 24 * time.Hour

// SweepDue reports whether a sweep may have something to do: an order or a
// visitor cart past its deadline here, or any order holding copies in the
// catalog (the sweep settles those no live order owns, which only the
// catalog can list; a shop at rest holds none).
func (s *Service) SweepDue(ctx context.Context) (bool, error) {
	now := s.now()
	due, err := s.q.SweepDue(ctx, s.pool, dbsqlc.SweepDueParams{
		PendingBefore: now.Add(-s.opts.StuckAfter),
		UnpaidBefore:  now.Add(-s.opts.StuckAfter - s.opts.BankTransferDelay),
		StaleBefore:   now.Add(-VisitorCartTTL),
	})
	if err != nil {
		return false, fmt.Errorf("sweep due: %w", err)
	}
	if due {
		return true, nil
	}
	held, err := s.catalog.HeldOrders(ctx, 0, 1)
	if err != nil {
		return false, fmt.Errorf("sweep due: list held orders: %w", err)
	}
	return len(held) > 0, nil
}

// Sweep resolves orders stuck past the deadline (a pending order whose
// checkout died is cancelled; a payment that never completed fails) and
// settles holds no live order owns: released for orders that ended without
// a sale or do not exist, confirmed for orders that shipped. An order it
// cannot resolve does not stop it: the others are resolved and the holds
// settled all the same, and the sweep then fails naming each such order
// and its cause, so that the job is retried and the failure seen.
func (s *Service) Sweep(ctx context.Context) (jobs.SweepResult, error) {
	var res jobs.SweepResult
	n, err := s.deleteStaleCarts(ctx)
	res.StaleCarts = n
	if err != nil {
		return res, fmt.Errorf("sweep: delete stale visitor carts: %w", err)
	}
	stuck, err := s.q.StuckOrders(ctx, s.pool, s.now().Add(-s.opts.StuckAfter))
	if err != nil {
		return res, fmt.Errorf("sweep: list stuck orders: %w", err)
	}
	var unresolved []error
	for _, o := range stuck {
		if orders.Status(o.Status) == orders.StatusAwaitingPayment && o.UpdatedAt.After(s.now().Add(-s.opts.StuckAfter-s.opts.BankTransferDelay)) {
			continue
		}
		err := s.inTx(ctx, func(tx pgx.Tx) error {
			if orders.Status(o.Status) == orders.StatusPending {
				if _, err := s.cancelTx(ctx, tx, o, "the checkout did not complete", bySweep); err != nil {
					return err
				}
				res.Cancelled++
				return nil
			}
			pay, err := s.q.Payment(ctx, tx, o.ID)
			if err != nil {
				return err
			}
			if err := s.failPayment(ctx, tx, o.ID, pay.Retries, "the payment did not complete in time"); err != nil {
				return err
			}
			res.Failed++
			return nil
		})
		if err != nil && !errors.Is(err, orders.ErrStateConflict) {
			unresolved = append(unresolved, fmt.Errorf("sweep: resolve stuck order %d: %w", o.ID, err))
		}
	}
	for after := int64(0); ; {
		held, err := s.catalog.HeldOrders(ctx, after, catalog.MaxHeldPage)
		if err != nil {
			return res, errors.Join(append(unresolved, fmt.Errorf("sweep: list held orders: %w", err))...)
		}
		if len(held) == 0 {
			break
		}
		after = held[len(held)-1]
		if err := s.settleHolds(ctx, held, &res); err != nil {
			return res, errors.Join(append(unresolved, err)...)
		}
	}
	return res, errors.Join(unresolved...)
}

// staleCartBatch is how many carts one transaction of a sweep deletes
// (with their items), so that each is short: the LIMIT of
// DeleteStaleVisitorCarts; staleCartTime bounds a
// sweep's time on them, so that its part for orders runs every time and
// the job finishes well within its timeout. One sweep thus clears a
// backlog of hundreds of thousands of carts, not the hundred of before,
// which fell ever further behind a shop that sees more visitors.
const (
	staleCartBatch = 100
	staleCartTime  = 20 * time.Second
)

// deleteStaleCarts deletes the visitor carts untouched for
// VisitorCartTTL, a batch a transaction, until none is left or
// staleCartTime has passed; the next sweep takes what remains.
func (s *Service) deleteStaleCarts(ctx context.Context) (int64, error) {
	before := s.now().Add(-VisitorCartTTL)
	stop := time.Now().Add(staleCartTime)
	var total int64
	for {
		n, err := s.q.DeleteStaleVisitorCarts(ctx, s.pool, before)
		total += n
		if err != nil || n < staleCartBatch || time.Now().After(stop) {
			return total, err
		}
	}
}

// settleHolds releases the holds of orders that were cancelled or do not
// exist, and confirms those of orders that shipped. An order whose payment
// failed keeps its hold for another payment; the release job its failure
// scheduled ends that.
func (s *Service) settleHolds(ctx context.Context, held []int64, res *jobs.SweepResult) error {
	rows, err := s.q.OrderStatuses(ctx, s.pool, held)
	if err != nil {
		return fmt.Errorf("sweep: statuses of held orders: %w", err)
	}
	status := make(map[int64]orders.Status, len(rows))
	for _, r := range rows {
		status[r.ID] = orders.Status(r.Status)
	}
	var shipped []int64
	for _, id := range held {
		st, ok := status[id]
		switch {
		case !ok || st == orders.StatusCancelled:
			if err := s.catalog.Release(ctx, id); err != nil {
				return fmt.Errorf("sweep: release the hold of order %d: %w", id, err)
			}
			res.Released++
		case st == orders.StatusShipped || st == orders.StatusDelivered:
			shipped = append(shipped, id)
		}
	}
	// A page of held orders is within catalog.MaxConfirm.
	if err := s.ConfirmStock(ctx, shipped); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	res.Confirmed += len(shipped)
	return nil
}
