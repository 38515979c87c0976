package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/dbsqlc"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/pg"
	"github.com/bookstore/bookstore/platform/text"
)

// Line is one line of an order, priced and named when it was placed.
type Line struct {
	BookID     catalog.BookID `json:"book_id"`
	SellerID   auth.UserID    `json:"seller_id"`
	SellerName string         `json:"seller_name"`
	Title      string         `json:"title"`
	Quantity   int            `json:"quantity"`
	PriceCents int64          `json:"price_cents"`
}

// PaymentView is what an order shows of its payment.
type PaymentView struct {
	Method        string `json:"method"`
	Status        string `json:"status"`
	Brand         string `json:"brand"`
	Last4         string `json:"last4"`
	FailureReason string `json:"failure_reason"`
	// Retries counts the buyer's further payments after failed ones; a
	// retry names it (RetryInput).
	Retries int `json:"retries"`
	// RetryUntil, set while the payment failed and the order's copies are
	// held, is when paying another way stops being possible.
	RetryUntil *time.Time `json:"retry_until,omitempty"`
}

// Event is one step of a shipment's timeline.
type Event struct {
	Step  string    `json:"step"`
	Label string    `json:"label"`
	At    time.Time `json:"at"`
}

// ShipmentView is what an order shows of its shipment.
type ShipmentView struct {
	Provider       string  `json:"provider"`
	TrackingNumber string  `json:"tracking_number"`
	Events         []Event `json:"events"`
}

// Order is an order with everything its page shows. BuyerName is the
// buyer's display name when the order was placed.
type Order struct {
	ID               int64         `json:"id"`
	BuyerID          auth.UserID   `json:"buyer_id"`
	BuyerName        string        `json:"buyer_name"`
	Status           orders.Status `json:"status"`
	Reason           string        `json:"reason,omitempty"`
	Lines            []Line        `json:"lines"`
	SubtotalCents    int64         `json:"subtotal_cents"`
	DeliveryCents    int64         `json:"delivery_cents"`
	TotalCents       int64         `json:"total_cents"`
	DeliveryProvider string        `json:"delivery_provider"`
	ShippingAddress  Address       `json:"shipping_address"`
	Payment          PaymentView   `json:"payment"`
	Shipment         *ShipmentView `json:"shipment"`
	CreatedAt        time.Time     `json:"created_at"`
	UpdatedAt        time.Time     `json:"updated_at"`
}

// SellerNames lists the names of the order's sellers, each once, in the
// order of its lines.
func (o Order) SellerNames() []string {
	var names []string
	for _, l := range o.Lines {
		if !slices.Contains(names, l.SellerName) {
			names = append(names, l.SellerName)
		}
	}
	return names
}

// Cancellable reports whether the buyer may still cancel.
func (o Order) Cancellable() bool { return cancellable(o.Status) }

// cancellable says whether an order in status may still be cancelled: until
// it ships. A declined order too, whose copies are held while its buyer
// may pay another way: one who will not gives them back at once.
func cancellable(status orders.Status) bool {
	switch status {
	case orders.StatusPending, orders.StatusAwaitingPayment, orders.StatusPaid, orders.StatusPaymentFailed:
		return true
	}
	return false
}

func toOrder(o dbsqlc.Order, lines []dbsqlc.OrderLine) Order {
	out := Order{
		ID: o.ID, BuyerID: auth.UserID(o.BuyerID), BuyerName: o.BuyerName, Status: orders.Status(o.Status), Reason: o.Reason,
		SubtotalCents: o.SubtotalCents, DeliveryCents: o.DeliveryCents, TotalCents: o.TotalCents,
		DeliveryProvider: o.ProviderName,
		ShippingAddress:  Address{o.ShipName, o.ShipStreet, o.ShipCity, o.ShipRegion, o.ShipPostal, o.ShipCountry},
		CreatedAt:        o.CreatedAt, UpdatedAt: o.UpdatedAt, Lines: make([]Line, 0, len(lines)),
	}
	for _, l := range lines {
		out.Lines = append(out.Lines, Line{BookID: catalog.BookID(l.BookID), SellerID: auth.UserID(l.SellerID), SellerName: l.SellerName, Title: l.Title, Quantity: int(l.Quantity), PriceCents: l.PriceCents})
	}
	return out
}

func toPayment(p dbsqlc.Payment) PaymentView {
	return PaymentView{Method: p.Method, Status: p.Status, Brand: p.Brand, Last4: p.Last4, FailureReason: p.FailureReason, Retries: int(p.Retries)}
}

// load reads one order with its lines, payment and shipment.
func (s *Service) load(ctx context.Context, id int64) (Order, error) {
	o, err := s.q.Order(ctx, s.pool, id)
	if err != nil {
		return Order{}, notFound(err, orders.ErrNotFound)
	}
	lines, err := s.q.OrderLines(ctx, s.pool, id)
	if err != nil {
		return Order{}, err
	}
	out := toOrder(o, lines)
	if p, err := s.q.Payment(ctx, s.pool, id); err == nil {
		out.Payment = toPayment(p)
		if until := o.UpdatedAt.Add(s.opts.RetryWindow); out.Status == orders.StatusPaymentFailed && s.now().Before(until) {
			out.Payment.RetryUntil = &until
		}
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return Order{}, err
	}
	sh, err := s.q.Shipment(ctx, s.pool, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return out, nil
	}
	if err != nil {
		return Order{}, err
	}
	out.Shipment = &ShipmentView{Provider: sh.Provider, TrackingNumber: sh.TrackingNumber, Events: timeline(sh)}
	return out, nil
}

// timeline lists the steps the shipment took, in order, each at the time
// its row recorded (the label is created with the shipment).
func timeline(sh dbsqlc.Shipment) []Event {
	// When each of shipSteps happened, nil for a step still to come.
	at := []*time.Time{&sh.CreatedAt, sh.PickedUpAt, sh.InTransitAt, sh.OutForDeliveryAt, sh.DeliveredAt}
	events := make([]Event, 0, len(shipSteps))
	for i, step := range shipSteps {
		if at[i] != nil {
			events = append(events, Event{Step: step, Label: ShipStepLabel(step), At: *at[i]})
		}
	}
	return events
}

// Get returns an order to its buyer, a seller of one of its lines or an
// admin; anyone else gets ErrNotFound, so ids reveal nothing.
func (s *Service) Get(ctx context.Context, user auth.User, id int64) (Order, error) {
	o, err := s.load(ctx, id)
	if err != nil {
		return Order{}, err
	}
	if o.BuyerID == user.ID || user.IsAdmin() {
		return o, nil
	}
	return sellerView(o, user.ID)
}

// sellerView is what a seller may see of an order: their own lines, the
// buyer's shipping name and city, and the order's status, shipment and
// payment status, with the deadline until which a failed payment's copies
// stay held (their books are off sale until then). Anyone who sold nothing
// in it gets ErrNotFound.
func sellerView(o Order, seller auth.UserID) (Order, error) {
	var mine []Line
	var sub int64
	for _, l := range o.Lines {
		if l.SellerID == seller {
			mine = append(mine, l)
			sub += l.PriceCents * int64(l.Quantity)
		}
	}
	if len(mine) == 0 {
		return Order{}, orders.ErrNotFound
	}
	o.Lines = mine
	o.SubtotalCents, o.DeliveryCents, o.TotalCents = sub, 0, sub
	o.ShippingAddress = Address{Name: o.ShippingAddress.Name, City: o.ShippingAddress.City}
	o.Payment = PaymentView{Method: o.Payment.Method, Status: o.Payment.Status, RetryUntil: o.Payment.RetryUntil}
	return o, nil
}

// Page bounds a listing.
type Page struct {
	Limit, Offset int
}

func (p Page) norm() (int32, int32) {
	if p.Limit <= 0 || p.Limit > 100 {
		p.Limit = 20
	}
	if p.Offset < 0 {
		p.Offset = 0
	}
	return int32(p.Limit), int32(p.Offset)
}

func (s *Service) withDetails(ctx context.Context, rows []dbsqlc.Order) ([]Order, error) {
	ids := make([]int64, len(rows))
	for i, o := range rows {
		ids[i] = o.ID
	}
	lines, err := s.q.LinesOfOrders(ctx, s.pool, ids)
	if err != nil {
		return nil, fmt.Errorf("lines of %s: %w", ordersNamed(ids), err)
	}
	pays, err := s.q.PaymentsOf(ctx, s.pool, ids)
	if err != nil {
		return nil, fmt.Errorf("payments of %s: %w", ordersNamed(ids), err)
	}
	byOrder := map[int64][]dbsqlc.OrderLine{}
	for _, l := range lines {
		byOrder[l.OrderID] = append(byOrder[l.OrderID], l)
	}
	payOf := map[int64]dbsqlc.Payment{}
	for _, p := range pays {
		payOf[p.OrderID] = p
	}
	out := make([]Order, len(rows))
	for i, o := range rows {
		out[i] = toOrder(o, byOrder[o.ID])
		out[i].Payment = toPayment(payOf[o.ID])
	}
	return out, nil
}

// BuyerOrders lists the user's orders, newest first.
func (s *Service) BuyerOrders(ctx context.Context, user auth.User, p Page) ([]Order, error) {
	lim, off := p.norm()
	rows, err := s.q.BuyerOrders(ctx, s.pool, dbsqlc.BuyerOrdersParams{BuyerID: int64(user.ID), Lim: lim, Off: off})
	if err != nil {
		return nil, fmt.Errorf("buyer orders: %w", err)
	}
	return s.withDetails(ctx, rows)
}

// AllOrders lists every order for admins, optionally of one status.
func (s *Service) AllOrders(ctx context.Context, user auth.User, status string, p Page) ([]Order, error) {
	if !user.IsAdmin() {
		return nil, auth.ErrForbidden
	}
	if status != "" && !validStatus(status) {
		return nil, apperr.ErrInvalid.WithFields(map[string]string{"status": "unknown status"})
	}
	lim, off := p.norm()
	rows, err := s.q.AllOrders(ctx, s.pool, dbsqlc.AllOrdersParams{Status: status, Lim: lim, Off: off})
	if err != nil {
		return nil, fmt.Errorf("all orders: %w", err)
	}
	return s.withDetails(ctx, rows)
}

// Statuses lists every order status, in saga order.
var Statuses = []orders.Status{orders.StatusPending, orders.StatusAwaitingPayment, orders.StatusPaid, orders.StatusShipped, orders.StatusDelivered, orders.StatusPaymentFailed, orders.StatusCancelled}

func validStatus(s string) bool {
	for _, st := range Statuses {
		if string(st) == s {
			return true
		}
	}
	return false
}

// Sale is one line a seller sold, with only the buyer's shipping name and
// city.
type Sale struct {
	OrderID    int64          `json:"order_id"`
	BookID     catalog.BookID `json:"book_id"`
	Title      string         `json:"title"`
	Quantity   int            `json:"quantity"`
	PriceCents int64          `json:"price_cents"`
	Status     orders.Status  `json:"status"`
	BuyerName  string         `json:"buyer_name"`
	BuyerCity  string         `json:"buyer_city"`
	CreatedAt  time.Time      `json:"created_at"`
}

// Sales lists the lines of the seller's listings in orders, newest first.
func (s *Service) Sales(ctx context.Context, seller auth.User, p Page) ([]Sale, error) {
	lim, off := p.norm()
	rows, err := s.q.SellerLines(ctx, s.pool, dbsqlc.SellerLinesParams{SellerID: int64(seller.ID), Lim: lim, Off: off})
	if err != nil {
		return nil, fmt.Errorf("sales of %d: %w", seller.ID, err)
	}
	out := make([]Sale, len(rows))
	for i, r := range rows {
		out[i] = Sale{OrderID: r.OrderID, BookID: catalog.BookID(r.BookID), Title: r.Title, Quantity: int(r.Quantity), PriceCents: r.PriceCents,
			Status: orders.Status(r.Status), BuyerName: r.ShipName, BuyerCity: r.ShipCity, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// Notification is one message to a user.
type Notification struct {
	ID        int64     `json:"id"`
	OrderID   int64     `json:"order_id"`
	Step      string    `json:"step"`
	Message   string    `json:"message"`
	Read      bool      `json:"read"`
	CreatedAt time.Time `json:"created_at"`
}

// Notifications lists the user's notifications, newest first, each read
// or not as it was before this page was shown.
func (s *Service) Notifications(ctx context.Context, user auth.User, p Page) ([]Notification, error) {
	lim, off := p.norm()
	rows, err := s.q.Notifications(ctx, s.pool, dbsqlc.NotificationsParams{UserID: int64(user.ID), Lim: lim, Off: off})
	if err != nil {
		return nil, fmt.Errorf("notifications of %d: %w", user.ID, err)
	}
	out := make([]Notification, len(rows))
	for i, n := range rows {
		out[i] = Notification{ID: n.ID, OrderID: n.OrderID, Step: n.Step, Message: n.Message, Read: n.Read, CreatedAt: n.CreatedAt}
	}
	return out, nil
}

// Unread counts the user's unread notifications up to orders.UnreadCap,
// which stands for that many or more.
func (s *Service) Unread(ctx context.Context, user auth.UserID) (int, error) {
	n, err := s.q.UnreadCount(ctx, s.pool, dbsqlc.UnreadCountParams{UserID: int64(user), Lim: orders.UnreadCap})
	if err != nil {
		return 0, fmt.Errorf("unread notifications of %d: %w", user, err)
	}
	return int(n), nil
}

// MarkRead marks the user's notifications read up to upTo, the id of the
// newest one they were shown, and returns how many are unread now: those
// written while the page was on its way. It never marks read ones unread
// again (a page shown earlier, in another tab), so a repeat is harmless.
func (s *Service) MarkRead(ctx context.Context, user auth.User, upTo int64) (int, error) {
	if err := s.q.MarkRead(ctx, s.pool, dbsqlc.MarkReadParams{UserID: int64(user.ID), UpTo: upTo}); err != nil {
		return 0, fmt.Errorf("mark notifications of %d read: %w", user.ID, err)
	}
	return s.Unread(ctx, user.ID)
}

// Provider is a delivery provider.
type Provider struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Coverage  string `json:"coverage"`
	CostCents int64  `json:"cost_cents"`
	Days      int    `json:"days"`
	Active    bool   `json:"active"`
}

func toProvider(p dbsqlc.Provider) Provider {
	return Provider{ID: p.ID, Name: p.Name, Coverage: p.Coverage, CostCents: p.CostCents, Days: int(p.Days), Active: p.Active}
}

// ProvidersFor lists the active providers that deliver to a country.
func (s *Service) ProvidersFor(ctx context.Context, country string) ([]Provider, error) {
	country = strings.ToUpper(strings.TrimSpace(country))
	if !text.IsCountryCode(country) {
		return nil, apperr.ErrInvalid.WithFields(map[string]string{"country": "enter a two-letter country code such as CO or US"})
	}
	return toProviders(s.q.ActiveProviders(ctx, s.pool, s.Coverage(country)))
}

func toProviders(rows []dbsqlc.Provider, err error) ([]Provider, error) {
	if err != nil {
		return nil, err
	}
	out := make([]Provider, len(rows))
	for i, p := range rows {
		out[i] = toProvider(p)
	}
	return out, nil
}

// Providers lists every provider, active or not, for admins.
func (s *Service) Providers(ctx context.Context, user auth.User) ([]Provider, error) {
	if !user.IsAdmin() {
		return nil, auth.ErrForbidden
	}
	return toProviders(s.q.Providers(ctx, s.pool))
}

// ValidateProvider checks a provider's fields without storing them, one
// message per field, so a form shows every message at once.
func ValidateProvider(p Provider) map[string]string {
	fields := map[string]string{}
	checkText(fields, "name", "name", p.Name, 100)
	if p.Coverage != "national" && p.Coverage != "international" {
		fields["coverage"] = "choose national or international"
	}
	if p.CostCents < 0 || p.CostCents > 100_000_00 {
		fields["cost"] = "enter a cost from 0 to 100000"
	}
	if p.Days < 1 || p.Days > 90 {
		fields["days"] = "enter 1 to 90 days"
	}
	return fields
}

// CreateProvider adds a provider with the rules of UpdateProvider; admins
// only. An active one is offered at once to checkouts to the addresses its
// coverage serves: this process forgets its cache, and another process
// reloads its own when a checkout names a provider it does not know.
func (s *Service) CreateProvider(ctx context.Context, user auth.User, p Provider) (Provider, error) {
	if err := checkProvider(user, p); err != nil {
		return Provider{}, err
	}
	var row dbsqlc.Provider
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if row, err = s.q.CreateProvider(ctx, tx, dbsqlc.CreateProviderParams{Name: strings.TrimSpace(p.Name), Coverage: p.Coverage, CostCents: p.CostCents, Days: int32(p.Days), Active: p.Active}); err != nil {
			return err
		}
		return s.recordAction(ctx, tx, activity.Record{Actor: user.Actor(), Action: activity.ProviderAdd, SubjectID: row.ID, SubjectLabel: row.Name})
	})
	if err != nil {
		return Provider{}, providerError(err)
	}
	s.providers.forget()
	return toProvider(row), nil
}

// UpdateProvider edits a provider; admins only.
func (s *Service) UpdateProvider(ctx context.Context, user auth.User, p Provider) error {
	if err := checkProvider(user, p); err != nil {
		return err
	}
	name := strings.TrimSpace(p.Name)
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		changed, err := s.q.UpdateProvider(ctx, tx, dbsqlc.UpdateProviderParams{ID: p.ID, Name: name, Coverage: p.Coverage, CostCents: p.CostCents, Days: int32(p.Days), Active: p.Active})
		if errors.Is(err, pgx.ErrNoRows) {
			return orders.ErrProviderNotFound
		}
		if err != nil || !changed {
			return err
		}
		return s.recordAction(ctx, tx, activity.Record{Actor: user.Actor(), Action: activity.ProviderEdit, SubjectID: p.ID, SubjectLabel: name})
	})
	if err != nil {
		return providerError(err)
	}
	s.providers.forget()
	return nil
}

// checkProvider refuses a non-admin, then a provider with a bad field.
func checkProvider(user auth.User, p Provider) error {
	if !user.IsAdmin() {
		return auth.ErrForbidden
	}
	if fields := ValidateProvider(p); len(fields) > 0 {
		return apperr.ErrInvalid.WithFields(fields)
	}
	return nil
}

// providerError is err of a provider's write, with a taken name as the
// name field's error: the unique index on lower(name) decides, in any case
// and even between two admins.
func providerError(err error) error {
	if pg.IsUniqueViolation(err, "delivery_providers_name_key") {
		return apperr.ErrInvalid.WithFields(map[string]string{"name": "another provider has this name"})
	}
	return fmt.Errorf("save delivery provider: %w", err)
}

// SavedAddress returns the address the user last checked out with, if any.
func (s *Service) SavedAddress(ctx context.Context, user auth.UserID) (Address, bool, error) {
	a, err := s.q.SavedAddress(ctx, s.pool, int64(user))
	if errors.Is(err, pgx.ErrNoRows) {
		return Address{}, false, nil
	}
	if err != nil {
		return Address{}, false, err
	}
	return Address{a.Name, a.Street, a.City, a.Region, a.PostalCode, a.Country}, true, nil
}
