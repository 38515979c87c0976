// Package service implements the catalog: listings and their rules, search,
// photos and the stock reservations the orders module makes. Every exported
// method is one transaction; rules and authorization live here, never in
// handlers.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/dbsqlc"
	"github.com/bookstore/bookstore/modules/catalog/internal/photos"
	"github.com/bookstore/bookstore/platform/coalesce"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/riverfx"
)

var _ catalog.Service = (*Service)(nil)

// Defaults of Options.
const (
	DefaultMaxPriceCents = 1_000_000 // $10,000.00
	DefaultCurrency      = "USD"
)

// Options tune the service; nil means defaults.
type Options struct {
	// MaxPriceCents is the highest price a listing may ask.
	MaxPriceCents int64
	// Currency is the shop currency, an ISO 4217 code.
	Currency string
	// Photos stores listing photos; nil keeps them in memory (tests).
	Photos photos.Store
	// Log receives what is worth an operator's attention.
	Log *slog.Logger
	// Now is the clock, for tests of the publication-year rule.
	NowFunc func() time.Time
	// PhotoDecodes is how many photos are processed at once; 0 means
	// DefaultPhotoDecodes, sized to the machine.
	PhotoDecodes int
	// Jobs inserts the jobs that match listings against want lists, in the
	// transaction of the change; nil matches nothing (bookstore seed, and
	// tests of other things).
	Jobs *riverfx.Inserter
	// Outbox writes want-alert emails in the transaction that records the
	// match; nil only stores them, with links to localhost (tests).
	Outbox *mail.Outbox
}

// Service is the catalog.
type Service struct {
	pool *pgxpool.Pool
	q    *dbsqlc.Queries
	opts Options
	// decodes holds one token per photo being decoded.
	decodes chan struct{}
	// estimates are recent planner estimates of searches' matches.
	estimates estimates
	// reservations holds the reservations that arrive together at once.
	reservations *coalesce.Batcher[reservation, error]
}

// New returns the service over pool.
func New(pool *pgxpool.Pool, opts *Options) *Service {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.MaxPriceCents <= 0 {
		o.MaxPriceCents = DefaultMaxPriceCents
	}
	if o.Currency == "" {
		o.Currency = DefaultCurrency
	}
	if o.Photos == nil {
		o.Photos = photos.NewMemStore()
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.NowFunc == nil {
		o.NowFunc = time.Now
	}
	if o.PhotoDecodes <= 0 {
		o.PhotoDecodes = DefaultPhotoDecodes()
	}
	if o.Outbox == nil {
		o.Outbox = mail.NewOutbox(nil, "http://localhost:8080", false)
	}
	s := &Service{pool: pool, q: dbsqlc.New(), opts: o, decodes: make(chan struct{}, o.PhotoDecodes)}
	s.reservations = coalesce.NewDetached(maxReservations, reserveTimeout, s.reserveBatch)
	return s
}

// MaxPriceCents is the configured price ceiling, for forms to show.
func (s *Service) MaxPriceCents() int64 { return s.opts.MaxPriceCents }

// Currency is the shop currency.
func (s *Service) Currency() string { return s.opts.Currency }

func (s *Service) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// Books implements catalog.Service.
func (s *Service) Books(ctx context.Context, ids []catalog.BookID) (map[catalog.BookID]catalog.Book, error) {
	raw := make([]int64, len(ids))
	for i, id := range ids {
		raw[i] = int64(id)
	}
	out, err := s.booksByIDs(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("books: %w", err)
	}
	return out, nil
}

// booksByIDs reads the listings of ids that exist, by id.
func (s *Service) booksByIDs(ctx context.Context, ids []int64) (map[catalog.BookID]catalog.Book, error) {
	rows, err := s.q.BooksByIDs(ctx, s.pool, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[catalog.BookID]catalog.Book, len(rows))
	for _, r := range rows {
		out[catalog.BookID(r.ID)] = bookOf(r)
	}
	return out, nil
}

// bookOf is a listing as BooksByIDs, and PhotoBook, read it.
func bookOf(r dbsqlc.BooksByIDsRow) catalog.Book {
	return publicBook(dbsqlc.Listing{
		ID: r.ID, SellerID: r.SellerID, Title: r.Title, Author: r.Author, Condition: r.Condition,
		PriceCents: r.PriceCents, Currency: r.Currency, Available: r.Available, Status: r.Status,
		HiddenReason: r.HiddenReason, UpdatedAt: r.UpdatedAt, SellerName: r.SellerName, SellerDisabled: r.SellerDisabled,
	})
}

func publicBook(r dbsqlc.Listing) catalog.Book {
	return catalog.Book{
		ID:         catalog.BookID(r.ID),
		SellerID:   auth.UserID(r.SellerID),
		SellerName: sellerName(r),
		Title:      r.Title,
		Author:     r.Author,
		Condition:  catalog.Condition(r.Condition),
		PriceCents: r.PriceCents,
		Currency:   r.Currency,
		Available:  int(r.Available),
		Status:     catalog.Status(r.Status),
		Language:   r.Lang,
		Hidden:     r.HiddenReason != nil || r.SellerDisabled,
		UpdatedAt:  r.UpdatedAt,
	}
}

// sellerName falls back to a neutral label until the seller copy catches up.
func sellerName(r dbsqlc.Listing) string {
	if r.SellerName != "" {
		return r.SellerName
	}
	return fmt.Sprintf("Seller #%d", r.SellerID)
}

func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
