package pages

import (
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/view/viewtest"
)

// TestPages_IsolateTextDirection renders the cart, orders, sales, reviews
// and admin lists with right-to-left titles, names, addresses and words,
// and requires each to be isolated (dir="auto" or <bdi>): in a
// left-to-right page the ")!" of "שלום עליכם (כרך 2)!" otherwise lands on
// the wrong side, and "Sold by" a Hebrew name reads backwards.
func TestPages_IsolateTextDirection(t *testing.T) {
	t.Parallel()
	rtl := "שלום עליכם (כרך 2)!"
	now := time.Now()
	line := service.CartLine{BookID: 1, Title: rtl, Author: rtl, SellerName: rtl, Quantity: 1, PriceCents: 1500, LineCents: 1500}
	order := service.Order{ID: 9, BuyerID: 1, BuyerName: rtl, Status: orders.StatusDelivered,
		Lines:         []service.Line{{BookID: 1, SellerID: 2, SellerName: rtl, Title: rtl, Quantity: 1, PriceCents: 1500}},
		SubtotalCents: 1500, TotalCents: 1500, DeliveryProvider: "Post",
		ShippingAddress: service.Address{Name: rtl, Street: rtl, City: rtl, Region: rtl, PostalCode: rtl, Country: "IL"}, CreatedAt: now}
	review := service.Review{ID: 5, OrderID: 9, SellerID: 2, BuyerName: rtl, Rating: 4, Comment: rtl, Reply: rtl, HiddenReason: rtl, CreatedAt: now}
	pages := map[string]templ.Component{
		"cart":          cartView(cartData{Cart: service.Cart{Lines: []service.CartLine{line}, SubtotalCents: 1500}}),
		"checkout":      checkoutView(checkoutData{Cart: service.Cart{Lines: []service.CartLine{line}, SubtotalCents: 1500, CanCheckout: true}, Countries: countries}),
		"order":         orderView(orderData{Order: order, Full: true, Admin: true, Sellers: sellerReviews(order, []service.Review{review}, auth.User{ID: 1})}),
		"order_own":     orderView(orderData{Order: order}),
		"my_orders":     myOrdersView(listData[service.Order]{Items: []service.Order{order}}),
		"my_sales":      mySalesView(listData[service.Sale]{Items: []service.Sale{{OrderID: 9, BookID: 1, Title: rtl, Quantity: 1, Status: orders.StatusPaid, BuyerName: rtl, BuyerCity: rtl}}}),
		"admin_orders":  adminOrdersView(listData[service.Order]{Items: []service.Order{order}}),
		"admin_reviews": adminReviewsView(adminReviewsData{listData: listData[service.Review]{Items: []service.Review{review}}}),
		"activity": adminActivityView(activityData{Activity: service.Activity{Entries: []activity.Entry{
			{Module: "catalog", ID: 1, At: now, ActorID: new(int64), ActorName: rtl, Action: activity.ListingHide, SubjectKind: "listing", SubjectID: 7, SubjectLabel: rtl, Reason: rtl}}}}),
		"admin_outbox": adminOutboxView(outboxData{Page: mail.Page{Emails: []mail.Email{{ID: 1, To: "a@example.com", Subject: rtl, Body: rtl, Status: mail.StatusSent, CreatedAt: now}}}}),
		"seller": sellerView(sellerData{SellerProfile: service.SellerProfile{Seller: catalog.Seller{ID: 2, Name: rtl, MemberSince: now}, Reviews: []service.Review{review},
			Listings: []catalog.Book{{ID: 1, SellerID: 2, SellerName: rtl, Title: rtl, Author: rtl, Condition: catalog.ConditionGood, PriceCents: 100, Available: 1}}}}),
	}
	for name, page := range pages {
		viewtest.RequireIsolated(t, name, page, rtl)
	}
}
