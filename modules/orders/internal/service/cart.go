package service

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/dbsqlc"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/text"
)

// MaxQuantity bounds one cart line.
const MaxQuantity = 99

// MaxCartLines bounds the lines one checkout may carry.
const MaxCartLines = 100

// Owner is whose cart: a signed-in user, or else a visitor's cookie id.
type Owner struct {
	UserID    auth.UserID
	VisitorID string
}

// IsZero reports whether the owner names nobody.
func (o Owner) IsZero() bool { return o.UserID == 0 && o.VisitorID == "" }

// CartLine is one line of a cart as the shopper sees it now.
type CartLine struct {
	BookID     catalog.BookID `json:"book_id"`
	Title      string         `json:"title"`
	Author     string         `json:"author"`
	SellerID   auth.UserID    `json:"seller_id"`
	SellerName string         `json:"seller_name"`
	Quantity   int            `json:"quantity"`
	// PriceCents is the price now; AddedPriceCents the price when added.
	PriceCents      int64 `json:"price_cents"`
	AddedPriceCents int64 `json:"added_price_cents"`
	// LineCents is what the line adds to the subtotal: zero for a line
	// with a Problem, which cannot be bought, so the lines add up to it.
	LineCents    int64 `json:"line_cents"`
	Available    int   `json:"available"`
	PriceChanged bool  `json:"price_changed"`
	// Problem, when set, keeps the cart from checking out.
	Problem string `json:"problem,omitempty"`
}

// Problems of a cart line that the checkout maps to errors.
const (
	problemOwn     = "this is your own listing"
	problemSoldOut = "sold out"
)

// Cart is a cart with its totals. The subtotal covers the lines without a
// problem, SubtotalCount copies of Count.
type Cart struct {
	Lines         []CartLine `json:"lines"`
	Count         int        `json:"count"`
	SubtotalCents int64      `json:"subtotal_cents"`
	SubtotalCount int        `json:"subtotal_count"`
	CanCheckout   bool       `json:"can_checkout"`
}

// Seen is the cart as a checkout page shows it, the lines a buyer places
// the order at.
func (c Cart) Seen() []SeenLine {
	out := make([]SeenLine, len(c.Lines))
	for i, l := range c.Lines {
		out[i] = SeenLine{BookID: l.BookID, Quantity: l.Quantity, PriceCents: l.PriceCents}
	}
	return out
}

func (s *Service) cartID(ctx context.Context, db dbsqlc.DBTX, o Owner, create bool) (int64, error) {
	switch {
	case o.UserID != 0 && create:
		return s.q.UserCart(ctx, db, int64(o.UserID))
	case o.UserID != 0:
		return s.q.FindUserCart(ctx, db, ptr(int64(o.UserID)))
	case o.VisitorID != "" && create:
		return s.q.VisitorCart(ctx, db, &o.VisitorID)
	case o.VisitorID != "":
		return s.q.FindVisitorCart(ctx, db, &o.VisitorID)
	}
	return 0, apperr.ErrUnauthorized
}

func ptr[T any](v T) *T { return &v }

// Cart returns the owner's cart, priced and checked against the catalog now.
func (s *Service) Cart(ctx context.Context, o Owner) (Cart, error) {
	var items []dbsqlc.CartItem
	if o.UserID != 0 {
		var err error
		if items, err = s.q.UserCartItems(ctx, s.pool, ptr(int64(o.UserID))); err != nil {
			return Cart{}, fmt.Errorf("cart items: %w", err)
		}
	} else {
		id, err := s.cartID(ctx, s.pool, o, false)
		if errors.Is(err, pgx.ErrNoRows) {
			return Cart{Lines: []CartLine{}}, nil
		}
		if err != nil {
			return Cart{}, fmt.Errorf("cart: %w", err)
		}
		if items, err = s.q.CartItems(ctx, s.pool, id); err != nil {
			return Cart{}, fmt.Errorf("cart items: %w", err)
		}
	}
	if len(items) == 0 {
		return Cart{Lines: []CartLine{}}, nil
	}
	ids := make([]catalog.BookID, len(items))
	for i, it := range items {
		ids[i] = catalog.BookID(it.BookID)
	}
	books, err := s.cartBooks(ctx, ids)
	if err != nil {
		return Cart{}, fmt.Errorf("cart books: %w", err)
	}
	return priced(o, items, books), nil
}

// priced is the cart of items as the catalog's books make it now.
func priced(o Owner, items []dbsqlc.CartItem, books map[catalog.BookID]catalog.Book) Cart {
	c := Cart{Lines: make([]CartLine, 0, len(items)), CanCheckout: len(items) > 0}
	for _, it := range items {
		b, ok := books[catalog.BookID(it.BookID)]
		l := CartLine{BookID: catalog.BookID(it.BookID), Quantity: int(it.Quantity), AddedPriceCents: it.PriceCents, PriceCents: it.PriceCents}
		switch {
		case !ok:
			// The catalog deleted the listing: the names the line kept say
			// which book went.
			l.Title, l.Author, l.SellerName = it.Title, it.Author, it.SellerName
			if l.Title == "" {
				l.Title = fmt.Sprintf("Book #%d", it.BookID)
			}
			l.Problem = "this book is no longer listed"
		default:
			l.Title, l.Author, l.SellerID, l.SellerName = b.Title, b.Author, b.SellerID, b.SellerName
			l.PriceCents, l.Available = b.PriceCents, b.Available
			l.PriceChanged = b.PriceCents != it.PriceCents
			l.Problem = lineProblem(b, o.UserID, l.Quantity)
		}
		if l.Problem != "" {
			c.CanCheckout = false
		} else {
			l.LineCents = l.PriceCents * int64(l.Quantity)
			c.SubtotalCents += l.LineCents
			c.SubtotalCount += l.Quantity
		}
		c.Count += l.Quantity
		c.Lines = append(c.Lines, l)
	}
	return c
}

// lineProblem says why buyer (zero for a visitor) cannot check out
// quantity copies of b, or returns "".
func lineProblem(b catalog.Book, buyer auth.UserID, quantity int) string {
	switch {
	case buyer != 0 && b.SellerID == buyer:
		return problemOwn
	case b.Status != catalog.StatusActive || b.Hidden:
		return "this book is not for sale right now"
	case b.Available <= 0:
		return problemSoldOut
	case b.Available < quantity:
		return fmt.Sprintf("only %d copies available", b.Available)
	}
	return ""
}

// HeaderCounts implements orders.Service.
func (s *Service) HeaderCounts(ctx context.Context, user auth.UserID, visitorID string) (orders.HeaderCounts, error) {
	var c orders.HeaderCounts
	o := Owner{UserID: user, VisitorID: visitorID}
	if o.IsZero() {
		return c, nil
	}
	n, err := s.CartCount(ctx, o)
	if err != nil {
		return c, err
	}
	c.Cart = n
	if user != 0 {
		if c.Unread, err = s.Unread(ctx, user); err != nil {
			return c, fmt.Errorf("count unread notifications: %w", err)
		}
	}
	return c, nil
}

// CartCount is the number of copies in the owner's cart, for the header.
// An owner naming both a user and a visitor counts the two carts as they
// will be once merged.
func (s *Service) CartCount(ctx context.Context, o Owner) (int, error) {
	var ids []int64
	for _, part := range []Owner{{UserID: o.UserID}, {VisitorID: o.VisitorID}} {
		if part.IsZero() {
			continue
		}
		id, err := s.cartID(ctx, s.pool, part, false)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("count cart: %w", err)
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	n, err := s.q.CartCount(ctx, s.pool, ids)
	if err != nil {
		return 0, fmt.Errorf("count cart: %w", err)
	}
	return int(n), nil
}

// AddItem adds quantity copies of a book to the cart (on top of what is
// there). The total may not exceed the copies available, and nobody may add
// their own listing.
func (s *Service) AddItem(ctx context.Context, o Owner, bookID catalog.BookID, quantity int) error {
	return s.putItem(ctx, o, bookID, quantity, true)
}

// SetQuantity sets the quantity of a book in the cart, adding the line if
// needed.
func (s *Service) SetQuantity(ctx context.Context, o Owner, bookID catalog.BookID, quantity int) error {
	if o.UserID != 0 {
		_, err := s.setUserLine(ctx, o.UserID, bookID, quantity, nil)
		return err
	}
	return s.putItem(ctx, o, bookID, quantity, false)
}

// SetUserQuantity is SetQuantity for a user's cart that also returns the
// cart as it then is (the JSON API answers it). The catalog is asked once,
// for the book and every line of the cart read before the write, so the
// answer costs a split shop one internal call, not two (the check, then
// the cart's prices). A change racing in between is not in the answer; the
// checkout compares the lines shown with the cart and refuses the
// difference.
func (s *Service) SetUserQuantity(ctx context.Context, user auth.UserID, bookID catalog.BookID, quantity int) (Cart, error) {
	items, err := s.q.UserCartItems(ctx, s.pool, ptr(int64(user)))
	if err != nil {
		return Cart{}, fmt.Errorf("cart items: %w", err)
	}
	books, err := s.setUserLine(ctx, user, bookID, quantity, items)
	if err != nil {
		return Cart{}, err
	}
	i := slices.IndexFunc(items, func(it dbsqlc.CartItem) bool { return it.BookID == int64(bookID) })
	if i < 0 {
		i, items = len(items), append(items, dbsqlc.CartItem{BookID: int64(bookID)})
	}
	items[i].Quantity, items[i].PriceCents = int32(quantity), books[bookID].PriceCents
	return priced(Owner{UserID: user}, items, books), nil
}

// setUserLine checks the book and writes the user's line, asking the
// catalog in the same call for the books of items, and returns the books.
func (s *Service) setUserLine(ctx context.Context, user auth.UserID, bookID catalog.BookID, quantity int, items []dbsqlc.CartItem) (map[catalog.BookID]catalog.Book, error) {
	if err := checkPut(bookID, quantity); err != nil {
		return nil, err
	}
	ids := []catalog.BookID{bookID}
	for _, it := range items {
		if catalog.BookID(it.BookID) != bookID {
			ids = append(ids, catalog.BookID(it.BookID))
		}
	}
	books, err := s.cartBooks(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("add to cart: %w", err)
	}
	b, err := forSale(Owner{UserID: user}, books, bookID)
	if err != nil {
		return nil, err
	}
	if err := available(b, quantity); err != nil {
		return nil, err
	}
	line := dbsqlc.PutUserCartItemParams{UserID: int64(user), BookID: int64(bookID), Quantity: int32(quantity), PriceCents: b.PriceCents,
		Title: b.Title, Author: b.Author, SellerName: b.SellerName}
	return books, s.q.PutUserCartItem(ctx, s.pool, line)
}

// checkPut refuses a quantity or book id no cart line may have.
func checkPut(bookID catalog.BookID, quantity int) error {
	if quantity < 1 || quantity > MaxQuantity {
		return apperr.ErrInvalid.WithFields(map[string]string{"quantity": fmt.Sprintf("enter a quantity from 1 to %d", MaxQuantity)})
	}
	if bookID <= 0 {
		return catalog.ErrNotFound
	}
	return nil
}

// forSale is the book bookID of books if o may put it in a cart.
func forSale(o Owner, books map[catalog.BookID]catalog.Book, bookID catalog.BookID) (catalog.Book, error) {
	b, ok := books[bookID]
	if !ok {
		return b, catalog.ErrNotFound
	}
	if o.UserID != 0 && b.SellerID == o.UserID {
		return b, catalog.ErrOwnListing
	}
	if !b.Public() {
		return b, catalog.ErrNotFound
	}
	if b.Status != catalog.StatusActive || b.Hidden {
		return b, catalog.ErrNotForSale.WithMessage(text.Quote(b.Title) + " is not for sale right now")
	}
	return b, nil
}

func (s *Service) putItem(ctx context.Context, o Owner, bookID catalog.BookID, quantity int, add bool) error {
	if err := checkPut(bookID, quantity); err != nil {
		return err
	}
	b, err := s.bookForSale(ctx, o, bookID)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		id, err := s.cartID(ctx, tx, o, true)
		if err != nil {
			return err
		}
		inCart := 0
		if add {
			items, err := s.q.CartItems(ctx, tx, id)
			if err != nil {
				return err
			}
			for _, it := range items {
				if it.BookID == int64(bookID) {
					inCart = int(it.Quantity)
				}
			}
			quantity += inCart
		}
		if err := available(b, quantity); err != nil {
			if inCart > 0 && b.Available > 0 {
				// The buyer asked for fewer than are left: say what the
				// copies already in the cart leave room for.
				return catalog.ErrOutOfStock.WithMessage(fmt.Sprintf("only %d copies of %s are available, and your cart already has %d", b.Available, text.Quote(b.Title), inCart))
			}
			return err
		}
		if quantity > MaxQuantity {
			return apperr.ErrInvalid.WithFields(map[string]string{"quantity": fmt.Sprintf("at most %d copies per book", MaxQuantity)})
		}
		return s.q.UpsertCartItem(ctx, tx, dbsqlc.UpsertCartItemParams{CartID: id, BookID: int64(bookID), Quantity: int32(quantity), PriceCents: b.PriceCents,
			Title: b.Title, Author: b.Author, SellerName: b.SellerName})
	})
}

// Buyable is nil when o may put at least one copy of book id in a cart,
// and otherwise says why not (no such listing, o's own, not for sale, sold
// out). A form refused for its quantity asks it before sending the buyer
// to correct the quantity: a listing that cannot be bought is the reason
// to give, whatever was typed.
func (s *Service) Buyable(ctx context.Context, o Owner, id catalog.BookID) error {
	if id <= 0 {
		return catalog.ErrNotFound
	}
	b, err := s.bookForSale(ctx, o, id)
	if err != nil {
		return err
	}
	return available(b, 1)
}

// bookForSale is book id as the catalog has it now, if o may put it in a
// cart (forSale).
func (s *Service) bookForSale(ctx context.Context, o Owner, id catalog.BookID) (catalog.Book, error) {
	books, err := s.cartBooks(ctx, []catalog.BookID{id})
	if err != nil {
		return catalog.Book{}, fmt.Errorf("add %d to a cart: %w", id, err)
	}
	return forSale(o, books, id)
}

// available refuses more copies than the listing has on sale.
func available(b catalog.Book, quantity int) error {
	switch {
	case quantity <= b.Available:
		return nil
	case b.Available <= 0:
		return catalog.ErrOutOfStock.WithMessage(text.Quote(b.Title) + " is sold out")
	}
	return catalog.ErrOutOfStock.WithMessage(fmt.Sprintf("only %d copies of %s are available", b.Available, text.Quote(b.Title)))
}

// RemoveItem deletes a line from the cart.
func (s *Service) RemoveItem(ctx context.Context, o Owner, bookID catalog.BookID) error {
	id, err := s.cartID(ctx, s.pool, o, false)
	if err != nil {
		return notFound(err, orders.ErrNotInCart)
	}
	n, err := s.q.DeleteCartItem(ctx, s.pool, dbsqlc.DeleteCartItemParams{CartID: id, BookID: int64(bookID)})
	if err != nil {
		return fmt.Errorf("remove book %d from cart %d: %w", bookID, id, err)
	}
	if n == 0 {
		return orders.ErrNotInCart
	}
	return nil
}

// MergeVisitorCart moves a visitor's cart into the user's, once: the
// visitor cart is deleted in the same transaction. A book in both keeps the
// larger quantity; the checkout checks stock and ownership again.
func (s *Service) MergeVisitorCart(ctx context.Context, user auth.UserID, visitorID string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		from, err := s.q.FindVisitorCart(ctx, tx, &visitorID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		to, err := s.q.UserCart(ctx, tx, int64(user))
		if err != nil {
			return err
		}
		if err := s.q.MergeCartItems(ctx, tx, dbsqlc.MergeCartItemsParams{ToCart: to, FromCart: from}); err != nil {
			return fmt.Errorf("merge cart: %w", err)
		}
		return s.q.DeleteCart(ctx, tx, from)
	})
}
