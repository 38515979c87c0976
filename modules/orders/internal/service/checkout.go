package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/dbsqlc"
	"github.com/bookstore/bookstore/modules/orders/internal/jobs"
	"github.com/bookstore/bookstore/modules/orders/internal/payment"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/text"
)

// Address is where an order goes.
type Address struct {
	Name       string `json:"name"`
	Street     string `json:"street"`
	City       string `json:"city"`
	Region     string `json:"region"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

// PaymentInput is the payment part of a checkout.
type PaymentInput struct {
	Method string
	Card   payment.Card
}

// PlaceInput is a checkout request. Key makes it idempotent.
type PlaceInput struct {
	Key        string
	Address    Address
	ProviderID int64
	Payment    PaymentInput
}

// MaxKeyLen bounds an idempotency key.
const MaxKeyLen = 200

func checkText(fields map[string]string, name, label, v string, max int) {
	switch {
	case strings.TrimSpace(v) == "":
		fields[name] = "enter the " + label
	case utf8.RuneCountInString(v) > max:
		fields[name] = fmt.Sprintf("the %s must be at most %d characters", label, max)
	case !utf8.ValidString(v) || strings.ContainsAny(v, "\x00\r\n"):
		fields[name] = "the " + label + " contains characters that are not allowed"
	}
}

// ValidateAddress returns one message per bad field ("address.name" …).
func ValidateAddress(a Address, fields map[string]string) {
	checkText(fields, "name", "name", a.Name, 100)
	checkText(fields, "street", "street", a.Street, 200)
	checkText(fields, "city", "city", a.City, 100)
	checkText(fields, "region", "region", a.Region, 100)
	checkText(fields, "postal_code", "postal code", a.PostalCode, 20)
	if !text.IsCountryCode(a.Country) {
		fields["country"] = "enter a two-letter country code such as CO or US"
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

// validate checks everything the buyer typed and returns the provider.
func (s *Service) validate(ctx context.Context, in *PlaceInput) (dbsqlc.Provider, payment.Tokenized, error) {
	in.Address = in.Address.normalized()
	fields := map[string]string{}
	ValidateAddress(in.Address, fields)
	var prov dbsqlc.Provider
	if in.ProviderID <= 0 {
		fields["delivery_provider_id"] = "choose a delivery provider"
	} else {
		p, err := s.q.Provider(ctx, s.pool, in.ProviderID)
		switch {
		case errors.Is(err, pgx.ErrNoRows) || (err == nil && !p.Active):
			fields["delivery_provider_id"] = "choose one of the delivery providers offered"
		case err != nil:
			return prov, payment.Tokenized{}, err
		case fields["country"] == "" && p.Coverage != s.Coverage(in.Address.Country):
			fields["delivery_provider_id"] = fmt.Sprintf("%s does not deliver to %s; choose a provider offered for it", p.Name, in.Address.Country)
		default:
			prov = p
		}
	}
	var tok payment.Tokenized
	switch in.Payment.Method {
	case orders.MethodCard:
		if cf := payment.Validate(in.Payment.Card, s.now()); cf != nil {
			for k, v := range cf {
				fields["card_"+k] = v
			}
		} else {
			tok = payment.Tokenize(in.Payment.Card)
		}
	case orders.MethodWallet, orders.MethodBankTransfer:
	case "":
		fields["payment_method"] = "choose a payment method"
	default:
		fields["payment_method"] = "choose card, wallet or bank transfer"
	}
	if len(fields) > 0 {
		return prov, tok, apperr.ErrInvalid.WithFields(fields)
	}
	return prov, tok, nil
}

// requestHash identifies a checkout's body without keeping card secrets.
func requestHash(in PlaceInput, tok payment.Tokenized) string {
	b, _ := json.Marshal(struct {
		A      Address
		P      int64
		M      string
		B, L   string
		EM, EY int
	}{in.Address, in.ProviderID, in.Payment.Method, tok.Brand, tok.Last4, in.Payment.Card.ExpMonth, in.Payment.Card.ExpYear})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Place checks out the buyer's cart: it validates the input, prices the
// lines from the catalog, records the order, reserves the stock and moves
// the order to awaiting_payment with the charge job in the same
// transaction. A replay of the same key returns the same order (finishing a
// placement a crash interrupted); with another body it fails with
// ErrKeyReused. Out of stock or not for sale: the order is dropped, nothing
// is charged, and the catalog's error names the book.
func (s *Service) Place(ctx context.Context, buyer auth.User, in PlaceInput) (Order, error) {
	in.Key = strings.TrimSpace(in.Key)
	if in.Key == "" || len(in.Key) > MaxKeyLen {
		return Order{}, apperr.ErrInvalid.WithMessage("send an Idempotency-Key of 1 to 200 characters").
			WithFields(map[string]string{"idempotency_key": "required, at most 200 characters"})
	}
	prov, tok, err := s.validate(ctx, &in)
	if err != nil {
		return Order{}, err
	}
	hash := requestHash(in, tok)
	if o, err := s.q.OrderByKey(ctx, s.pool, dbsqlc.OrderByKeyParams{BuyerID: int64(buyer.ID), IdempotencyKey: in.Key}); err == nil {
		return s.replay(ctx, o, hash)
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return Order{}, err
	}

	cart, err := s.Cart(ctx, Owner{UserID: buyer.ID})
	if err != nil {
		return Order{}, err
	}
	if len(cart.Lines) == 0 {
		return Order{}, orders.ErrEmptyCart
	}
	for _, l := range cart.Lines {
		if err := lineError(l); err != nil {
			return Order{}, err
		}
	}

	var row dbsqlc.Order
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		row, err = s.q.InsertOrder(ctx, tx, dbsqlc.InsertOrderParams{
			BuyerID: int64(buyer.ID), IdempotencyKey: in.Key, RequestHash: hash,
			ShipName: in.Address.Name, ShipStreet: in.Address.Street, ShipCity: in.Address.City,
			ShipRegion: in.Address.Region, ShipPostal: in.Address.PostalCode, ShipCountry: in.Address.Country,
			ProviderID: prov.ID, ProviderName: prov.Name,
			SubtotalCents: cart.SubtotalCents, DeliveryCents: prov.CostCents, TotalCents: cart.SubtotalCents + prov.CostCents,
		})
		if errors.Is(err, pgx.ErrNoRows) {
			return errRace
		}
		if err != nil {
			return err
		}
		for _, l := range cart.Lines {
			if err := s.q.InsertOrderLine(ctx, tx, dbsqlc.InsertOrderLineParams{
				OrderID: row.ID, BookID: int64(l.BookID), SellerID: int64(l.SellerID),
				Title: l.Title, PriceCents: l.PriceCents, Quantity: int32(l.Quantity),
			}); err != nil {
				return err
			}
		}
		if err := s.q.InsertPayment(ctx, tx, dbsqlc.InsertPaymentParams{
			OrderID: row.ID, Method: in.Payment.Method, Brand: tok.Brand, Last4: tok.Last4, Token: tok.Token, AmountCents: row.TotalCents,
		}); err != nil {
			return err
		}
		a := in.Address
		return s.q.SaveAddress(ctx, tx, dbsqlc.SaveAddressParams{UserID: int64(buyer.ID), Name: a.Name, Street: a.Street, City: a.City, Region: a.Region, PostalCode: a.PostalCode, Country: a.Country})
	})
	if errors.Is(err, errRace) {
		// A concurrent request with the same key won; answer as its replay.
		o, err := s.q.OrderByKey(ctx, s.pool, dbsqlc.OrderByKeyParams{BuyerID: int64(buyer.ID), IdempotencyKey: in.Key})
		if err != nil {
			return Order{}, err
		}
		return s.replay(ctx, o, hash)
	}
	if err != nil {
		return Order{}, fmt.Errorf("place order: %w", err)
	}
	if err := s.reserveAndSubmit(ctx, row); err != nil {
		return Order{}, err
	}
	return s.load(ctx, row.ID)
}

// lineError turns a cart line's problem into the error a checkout gets.
func lineError(l CartLine) error {
	switch {
	case l.Problem == "":
		return nil
	case l.Problem == problemOwn:
		return orders.ErrOwnListing
	case l.Problem == problemSoldOut || strings.HasPrefix(l.Problem, "only "):
		return catalog.ErrOutOfStock.WithMessage(fmt.Sprintf("%q: %s", l.Title, l.Problem))
	default:
		return catalog.ErrNotForSale.WithMessage(fmt.Sprintf("%q: %s", l.Title, l.Problem))
	}
}

var errRace = errors.New("idempotency key taken concurrently")

func (s *Service) replay(ctx context.Context, o dbsqlc.Order, hash string) (Order, error) {
	if o.RequestHash != hash {
		return Order{}, orders.ErrKeyReused
	}
	if orders.Status(o.Status) == orders.StatusPending {
		if err := s.reserveAndSubmit(ctx, o); err != nil {
			return Order{}, err
		}
	}
	return s.load(ctx, o.ID)
}

// reserveAndSubmit holds the stock of a pending order, then moves it to
// awaiting_payment with its charge job. When the catalog refuses the
// stock the pending order is deleted (nothing was held or charged), so the
// buyer can fix the cart and try again with the same key.
func (s *Service) reserveAndSubmit(ctx context.Context, o dbsqlc.Order) error {
	lines, err := s.q.OrderLines(ctx, s.pool, o.ID)
	if err != nil {
		return err
	}
	cl := make([]catalog.Line, len(lines))
	for i, l := range lines {
		cl[i] = catalog.Line{BookID: catalog.BookID(l.BookID), Quantity: int(l.Quantity)}
	}
	if err := s.catalog.Reserve(ctx, o.ID, cl); err != nil {
		if errors.Is(err, catalog.ErrOutOfStock) || errors.Is(err, catalog.ErrNotForSale) || errors.Is(err, catalog.ErrNotFound) {
			if _, derr := s.q.DeletePendingOrder(ctx, s.pool, o.ID); derr != nil {
				return errors.Join(err, derr)
			}
			return err
		}
		// The sweeper cancels the pending order if no retry (same key)
		// finishes it; the buyer is told to try again, not shown a 500.
		return errors.Join(apperr.ErrUnavailable.WithMessage("your copies could not be held right now; please try again"),
			fmt.Errorf("reserve stock for order %d: %w", o.ID, err))
	}
	pay, err := s.q.Payment(ctx, s.pool, o.ID)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.transition(ctx, tx, o.ID, orders.StatusPending, orders.StatusAwaitingPayment, ""); err != nil {
			return err
		}
		opts := &river.InsertOpts{}
		if pay.Method == orders.MethodBankTransfer {
			opts.ScheduledAt = s.now().Add(s.opts.BankTransferDelay)
		}
		if _, err := s.river.InsertTx(ctx, tx, jobs.ChargeArgs{OrderID: o.ID}, opts); err != nil {
			return err
		}
		if cart, err := s.q.FindUserCart(ctx, tx, &o.BuyerID); err == nil {
			if err := s.q.ClearCart(ctx, tx, cart); err != nil {
				return err
			}
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		return s.notify(ctx, tx, o.ID, StepPlaced)
	})
	if errors.Is(err, orders.ErrStateConflict) {
		return nil // a concurrent replay or the sweeper moved it on
	}
	return err
}
