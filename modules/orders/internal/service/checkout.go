package service

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/dbsqlc"
	"github.com/bookstore/bookstore/modules/orders/internal/jobs"
	"github.com/bookstore/bookstore/modules/orders/internal/payment"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/coalesce"
	"github.com/bookstore/bookstore/platform/text"
	"github.com/bookstore/bookstore/platform/tracing"
	"github.com/bookstore/bookstore/platform/view"
)

// Address is where an order goes. Its tags bound each field as the API
// receives it (web.DecodeJSON), with the limits ValidateAddress applies.
type Address struct {
	Name       string `json:"name" maxLength:"100"`
	Street     string `json:"street" maxLength:"200"`
	City       string `json:"city" maxLength:"100"`
	Region     string `json:"region" maxLength:"100"`
	PostalCode string `json:"postal_code" maxLength:"20"`
	Country    string `json:"country"`
}

// PaymentInput is the payment part of a checkout.
type PaymentInput struct {
	Method string
	Card   payment.Card
}

// SeenLine is a cart line as the buyer was shown it before placing the
// order: the order is placed at these prices and quantities or not at all.
type SeenLine struct {
	BookID     catalog.BookID `json:"book_id"`
	Quantity   int            `json:"quantity"`
	PriceCents int64          `json:"price_cents"`
}

// PlaceInput is a checkout request. Key makes it idempotent; Lines are the
// cart as the buyer saw it, and DeliveryCents the delivery cost the buyer
// saw: the order is placed at those or not at all. Nil is refused, naming
// the cost (deliveryUnconfirmed), as a cost other than the provider's is:
// no buyer is charged a delivery cost nobody said they were shown.
type PlaceInput struct {
	Key           string
	Lines         []SeenLine
	Address       Address
	ProviderID    int64
	DeliveryCents *int64
	Payment       PaymentInput
}

// MaxKeyLen bounds an idempotency key in characters, as the API documents
// it, so that a key in any script has the same room.
const MaxKeyLen = 200

func checkText(fields map[string]string, name, label, v string, max int) {
	switch {
	case strings.TrimSpace(v) == "":
		fields[name] = "enter the " + label
	case utf8.RuneCountInString(v) > max:
		fields[name] = fmt.Sprintf("the %s must be at most %d characters", label, max)
	case text.CheckLine(v) != nil:
		fields[name] = "the " + label + " " + text.CheckLine(v).Error()
	}
}

// The keys of a checkout's field messages are the JSON paths of its API
// body, which the pages map to their form's names.
const (
	addressField = "shipping_address."
	methodField  = "payment.method"
	cardField    = "payment.card."
)

// regionCountries are the countries whose post needs the region of an
// address (a state, province, department, prefecture or emirate), as
// Google's address data (libaddressinput) requires it. Elsewhere (the
// United Kingdom, Ireland, Germany, France…) an address has none to give.
var regionCountries = map[string]bool{
	"AE": true, "AS": true, "AU": true, "BR": true, "CA": true, "CN": true, "CO": true, "CR": true,
	"ES": true, "FM": true, "HN": true, "IN": true, "IQ": true, "IT": true, "JM": true, "JP": true,
	"KR": true, "MH": true, "MM": true, "MX": true, "MY": true, "PE": true, "PH": true, "PW": true,
	"SO": true, "TH": true, "TW": true, "US": true, "VE": true,
}

// RegionRequired reports whether an address in country (an ISO code in
// capitals) must name its region; one that need not may still give it.
func RegionRequired(country string) bool { return regionCountries[country] }

// ValidateAddress adds one message per bad field to fields
// ("shipping_address.name" …).
func ValidateAddress(a Address, fields map[string]string) {
	checkText(fields, addressField+"name", "name", a.Name, 100)
	checkText(fields, addressField+"street", "street", a.Street, 200)
	checkText(fields, addressField+"city", "city", a.City, 100)
	if RegionRequired(a.Country) || strings.TrimSpace(a.Region) != "" {
		checkText(fields, addressField+"region", "region", a.Region, 100)
	}
	checkText(fields, addressField+"postal_code", "postal code", a.PostalCode, 20)
	if !text.IsCountryCode(a.Country) {
		fields[addressField+"country"] = "enter a two-letter country code such as CO or US"
	}
}

func (a Address) normalized() Address {
	t := strings.TrimSpace
	return Address{t(a.Name), t(a.Street), t(a.City), t(a.Region), t(a.PostalCode), strings.ToUpper(t(a.Country))}
}

// Coverage returns the providers' coverage for a country.
func (s *Service) Coverage(country string) string {
	if strings.EqualFold(country, s.opts.HomeCountry) {
		return "national"
	}
	return "international"
}

// validate checks everything the buyer typed.
func (s *Service) validate(ctx context.Context, in *PlaceInput) (payment.Tokenized, error) {
	in.Address = in.Address.normalized()
	fields := map[string]string{}
	ValidateAddress(in.Address, fields)
	if in.ProviderID <= 0 {
		fields["delivery_provider_id"] = "choose a delivery provider"
	} else {
		countryOK := fields[addressField+"country"] == ""
		p, ok, err := s.provider(ctx, in.ProviderID, false)
		if err == nil && s.providerProblem(p, ok, in.Address.Country, countryOK) != "" {
			// The cache may be behind an edit made by another process:
			// look again before refusing.
			p, ok, err = s.provider(ctx, in.ProviderID, true)
		}
		if err != nil {
			return payment.Tokenized{}, err
		}
		if msg := s.providerProblem(p, ok, in.Address.Country, countryOK); msg != "" {
			fields["delivery_provider_id"] = msg
		}
	}
	if d := in.DeliveryCents; d != nil && (*d < 0 || *d > maxSeenPrice) {
		fields["delivery_cents"] = "send the delivery cost the buyer was shown, in cents"
	}
	tok := s.validatePayment(in.Payment, fields)
	if len(fields) > 0 {
		return tok, apperr.ErrInvalid.WithFields(fields)
	}
	return tok, nil
}

// providerProblem says why an order to country cannot go with the provider
// (known reports whether it exists), or returns "". The coverage is checked
// only for a valid country.
func (s *Service) providerProblem(p dbsqlc.Provider, known bool, country string, countryOK bool) string {
	switch {
	case !known || !p.Active:
		return "choose one of the delivery providers offered"
	case countryOK && p.Coverage != s.Coverage(country):
		return fmt.Sprintf("%s does not deliver to %s; choose a provider offered for it", text.Isolate(p.Name), country)
	}
	return ""
}

// providerCache holds the delivery providers, a handful of rows admins
// rarely edit, so a checkout is validated without a round trip for its
// provider (the profile of issue #11 counted it as one of the checkout's
// 19 statements). It only words the form's messages: PlaceOrder reads the
// provider again in its own statement and refuses one that is no longer
// active or covering the address, so a stale entry (an edit made through
// another process) can never place an order; that refusal, and any
// provider the cache refuses, reloads it.
type providerCache struct {
	mu   sync.Mutex
	byID map[int64]dbsqlc.Provider
}

func (c *providerCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byID = nil
}

// provider returns a delivery provider from the cache, loading every
// provider first when the cache is empty or fresh is set; ok is false when
// there is no such provider.
func (s *Service) provider(ctx context.Context, id int64, fresh bool) (p dbsqlc.Provider, ok bool, err error) {
	c := &s.providers
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil || fresh {
		rows, err := s.q.Providers(ctx, s.pool)
		if err != nil {
			return p, false, fmt.Errorf("delivery providers: %w", err)
		}
		c.byID = make(map[int64]dbsqlc.Provider, len(rows))
		for _, r := range rows {
			c.byID[r.ID] = r
		}
	}
	p, ok = c.byID[id]
	return p, ok, nil
}

// validatePayment checks the payment the buyer chose, adding what is wrong
// to fields, and tokenizes a card.
func (s *Service) validatePayment(p PaymentInput, fields map[string]string) payment.Tokenized {
	var tok payment.Tokenized
	switch p.Method {
	case orders.MethodCard:
		if cf := payment.Validate(p.Card, s.now()); cf != nil {
			for k, v := range cf {
				fields[cardField+k] = v
			}
		} else {
			tok = payment.Tokenize(p.Card)
		}
	case orders.MethodWallet, orders.MethodBankTransfer:
	case "":
		fields[methodField] = "choose a payment method"
	default:
		fields[methodField] = "choose card, wallet or bank transfer"
	}
	return tok
}

// requestHash identifies a checkout's body without keeping card secrets.
func requestHash(in PlaceInput, tok payment.Tokenized) string {
	b, _ := json.Marshal(struct {
		A      Address
		S      []SeenLine
		P      int64
		M      string
		B, L   string
		EM, EY int
		// Left out when not sent, so a checkout that sends none hashes
		// as it did before the field existed (a replay across a deploy).
		D *int64 `json:",omitempty"`
	}{in.Address, in.Lines, in.ProviderID, in.Payment.Method, tok.Brand, tok.Last4, in.Payment.Card.ExpMonth, in.Payment.Card.ExpYear, in.DeliveryCents})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// maxSeenPrice bounds a price a client says it saw, so it fits any column.
const maxSeenPrice = 1 << 40

// validateSeen checks the lines a client sent as shown to the buyer and
// returns them sorted by book id.
func validateSeen(lines []SeenLine) ([]SeenLine, error) {
	bad := func(msg string) error {
		return apperr.ErrInvalid.WithMessage(msg).WithFields(map[string]string{"lines": msg})
	}
	if len(lines) == 0 {
		return nil, bad("send the cart lines the buyer was shown (book_id, quantity, price_cents of each)")
	}
	if len(lines) > MaxCartLines {
		return nil, bad(fmt.Sprintf("at most %d lines", MaxCartLines))
	}
	out := slices.Clone(lines)
	slices.SortFunc(out, func(a, b SeenLine) int { return cmp.Compare(a.BookID, b.BookID) })
	for i, l := range out {
		switch {
		case l.BookID <= 0:
			return nil, bad("every line needs a book_id")
		case l.Quantity < 1 || l.Quantity > MaxQuantity:
			return nil, bad(fmt.Sprintf("every quantity must be from 1 to %d", MaxQuantity))
		case l.PriceCents < 0 || l.PriceCents > maxSeenPrice:
			return nil, bad("every price_cents must be a price in cents")
		case i > 0 && out[i-1].BookID == l.BookID:
			return nil, bad(fmt.Sprintf("book %d is listed twice", l.BookID))
		}
	}
	return out, nil
}

// Place checks out the buyer's cart at the prices the buyer was shown
// (in.Lines): it validates the input, compares those lines, priced by the
// catalog now, with what the buyer saw, and then, in one statement, takes
// the cart, provided it holds exactly those lines, and records the pending
// order. The catalog holds the copies at those prices; then the order
// moves to awaiting_payment with the charge job in one transaction. Only
// one of several checkouts racing for a cart gets its lines; the others
// fail with ErrCartChanged, as does a checkout whose cart, prices or
// delivery cost changed since the buyer looked, or that sends no delivery
// cost (its message says what changed, or what to confirm). A replay
// of the same key returns the same order (finishing a placement a crash
// interrupted); with another body it fails with ErrKeyReused. When the
// catalog refuses the stock the order is dropped, its lines go back to the
// cart, nothing is charged, and the catalog's error names the book.
func (s *Service) Place(ctx context.Context, buyer auth.User, in PlaceInput) (Order, error) {
	in.Key = strings.TrimSpace(in.Key)
	if in.Key == "" || utf8.RuneCountInString(in.Key) > MaxKeyLen {
		return Order{}, apperr.ErrInvalid.WithMessage("send an Idempotency-Key of 1 to 200 characters").
			WithFields(map[string]string{"idempotency_key": "required, at most 200 characters"})
	}
	tok, err := s.validate(ctx, &in)
	if err != nil {
		return Order{}, err
	}
	hash := requestHash(in, tok)
	if in.DeliveryCents == nil {
		// A checkout placed before the cost was required, sent again with
		// its key, still answers its order.
		return s.replayOr(ctx, buyer.ID, in.Key, hash, func() error { return s.deliveryUnconfirmed(ctx, in) })
	}
	o, err := s.place(ctx, buyer, in, tok, hash, true)
	if errors.Is(err, errStaleBooks) {
		o, err = s.place(ctx, buyer, in, tok, hash, false)
	}
	return o, err
}

// errStaleBooks: the catalog refused to hold an order placed from books
// this process remembered (see bookTTL); the order was dropped, and the
// checkout runs again from the catalog's books as they are now.
var errStaleBooks = errors.New("the catalog refused an order placed from remembered books")

// place is Place once the input is valid; remembered lets it price the
// lines from books a cart read moments ago.
func (s *Service) place(ctx context.Context, buyer auth.User, in PlaceInput, tok payment.Tokenized, hash string, remembered bool) (Order, error) {
	lines, fromCache, err := s.shownLines(ctx, buyer.ID, in.Lines, remembered)
	if errors.Is(err, errNotAsShown) {
		fromCache = false
		lines, err = s.cartAsShown(ctx, buyer.ID, in.Lines)
	}
	if err != nil {
		// A replay finds its cart taken (and maybe its last copies held)
		// by the order it placed: the key is looked up only then, sparing
		// the common path a round trip (a key used before with this cart
		// is caught by PlaceOrder).
		return s.replayOr(ctx, buyer.ID, in.Key, hash, func() error { return err })
	}

	p := dbsqlc.PlaceOrderParams{
		BuyerID: int64(buyer.ID), BuyerName: buyer.Name, IdempotencyKey: in.Key, RequestHash: hash,
		ShipName: in.Address.Name, ShipStreet: in.Address.Street, ShipCity: in.Address.City,
		ShipRegion: in.Address.Region, ShipPostal: in.Address.PostalCode, ShipCountry: in.Address.Country,
		ProviderID: in.ProviderID, Coverage: s.Coverage(in.Address.Country), DeliveryCents: *in.DeliveryCents,
		Method: in.Payment.Method, Brand: tok.Brand, Last4: tok.Last4, Token: tok.Token,
	}
	claim := make([]string, len(lines))
	for i, l := range lines {
		p.BookIds = append(p.BookIds, int64(l.BookID))
		p.SellerIds = append(p.SellerIds, int64(l.SellerID))
		p.SellerNames = append(p.SellerNames, l.SellerName)
		p.Titles = append(p.Titles, l.Title)
		p.Prices = append(p.Prices, l.PriceCents)
		p.Quantities = append(p.Quantities, int32(l.Quantity))
		p.SubtotalCents += l.PriceCents * int64(l.Quantity)
		claim[i] = fmt.Sprintf("%d:%d", l.BookID, l.Quantity)
	}
	p.Claim = strings.Join(claim, ",")
	row, err := s.q.PlaceOrder(ctx, s.pool, p)
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
	case errors.As(err, &pgErr) && pgErr.Code == "23502" && pgErr.ColumnName == "request_hash":
		// The cart is not as shown: taken by this key's order (a replay)
		// or by another tab's, or changed meanwhile.
		return s.replayOr(ctx, buyer.ID, in.Key, hash, func() error { return s.cartChanged(ctx, buyer.ID, in.Lines) })
	case errors.As(err, &pgErr) && pgErr.Code == "23502" && pgErr.ColumnName == "provider_name":
		return Order{}, s.providerRefused(ctx, in)
	case errors.As(err, &pgErr) && pgErr.Code == "23502" && pgErr.ColumnName == "delivery_cents":
		return Order{}, s.deliveryChanged(ctx, in)
	case errors.As(err, &pgErr) && pgErr.Code == "23505":
		// A concurrent request with the same key won; answer as its replay.
		return s.replayOr(ctx, buyer.ID, in.Key, hash, func() error { return fmt.Errorf("place order: %w", err) })
	default:
		return Order{}, fmt.Errorf("place order: %w", err)
	}
	o := dbsqlc.Order(row)
	if err := s.reserveAndSubmit(ctx, o, lines, in.Payment.Method); err != nil {
		if fromCache && refused(err) {
			s.books.forget(lines)
			return Order{}, errStaleBooks
		}
		return Order{}, err
	}
	o.Status = string(orders.StatusAwaitingPayment)
	out := toOrder(o, nil)
	out.Lines = lines
	out.Payment = PaymentView{Method: in.Payment.Method, Status: "pending", Brand: tok.Brand, Last4: tok.Last4}
	return out, nil
}

// errNotAsShown: a line the buyer was shown cannot be ordered as shown; the
// whole cart is then read to say why.
var errNotAsShown = errors.New("a line is not as the buyer was shown it")

// shownLines prices the lines the buyer was shown with the catalog now
// (or, if remembered allows and it can, with the books a cart read moments
// ago, reporting fromCache) and returns the order's lines, sparing the
// common path the read of the cart: PlaceOrder takes the cart only if it
// holds exactly these lines. It fails with errNotAsShown when a line is not
// as shown or cannot be bought.
func (s *Service) shownLines(ctx context.Context, buyer auth.UserID, shown []SeenLine, remembered bool) (lines []Line, fromCache bool, err error) {
	seen, err := validateSeen(shown)
	if err != nil {
		return nil, false, errNotAsShown
	}
	ids := make([]catalog.BookID, len(seen))
	for i, l := range seen {
		ids[i] = l.BookID
	}
	var books map[catalog.BookID]catalog.Book
	if remembered {
		books, fromCache = s.books.get(ids, s.now())
	}
	if !fromCache {
		if books, err = s.catalog.Books(ctx, ids); err != nil {
			return nil, false, fmt.Errorf("checkout books: %w", err)
		}
	}
	lines = make([]Line, len(seen))
	for i, sl := range seen {
		b, ok := books[sl.BookID]
		if !ok || b.PriceCents != sl.PriceCents || lineProblem(b, buyer, sl.Quantity) != "" {
			return nil, false, errNotAsShown
		}
		lines[i] = Line{BookID: b.ID, SellerID: b.SellerID, SellerName: b.SellerName, Title: b.Title, Quantity: sl.Quantity, PriceCents: b.PriceCents}
	}
	return lines, fromCache, nil
}

// cartAsShown reads the buyer's cart, priced by the catalog now, and
// returns the order's lines, or why it cannot check out as shown.
func (s *Service) cartAsShown(ctx context.Context, buyer auth.UserID, shown []SeenLine) ([]Line, error) {
	cart, err := s.Cart(ctx, Owner{UserID: buyer})
	if err != nil {
		return nil, err
	}
	return checkCart(cart, shown)
}

// cartChanged says how the cart differs from what the buyer was shown,
// once PlaceOrder found that it does.
func (s *Service) cartChanged(ctx context.Context, buyer auth.UserID, shown []SeenLine) error {
	if _, err := s.cartAsShown(ctx, buyer, shown); err != nil {
		return err
	}
	return orders.ErrCartChanged.WithMessage("Your cart changed while the order was being placed (was it placed from another tab?). Nothing was charged; please review your cart.")
}

// providerRefused words PlaceOrder's refusal of a provider the cache
// offered: it was deactivated or its coverage changed since.
func (s *Service) providerRefused(ctx context.Context, in PlaceInput) error {
	s.providers.forget()
	if _, err := s.validate(ctx, &in); err != nil {
		return err
	}
	return apperr.ErrInvalid.WithFields(map[string]string{"delivery_provider_id": "choose one of the delivery providers offered"})
}

// deliveryChanged words PlaceOrder's refusal of a delivery cost other than
// the one the buyer was shown, as a changed book price is refused (the
// cart is kept and nothing is charged), naming the cost now.
func (s *Service) deliveryChanged(ctx context.Context, in PlaceInput) error {
	p, ok, err := s.provider(ctx, in.ProviderID, true)
	if err != nil {
		return err
	}
	if msg := s.providerProblem(p, ok, in.Address.Country, true); msg != "" {
		// Edited again since the statement read it.
		return apperr.ErrInvalid.WithFields(map[string]string{"delivery_provider_id": msg})
	}
	return orders.ErrCartChanged.WithMessage(deliveryChangedMessage(p.Name, *in.DeliveryCents, p.CostCents))
}

// deliveryUnconfirmed refuses a checkout that says no delivery cost was
// shown (an API client that leaves delivery_cents out), as one shown
// another cost is: nothing is held or charged, the cart is kept, and the
// answer names the cost, which the client shows and sends to place it.
func (s *Service) deliveryUnconfirmed(ctx context.Context, in PlaceInput) error {
	p, _, err := s.provider(ctx, in.ProviderID, false)
	if err != nil {
		return err
	}
	return orders.ErrCartChanged.WithMessage(fmt.Sprintf("Delivery by %s costs %s, which the order did not confirm. Nothing was charged; please review the total and place the order again.", p.Name, view.Money(p.CostCents))).
		WithFields(map[string]string{"delivery_cents": fmt.Sprintf("send the delivery cost the buyer was shown: %d for %s now", p.CostCents, p.Name)})
}

// deliveryChangedMessage is worded for both ways the cost shown can
// differ: the provider was repriced, or the buyer chose another one on a
// page that could not update its total (no JavaScript).
func deliveryChangedMessage(provider string, shown, now int64) string {
	return fmt.Sprintf("Delivery by %s costs %s, not the %s in the total you were shown. Nothing was charged; please review the new total and place the order again.",
		provider, view.Money(now), view.Money(shown))
}

// ShownChanges says how the cart and the delivery by p (nil when none is
// offered), as a checkout page shows them now, differ from the lines and
// delivery cost (nil when none was sent) a buyer was shown before, in the
// words of Place's refusal; "" when they do not. A form sent back for its
// fields shows the page again at the prices now, which would otherwise be
// placed on the next submit without the buyer being told they changed.
func ShownChanges(cart Cart, lines []SeenLine, delivery *int64, p *Provider) string {
	var changes []string
	if _, err := checkCart(cart, lines); errors.Is(err, orders.ErrCartChanged) {
		changes = append(changes, apperr.As(err).Message)
	}
	// A negative cost is one that could not be read, which has a message
	// of its own.
	if delivery != nil && *delivery >= 0 && p != nil && *delivery != p.CostCents {
		changes = append(changes, deliveryChangedMessage(p.Name, *delivery, p.CostCents))
	}
	return strings.Join(changes, " ")
}

// replayOr answers as the replay of the order key placed, if there is one,
// and otherwise with the error cause returns.
func (s *Service) replayOr(ctx context.Context, buyer auth.UserID, key, hash string, cause func() error) (Order, error) {
	o, err := s.q.OrderByKey(ctx, s.pool, dbsqlc.OrderByKeyParams{BuyerID: int64(buyer), IdempotencyKey: key})
	switch {
	case err == nil:
		return s.replay(ctx, o, hash)
	case errors.Is(err, pgx.ErrNoRows):
		return Order{}, cause()
	}
	return Order{}, fmt.Errorf("order by key: %w", err)
}

// checkCart says why the cart cannot check out as the buyer saw it (empty,
// a line with a problem, or different from what was shown), or returns the
// order's lines.
func checkCart(cart Cart, shown []SeenLine) ([]Line, error) {
	if len(cart.Lines) == 0 && len(shown) > 0 {
		return nil, orders.ErrCartChanged.WithMessage("Your cart is empty now (was the order placed from another tab? See your orders). Nothing was charged.")
	}
	if len(cart.Lines) == 0 {
		return nil, orders.ErrEmptyCart
	}
	for _, l := range cart.Lines {
		if err := lineError(l); err != nil {
			return nil, err
		}
	}
	seen, err := validateSeen(shown)
	if err != nil {
		return nil, err
	}
	return matchSeen(cart, seen)
}

// matchSeen compares the priced cart with the lines the buyer saw. It
// returns the order's lines, or ErrCartChanged saying what differs.
func matchSeen(cart Cart, seen []SeenLine) ([]Line, error) {
	byID := make(map[catalog.BookID]CartLine, len(cart.Lines))
	for _, l := range cart.Lines {
		byID[l.BookID] = l
	}
	var changes []string
	lines := make([]Line, 0, len(seen))
	for _, sl := range seen {
		l, ok := byID[sl.BookID]
		switch {
		case !ok:
			changes = append(changes, fmt.Sprintf("book %d is no longer in your cart", sl.BookID))
			continue
		case l.PriceCents != sl.PriceCents:
			changes = append(changes, fmt.Sprintf("the price of %s changed from %s to %s", text.Quote(l.Title), view.Money(sl.PriceCents), view.Money(l.PriceCents)))
		case l.Quantity != sl.Quantity:
			changes = append(changes, fmt.Sprintf("the quantity of %s changed from %d to %d", text.Quote(l.Title), sl.Quantity, l.Quantity))
		}
		delete(byID, sl.BookID)
		lines = append(lines, Line{BookID: l.BookID, SellerID: l.SellerID, SellerName: l.SellerName, Title: l.Title, Quantity: l.Quantity, PriceCents: l.PriceCents})
	}
	for _, l := range cart.Lines {
		if _, extra := byID[l.BookID]; extra {
			changes = append(changes, text.Quote(l.Title)+" was added to your cart")
		}
	}
	if len(changes) > 0 {
		return nil, orders.ErrCartChanged.WithMessage("Your cart changed since you saw it: " + strings.Join(changes, "; ") + ". Nothing was charged; please review the order and place it again.")
	}
	return lines, nil
}

// lineError turns a cart line's problem into the error a checkout gets.
func lineError(l CartLine) error {
	switch {
	case l.Problem == "":
		return nil
	case l.Problem == problemOwn:
		return catalog.ErrOwnListing
	case l.Problem == problemSoldOut || strings.HasPrefix(l.Problem, "only "):
		return catalog.ErrOutOfStock.WithMessage(text.Quote(l.Title) + ": " + l.Problem)
	default:
		return catalog.ErrNotForSale.WithMessage(text.Quote(l.Title) + ": " + l.Problem)
	}
}

func (s *Service) replay(ctx context.Context, o dbsqlc.Order, hash string) (Order, error) {
	if o.RequestHash != hash {
		return Order{}, orders.ErrKeyReused
	}
	if orders.Status(o.Status) == orders.StatusPending {
		rows, err := s.q.OrderLines(ctx, s.pool, o.ID)
		if err != nil {
			return Order{}, err
		}
		pay, err := s.q.Payment(ctx, s.pool, o.ID)
		if err != nil {
			return Order{}, err
		}
		if err := s.reserveAndSubmit(ctx, o, toOrder(o, rows).Lines, pay.Method); err != nil {
			return Order{}, err
		}
	}
	return s.load(ctx, o.ID)
}

// RetryInput is another payment of an order whose payment failed. Retries
// is the payment's retry count the buyer's page showed (PaymentView.Retries).
type RetryInput struct {
	Retries int
	Payment PaymentInput
}

// RetryPayment pays an order whose payment failed another way, while its
// copies are still held (RetryWindow after the failure): the order goes
// back to awaiting_payment with a new payment attempt and its charge job,
// in one transaction. It is idempotent: the same retry sent twice (the
// same Retries, a valid payment) pays once, the second answering as the
// first did, whatever became of the order since. Once the window is over,
// or the order was cancelled, it is refused and the books are back in the
// buyer's cart. Others' orders are not found.
func (s *Service) RetryPayment(ctx context.Context, buyer auth.User, orderID int64, in RetryInput) error {
	if in.Retries < 0 || in.Retries > math.MaxInt32 {
		return apperr.ErrInvalid.WithFields(map[string]string{"retries": "send the order's payment.retries as you read it"})
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		o, err := s.q.OrderForUpdate(ctx, tx, orderID)
		if err != nil {
			return notFound(err, orders.ErrNotFound)
		}
		if o.BuyerID != int64(buyer.ID) {
			return orders.ErrNotFound
		}
		pay, err := s.q.Payment(ctx, tx, orderID)
		if err != nil {
			return err
		}
		made := int(pay.Retries) > in.Retries
		if !made && (orders.Status(o.Status) != orders.StatusPaymentFailed || !s.now().Before(o.UpdatedAt.Add(s.opts.RetryWindow))) {
			return orders.ErrCannotPay
		}
		// The payment is checked once the order is known to take one (or
		// to have taken this one): a form sent for an order that can no
		// longer be paid is answered with that, not with fields its page
		// no longer shows. A payment that is not valid was not the retry
		// made, whatever its count.
		fields := map[string]string{}
		tok := s.validatePayment(in.Payment, fields)
		if len(fields) > 0 {
			return apperr.ErrInvalid.WithFields(fields)
		}
		if made {
			return nil
		}
		p := stepParams([]int64{orderID}, orders.StatusPaymentFailed, orders.StatusAwaitingPayment, "", StepPaidAgain)
		p.Step = attemptStep(p.Step, int32(in.Retries))
		if err := s.move(ctx, tx, p); err != nil {
			return err
		}
		n, err := s.q.RetryPayment(ctx, tx, dbsqlc.RetryPaymentParams{OrderID: orderID, Retries: int32(in.Retries),
			Method: in.Payment.Method, Brand: tok.Brand, Last4: tok.Last4, Token: tok.Token})
		if err != nil {
			return err
		}
		if n == 0 {
			return orders.ErrStateConflict
		}
		charge := s.chargeJob(orderID, in.Payment.Method)
		_, err = s.river.InsertTx(ctx, tx, charge.Args, charge.InsertOpts)
		return err
	})
}

// chargeJob is the charge job of an order now awaiting payment; a bank
// transfer is confirmed by the simulated bank after its delay.
func (s *Service) chargeJob(orderID int64, method string) river.InsertManyParams {
	opts := &river.InsertOpts{}
	if method == orders.MethodBankTransfer {
		opts.ScheduledAt = s.now().Add(s.opts.BankTransferDelay)
	}
	return river.InsertManyParams{Args: jobs.ChargeArgs{OrderID: orderID, Method: method}, InsertOpts: opts}
}

// finishTimeout bounds each step of a checkout whose cart has become a
// pending order (holding its copies; dropping it and giving the cart
// back), which no request's deadline does: see reserveAndSubmit.
const finishTimeout = 30 * time.Second

// reserveAndSubmit holds the stock of a pending order at its lines' prices,
// then moves it to awaiting_payment with its charge job. When the catalog
// refuses, or cannot be reached, the pending order is dropped and its lines
// go back to the cart (nothing was charged), so the buyer can look again
// and retry. A refusal is returned as the catalog's error; only an
// unreachable catalog is "try again".
//
// The cart is already an order, so every step runs detached from ctx's
// cancellation and deadline, keeping its trace (coalesce.Detach, as
// s.submissions' batches do): a buyer who closes the tab, or a request
// whose deadline passes while the listings are locked, finds the order or
// the cart as it was, not an emptied cart and an order left pending, its
// copies perhaps held, until the sweeper resolves it after --order-timeout.
func (s *Service) reserveAndSubmit(ctx context.Context, o dbsqlc.Order, lines []Line, method string) error {
	r := catalog.Reservation{OrderID: o.ID, BuyerID: auth.UserID(o.BuyerID), Lines: make([]catalog.Line, len(lines))}
	for i, l := range lines {
		r.Lines[i] = catalog.Line{BookID: l.BookID, Quantity: l.Quantity, PriceCents: l.PriceCents, SellerID: l.SellerID, Title: l.Title}
	}
	rctx, cancel := coalesce.Detach(ctx, finishTimeout)
	defer cancel()
	if err := s.catalog.Reserve(rctx, r); err != nil {
		return s.abandon(ctx, o.ID, err)
	}
	// An order not moved was moved on by a concurrent replay or the sweeper.
	_, err := s.submissions.Do(rctx, submission{ctx: rctx, orderID: o.ID, method: method})
	return err
}

// submission is a pending order whose copies are held, to move to
// awaiting payment with its charge job; ctx is its checkout's, whose trace
// the job carries on.
type submission struct {
	ctx     context.Context
	orderID int64
	method  string
}

// maxSubmissions bounds the orders one transaction of submit moves.
const maxSubmissions = 100

// submitTimeout bounds a batch of submit, which no request's deadline does
// (s.submissions is detached).
const submitTimeout = 30 * time.Second

// submit is the batch of s.submissions: one transaction moves the orders
// of the checkouts that held their copies at the same time to
// awaiting_payment (one Transition, in id order, so that concurrent
// batches lock rows in one order) and inserts their charge jobs in one
// statement, each carrying its own checkout's trace (the batch runs in
// its leader's). No checkout's cancellation reaches the batch
// (s.submissions is detached), so a buyer who leaves (the leader's client
// too) fails no one else's checkout. It answers, per submission, whether
// its order moved; an order submitted twice in one batch moves once.
func (s *Service) submit(ctx context.Context, batch []submission) ([]bool, error) {
	subs := inOrder(batch, submission.order)
	ids := make([]int64, len(subs))
	for i, sub := range subs {
		ids[i] = sub.orderID
	}
	var moved map[int64]bool
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if moved, err = s.moveSome(ctx, tx, stepParams(ids, orders.StatusPending, orders.StatusAwaitingPayment, "", StepPlaced)); err != nil {
			return err
		}
		charges := make([]river.InsertManyParams, 0, len(moved))
		for _, sub := range subs {
			if moved[sub.orderID] {
				charge := s.chargeJob(sub.orderID, sub.method)
				charge.InsertOpts.Metadata = tracing.JobMetadata(sub.ctx)
				charges = append(charges, charge)
			}
		}
		if len(charges) == 0 { // River refuses an empty insert
			return nil
		}
		if _, err := s.river.InsertManyTx(ctx, tx, charges); err != nil {
			return fmt.Errorf("insert %d charge jobs: %w", len(charges), err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return answers(batch, submission.order, moved), nil
}

func (sub submission) order() int64 { return sub.orderID }

// abandon drops a pending order whose copies could not be held and gives
// its lines back to the cart. A permanent refusal (an apperr other than
// Unavailable or Internal) is returned as it is; anything else becomes
// "try again", after releasing whatever the lost call may have held (if
// that fails too, the sweeper releases holds of orders that do not exist).
// It runs detached from ctx with a budget of its own, which a reservation
// that used up its own leaves intact.
func (s *Service) abandon(ctx context.Context, orderID int64, cause error) error {
	ctx, cancel := coalesce.Detach(ctx, finishTimeout)
	defer cancel()
	permanent := refused(cause)
	var releaseErr error
	if !permanent {
		releaseErr = s.catalog.Release(ctx, orderID)
	}
	if _, err := s.q.AbandonPendingOrder(ctx, s.pool, orderID); err != nil {
		return errors.Join(cause, err)
	}
	if permanent {
		return cause
	}
	return errors.Join(apperr.ErrUnavailable.WithMessage("your copies could not be held right now; nothing was charged and your cart is as it was, so please try again"),
		fmt.Errorf("reserve stock for order %d: %w", orderID, cause), releaseErr)
}

// refused reports whether err is a permanent refusal (an apperr other than
// Unavailable or Internal), as opposed to a failure to ask.
func refused(err error) bool {
	kind := apperr.KindOf(err)
	return apperr.As(err) != nil && kind != apperr.Unavailable && kind != apperr.Internal
}
