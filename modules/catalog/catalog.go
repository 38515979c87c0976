// Package catalog is the public face of the catalog module: the books on
// sale and the stock reservations the orders module makes against them, and
// the count of want-list alerts every page's header shows.
package catalog

import (
	"context"
	"time"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/view"
)

// BookID identifies a listing.
type BookID int64

// Condition is a grade on the book trade's scale, best first.
type Condition string

// Conditions, best first.
const (
	ConditionNew      Condition = "new"
	ConditionAsNew    Condition = "as_new"
	ConditionFine     Condition = "fine"
	ConditionVeryGood Condition = "very_good"
	ConditionGood     Condition = "good"
	ConditionFair     Condition = "fair"
	ConditionPoor     Condition = "poor"
)

// conditionNames are the book trade's names of the grades.
var conditionNames = map[Condition]string{
	ConditionNew:      "New",
	ConditionAsNew:    "As New",
	ConditionFine:     "Fine",
	ConditionVeryGood: "Very Good",
	ConditionGood:     "Good",
	ConditionFair:     "Fair",
	ConditionPoor:     "Poor",
}

// Label is the trade name of c, for every module's pages.
func (c Condition) Label() string {
	if name, ok := conditionNames[c]; ok {
		return name
	}
	return string(c)
}

// Status is where a listing is in its life.
type Status string

// Listing states: draft → active ⇄ paused → archived.
const (
	StatusDraft    Status = "draft"
	StatusActive   Status = "active"
	StatusPaused   Status = "paused"
	StatusArchived Status = "archived"
)

// Book is what the orders module needs of a listing to price and describe
// an order line.
type Book struct {
	ID         BookID
	SellerID   auth.UserID
	SellerName string
	Title      string
	Author     string
	Condition  Condition
	PriceCents int64
	Currency   string
	// Available is the number of copies neither held by an order nor sold.
	Available int
	Status    Status
	// Language is the code of the language the book is written in.
	Language string
	// Hidden is set when an admin hid the listing or its seller is disabled.
	Hidden    bool
	UpdatedAt time.Time
}

// TextLang is the lang attribute of a listing's title and author on the
// shop's pages, which are in English: its language's code, so that a
// screen reader reads 吾輩は猫である in a Japanese voice, or "" for English
// and for "other", which names no language a reader could pick.
func TextLang(code string) string {
	if code == "en" || code == "other" {
		return ""
	}
	return code
}

// Public reports whether anyone but its seller and the admins may see the
// listing: a draft or a hidden one is shown to no one else, and is "not
// found" for them wherever they ask.
func (b Book) Public() bool { return !b.Hidden && b.Status != StatusDraft }

// OwnedBy reports whether u sells this listing.
func (b Book) OwnedBy(u auth.User) bool { return u.ID != 0 && b.SellerID == u.ID }

// VisibleTo reports whether u may see the listing and its photos: everyone
// sees what is Public (on sale, paused, sold out or archived: orders link
// to it); its seller and admins see everything.
func (b Book) VisibleTo(u auth.User, signedIn bool) bool {
	if signedIn && (b.OwnedBy(u) || u.IsAdmin()) {
		return true
	}
	return b.Public()
}

// Buyable reports whether the listing can go into an order now.
func (b Book) Buyable() bool { return b.Status == StatusActive && !b.Hidden && b.Available > 0 }

// Line asks for copies of one book as the buyer was shown it. PriceCents,
// SellerID and Title are what the order will charge and name: Reserve holds
// nothing when the listing no longer matches them, so an order is never
// charged a price its buyer did not see.
type Line struct {
	BookID     BookID
	Quantity   int
	PriceCents int64
	SellerID   auth.UserID
	Title      string
}

// Reservation asks to hold copies for one order of one buyer.
type Reservation struct {
	OrderID int64
	BuyerID auth.UserID
	Lines   []Line
}

// MaxHeldPage bounds one page of HeldOrders.
const MaxHeldPage = 1000

// MaxConfirm bounds the orders of one Confirm, which holds the rows of
// every listing they bought until it commits; a page of HeldOrders fits.
const MaxConfirm = MaxHeldPage

// SellerStats is a seller's standing as the orders module counts it: it
// owns the reviews and knows which orders were delivered, and pushes this
// down (SetSellerStats) for the catalog's cards and book pages.
type SellerStats struct {
	SellerID auth.UserID `json:"seller_id"`
	// Ratings counts the reviews shown (not hidden by an admin) and
	// RatingSum adds up their stars, 1 to 5 each.
	Ratings   int `json:"ratings"`
	RatingSum int `json:"rating_sum"`
	// Sales counts the seller's delivered orders.
	Sales int `json:"sales"`
	// Version grows with every count taken, so a push that arrives after a
	// newer one is ignored.
	Version int64 `json:"version"`
}

// Average is the mean rating, 0 without ratings.
func (s SellerStats) Average() float64 {
	if s.Ratings == 0 {
		return 0
	}
	return float64(s.RatingSum) / float64(s.Ratings)
}

// Seller is what the catalog knows of a user who lists books.
type Seller struct {
	ID   auth.UserID
	Name string
	// MemberSince is when the account was made; zero until the accounts
	// module's change feed has told the catalog.
	MemberSince time.Time
	Disabled    bool
}

// SellerPage is a seller and one page of their listings on sale.
type SellerPage struct {
	Seller   Seller
	Listings []Book
	HasNext  bool
}

// MaxSellerPage bounds one page of SellerOnSale.
const MaxSellerPage = 100

// Errors of the module. Each keeps its code across process boundaries.
var (
	ErrNotFound   = apperr.New(apperr.NotFound, "catalog.not_found", "book not found")
	ErrOutOfStock = apperr.New(apperr.Conflict, "catalog.out_of_stock", "not enough copies are available")
	ErrNotForSale = apperr.New(apperr.Conflict, "catalog.not_for_sale", "this book is not for sale right now")
	// ErrChanged answers Reserve when a listing's price, seller or title is
	// no longer what the order carries; its message says what changed.
	ErrChanged = apperr.New(apperr.Conflict, "catalog.listing_changed", "a listing changed since it was shown")
	// ErrOwnListing refuses a buyer their own listing, in the cart and at
	// Reserve, where the seller is known for sure.
	ErrOwnListing = apperr.New(apperr.Forbidden, "catalog.own_listing", "you cannot buy your own listing")
	// ErrNotHeld names orders Confirm found holding nothing: they never
	// reserved, or their copies were released and may be sold to others.
	ErrNotHeld = apperr.New(apperr.Conflict, "catalog.not_held", "the order holds no copies to confirm")
)

// WantAlertsCap is where counting a user's new want matches stops: a user
// with more has WantAlertsCap, which the header shows as "99+", so the
// count every page makes reads no more than that, however many there are.
const WantAlertsCap = view.BadgeMax + 1

// Service is what the orders module needs from the catalog. Every method
// is safe to call over a network: each is one short transaction in the
// catalog, and the writes are idempotent per order, so a caller that lost
// an answer repeats the call.
type Service interface {
	// Books returns the listings found among ids, keyed by id; unknown ids
	// are left out. Read-only.
	Books(ctx context.Context, ids []BookID) (map[BookID]Book, error)
	// Reserve holds copies for an order, all lines or none, and only at
	// the price, seller and title each line carries. It fails, changing
	// nothing, with ErrOutOfStock, ErrNotForSale, ErrChanged or
	// ErrOwnListing (the buyer sells one of the books), each naming the
	// book in its message; lines must name a book and ask for 1 to 999
	// copies (an Invalid error otherwise). These errors are permanent for
	// these lines: repeating the call gives the same answer. Idempotent per
	// order: a repeat returns nil without holding more, whatever its lines.
	Reserve(ctx context.Context, r Reservation) error
	// Release returns an order's held copies to sale. Idempotent; a no-op
	// for an order that holds nothing or whose copies were confirmed.
	Release(ctx context.Context, orderID int64) error
	// Confirm turns the held copies of every order of orderIDs (at most
	// MaxConfirm; an Invalid error otherwise) into sold ones, in one
	// transaction. It returns, ascending, the orders that hold nothing to
	// confirm (they never reserved, or were released); the others are
	// confirmed all the same. Idempotent per order: an order confirmed
	// before is neither reported nor sold twice.
	Confirm(ctx context.Context, orderIDs []int64) (notHeld []int64, err error)
	// HeldOrders pages through the orders that hold copies, in ascending
	// id order after the id given (0 for the first page), at most limit
	// (1 to MaxHeldPage; an Invalid error otherwise), so the orders module
	// can settle holds no live order owns. Read-only.
	HeldOrders(ctx context.Context, after int64, limit int) ([]int64, error)
	// SetSellerStats records a seller's standing, pushed by the orders
	// module after each review, hidden review or delivered order. It is
	// idempotent, and a push whose Version is not above the stored one
	// changes nothing, so late or repeated pushes never go back in time.
	// Counts must not be negative and RatingSum must lie between Ratings and
	// 5 × Ratings (an Invalid error otherwise).
	SetSellerStats(ctx context.Context, st SellerStats) error
	// SellerOnSale returns a seller and one page (1 to 1000) of their
	// listings on sale, newest first, perPage (1 to MaxSellerPage) at a
	// time; an Invalid error otherwise, and ErrNotFound
	// for a user the catalog has never seen sell. Read-only.
	SellerOnSale(ctx context.Context, seller auth.UserID, page, perPage int) (SellerPage, error)
	// WantAlerts counts the listings that met user's want list and that
	// user has not looked at yet (0 for a visitor), up to WantAlertsCap,
	// for the header of every page, whichever process serves it.
	// Read-only.
	WantAlerts(ctx context.Context, user auth.UserID) (int, error)
}
