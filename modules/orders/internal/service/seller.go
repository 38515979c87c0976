package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/platform/apperr"
)

// ErrSellerNotFound answers for a user who never listed a book.
var ErrSellerNotFound = apperr.New(apperr.NotFound, "orders.seller_not_found", "seller not found")

// What one page of a seller's profile shows.
const (
	SellerReviewsPerPage  = 10
	SellerListingsPerPage = 12
)

// SellerProfile is a seller's public page: who they are (from the
// catalog), their standing and reviews (from orders, which owns them) and
// their listings on sale (from the catalog), each list paged on its own.
type SellerProfile struct {
	Seller          catalog.Seller
	Stats           catalog.SellerStats
	Reviews         []Review
	ReviewsHasNext  bool
	Listings        []catalog.Book
	ListingsHasNext bool
}

// SellerProfile reads a seller's page: reviewsPage of their shown reviews,
// newest first, and listingsPage of their listings on sale. Pages count
// from 1; ErrSellerNotFound for a user the catalog never saw sell.
func (s *Service) SellerProfile(ctx context.Context, seller auth.UserID, reviewsPage, listingsPage int) (SellerProfile, error) {
	if reviewsPage < 1 || reviewsPage > catalogMaxPage || listingsPage < 1 || listingsPage > catalogMaxPage {
		return SellerProfile{}, apperr.ErrInvalid.WithMessage(fmt.Sprintf("pages run from 1 to %d", catalogMaxPage))
	}
	sp, err := s.catalog.SellerOnSale(ctx, seller, listingsPage, SellerListingsPerPage)
	if errors.Is(err, catalog.ErrNotFound) {
		return SellerProfile{}, ErrSellerNotFound
	}
	if err != nil {
		return SellerProfile{}, fmt.Errorf("seller %d: %w", seller, err)
	}
	out := SellerProfile{Seller: sp.Seller, Listings: sp.Listings, ListingsHasNext: sp.HasNext}
	if out.Stats, err = s.SellerStats(ctx, seller); err != nil {
		return SellerProfile{}, err
	}
	reviews, err := s.SellerReviews(ctx, seller, Page{Limit: SellerReviewsPerPage + 1, Offset: (reviewsPage - 1) * SellerReviewsPerPage})
	if err != nil {
		return SellerProfile{}, err
	}
	if out.ReviewsHasNext = len(reviews) > SellerReviewsPerPage; out.ReviewsHasNext {
		reviews = reviews[:SellerReviewsPerPage]
	}
	out.Reviews = reviews
	return out, nil
}

// catalogMaxPage is the deepest page SellerOnSale serves.
const catalogMaxPage = 1000
