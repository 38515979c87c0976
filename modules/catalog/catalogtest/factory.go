// Package catalogtest helps other packages test against the catalog: the
// contract suite every catalog.Service implementation must pass, and
// factories that put listings straight into a test database.
package catalogtest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/dbsqlc"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
)

// BookOpts describe a listing to create; zero fields take defaults.
type BookOpts struct {
	SellerID   auth.UserID // default 1000
	SellerName string      // default "Seller <id>"
	Title      string      // default "Book <n>"
	Author     string      // default "Ann Author"
	ISBN       string      // normalised ISBN-13, or empty
	Condition  catalog.Condition
	PriceCents int64 // default 1000
	Copies     int   // default 1
	Status     catalog.Status
	Language   string
	Year       int
	// Description is searched along with title and author.
	Description string
}

var seq atomic.Int64

// memberSince is every factory seller's account date.
var memberSince = time.Date(2024, time.March, 1, 0, 0, 0, 0, time.UTC)

// CreateBook inserts a listing (and its seller, when new) and returns it as
// the orders module sees it.
func CreateBook(ctx context.Context, t testing.TB, pool *pgxpool.Pool, opts *BookOpts) catalog.Book {
	t.Helper()
	o := BookOpts{}
	if opts != nil {
		o = *opts
	}
	n := seq.Add(1)
	if o.SellerID == 0 {
		o.SellerID = 1000
	}
	if o.SellerName == "" {
		o.SellerName = fmt.Sprintf("Seller %d", o.SellerID)
	}
	if o.Title == "" {
		o.Title = fmt.Sprintf("Book %d", n)
	}
	if o.Author == "" {
		o.Author = "Ann Author"
	}
	if o.Condition == "" {
		o.Condition = catalog.ConditionGood
	}
	if o.PriceCents == 0 {
		o.PriceCents = 1000
	}
	if o.Copies == 0 {
		o.Copies = 1
	}
	if o.Status == "" {
		o.Status = catalog.StatusActive
	}
	if o.Language == "" {
		o.Language = "en"
	}
	q := dbsqlc.New()
	require.NoError(t, q.EnsureSeller(ctx, pool, dbsqlc.EnsureSellerParams{ID: int64(o.SellerID), Name: o.SellerName, MemberSince: &memberSince}))
	var isbn *string
	if o.ISBN != "" {
		isbn = &o.ISBN
	}
	var year *int32
	if o.Year != 0 {
		y := int32(o.Year)
		year = &y
	}
	id, err := q.CreateBook(ctx, pool, dbsqlc.CreateBookParams{
		SellerID: int64(o.SellerID), Title: o.Title, Author: o.Author, Isbn: isbn,
		Condition: string(o.Condition), PriceCents: o.PriceCents, Currency: "USD",
		Description: o.Description, Lang: o.Language, PubYear: year, Status: string(o.Status),
		Listed: int32(o.Copies), Available: int32(o.Copies),
	})
	require.NoError(t, err)
	return ReadBook(ctx, t, pool, catalog.BookID(id))
}

// ReadBook reads a listing as the orders module sees it now.
func ReadBook(ctx context.Context, t testing.TB, pool *pgxpool.Pool, id catalog.BookID) catalog.Book {
	t.Helper()
	row, err := dbsqlc.New().GetBook(ctx, pool, int64(id))
	require.NoError(t, err)
	return catalog.Book{
		ID: id, SellerID: auth.UserID(row.SellerID), SellerName: row.SellerName, Title: row.Title,
		Author: row.Author, Condition: catalog.Condition(row.Condition), PriceCents: row.PriceCents,
		Currency: row.Currency, Available: int(row.Available), Status: catalog.Status(row.Status), Language: row.Lang,
		Hidden: row.HiddenReason != nil || row.SellerDisabled, UpdatedAt: row.UpdatedAt,
	}
}

// SetPrice changes a listing's price, as its seller's edit would.
func SetPrice(ctx context.Context, t testing.TB, pool *pgxpool.Pool, id catalog.BookID, cents int64) {
	t.Helper()
	_, err := pool.Exec(ctx, "UPDATE catalog.books SET price_cents = $2, updated_at = now() WHERE id = $1", int64(id), cents)
	require.NoError(t, err)
}

// LineOf asks for quantity copies of book as it was created or read: at its
// price, seller and title.
func LineOf(book catalog.Book, quantity int) catalog.Line {
	return catalog.Line{BookID: book.ID, Quantity: quantity, PriceCents: book.PriceCents, SellerID: book.SellerID, Title: book.Title}
}

// SetStatus moves a listing to status, as its seller would.
func SetStatus(ctx context.Context, t testing.TB, pool *pgxpool.Pool, id catalog.BookID, status catalog.Status) {
	t.Helper()
	_, err := pool.Exec(ctx, "UPDATE catalog.books SET status = $2, updated_at = now() WHERE id = $1", int64(id), string(status))
	require.NoError(t, err)
}

// Hold reserves quantity copies of a listing for an order at what the
// listing asks now, as a checkout would.
func Hold(ctx context.Context, t testing.TB, svc catalog.Service, pool *pgxpool.Pool, orderID int64, id catalog.BookID, quantity int) {
	t.Helper()
	line := LineOf(ReadBook(ctx, t, pool, id), quantity)
	require.NoError(t, svc.Reserve(ctx, catalog.Reservation{OrderID: orderID, Lines: []catalog.Line{line}}))
}

// Sell confirms the copies orders hold, as the orders module does once they
// ship, and requires that each held some.
func Sell(ctx context.Context, t testing.TB, svc catalog.Service, orderIDs ...int64) {
	t.Helper()
	notHeld, err := svc.Confirm(ctx, orderIDs)
	require.NoError(t, err)
	require.Empty(t, notHeld)
}

// Counts are a listing's stock columns, read straight from the database.
type Counts struct {
	Listed, Available, Held, Sold int
}

// StockOf reads a listing's counts.
func StockOf(ctx context.Context, t testing.TB, pool *pgxpool.Pool, id catalog.BookID) Counts {
	t.Helper()
	var c Counts
	require.NoError(t, pool.QueryRow(ctx,
		"SELECT listed, available, held, sold FROM catalog.books WHERE id = $1", int64(id)).
		Scan(&c.Listed, &c.Available, &c.Held, &c.Sold))
	return c
}

// SetSellerDisabled marks a seller disabled or enabled in the catalog's copy.
func SetSellerDisabled(ctx context.Context, t testing.TB, pool *pgxpool.Pool, id auth.UserID, disabled bool) {
	t.Helper()
	_, err := pool.Exec(ctx, "UPDATE catalog.sellers SET disabled = $2 WHERE id = $1", int64(id), disabled)
	require.NoError(t, err)
}

// BeforeReserve is a catalog.Service, the real one in other modules'
// tests, that runs Func (with the context the reservation came with)
// before each reservation it passes on: what races a checkout between
// its cart becoming an order and its copies being held, such as a
// seller's edit, another buyer, or the buyer's client leaving.
type BeforeReserve struct {
	catalog.Service
	Func func(ctx context.Context)
}

// Reserve implements catalog.Service.
func (b *BeforeReserve) Reserve(ctx context.Context, r catalog.Reservation) error {
	b.Func(ctx)
	return b.Service.Reserve(ctx, r)
}

// NewService returns the real catalog over pool, for other modules' tests:
// they run against the implementation the contract suite proves, never a
// fake of it.
func NewService(pool *pgxpool.Pool) catalog.Service {
	return service.New(pool, nil)
}

// StatsOf reads the seller's standing as the catalog stores it.
func StatsOf(ctx context.Context, t testing.TB, pool *pgxpool.Pool, id auth.UserID) catalog.SellerStats {
	t.Helper()
	r, err := dbsqlc.New().GetSeller(ctx, pool, int64(id))
	require.NoError(t, err)
	return catalog.SellerStats{SellerID: id, Ratings: int(r.Ratings), RatingSum: int(r.RatingSum), Sales: int(r.Sales), Version: r.StatsVersion}
}

// WantOpts describe a want to create; zero fields take defaults.
type WantOpts struct {
	UserID auth.UserID // default 2000
	// ISBN (13 digits) or Words; default Words "Dune".
	ISBN          string
	Words         string
	MaxPriceCents int64             // default 5000
	MinCondition  catalog.Condition // default poor: any condition
	Email         bool
}

// CreateWant saves a want straight into the database and returns its id.
func CreateWant(ctx context.Context, t testing.TB, pool *pgxpool.Pool, opts *WantOpts) int64 {
	t.Helper()
	o := WantOpts{}
	if opts != nil {
		o = *opts
	}
	if o.UserID == 0 {
		o.UserID = 2000
	}
	if o.ISBN == "" && o.Words == "" {
		o.Words = "Dune"
	}
	if o.MaxPriceCents == 0 {
		o.MaxPriceCents = 5000
	}
	if o.MinCondition == "" {
		o.MinCondition = catalog.ConditionPoor
	}
	var isbn *string
	if o.ISBN != "" {
		isbn = &o.ISBN
	}
	w, err := dbsqlc.New().CreateWant(ctx, pool, dbsqlc.CreateWantParams{UserID: int64(o.UserID), Isbn: isbn, Words: o.Words,
		MaxPriceCents: o.MaxPriceCents, MinCondition: string(o.MinCondition), Email: o.Email})
	require.NoError(t, err)
	return w.ID
}

// MatchWants matches a listing against the wants as its job does, and
// returns the matches it added.
func MatchWants(ctx context.Context, t testing.TB, pool *pgxpool.Pool, id catalog.BookID) int {
	t.Helper()
	n, err := service.New(pool, nil).MatchWants(ctx, id)
	require.NoError(t, err)
	return n
}
