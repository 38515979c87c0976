package pages

import (
	"testing"
	"time"

	"github.com/a-h/templ"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/riverfx"
	"github.com/bookstore/bookstore/platform/view/viewtest"
)

// TestPages_RenderEveryPage renders each page with sample data in every
// order state, signed in and out, and checks that what people typed comes
// out escaped.
func TestPages_RenderEveryPage(t *testing.T) {
	t.Parallel()
	evil := "<script>alert(1)</script>"
	now := time.Now()
	cart := service.Cart{Lines: []service.CartLine{
		{BookID: 1, Title: evil, Author: evil, SellerName: evil, Quantity: 2, PriceCents: 1500, AddedPriceCents: 1200, LineCents: 3000, PriceChanged: true},
		{BookID: 2, Title: "Dune", Quantity: 1, PriceCents: 900, LineCents: 900, Problem: evil},
	}, SubtotalCents: 3000}
	ready := service.Cart{Lines: cart.Lines[:1], SubtotalCents: 3000, CanCheckout: true}
	order := service.Order{ID: 9, BuyerID: 1, BuyerName: evil, Lines: []service.Line{{BookID: 1, SellerName: evil, Title: evil, Quantity: 2, PriceCents: 1500}},
		SubtotalCents: 3000, DeliveryCents: 500, TotalCents: 3500, DeliveryProvider: evil, Reason: evil,
		ShippingAddress: service.Address{Name: evil, Street: evil, City: evil, Region: evil, PostalCode: "1", Country: "CO"},
		Payment:         service.PaymentView{Method: "card", Status: "declined", Brand: "visa", Last4: "0002", FailureReason: evil},
		Shipment:        &service.ShipmentView{Provider: evil, TrackingNumber: evil, Events: []service.Event{{Label: evil, At: now}}}, CreatedAt: now}
	pages := map[string]templ.Component{
		"cart":          cartView(cartData{Cart: cart}),
		"cart_empty":    cartView(cartData{}),
		"checkout":      checkoutView(checkoutData{Form: checkoutForm{Key: "k", Pay: payForm{Method: orders.MethodCard, ExpMonth: evil}, ProviderID: 3, Address: service.Address{Name: evil, Country: "CO"}}, Errors: map[string]string{"name": evil, "delivery_provider_id": evil}, Message: evil, Cart: ready, Countries: countries, Providers: []service.Provider{{ID: 3, Name: evil, CostCents: 500, Days: 3}}, ProviderName: evil, DeliveryCents: 500, TotalCents: 3500}),
		"checkout_none": checkoutView(checkoutData{Cart: ready, Countries: countryOptions("ZZ")}),
		"checkout_bad":  checkoutView(checkoutData{Message: evil, Cart: cart, Countries: countries}),
		"cancel":        cancelView(order),
		"my_orders":     myOrdersView(listData[service.Order]{Items: []service.Order{order}}),
		"my_sales":      mySalesView(listData[service.Sale]{Items: []service.Sale{{OrderID: 9, BookID: 1, Title: evil, Quantity: 1, PriceCents: 100, Status: orders.StatusPaid, BuyerName: evil, BuyerCity: evil}}}),
		"notifications": notificationsView(listData[service.Notification]{Items: []service.Notification{{OrderID: 9, Message: evil, CreatedAt: now}, {OrderID: 9, Message: "old", Read: true}}}),
		"admin_orders":  adminOrdersView(listData[service.Order]{Items: []service.Order{order}, Status: "paid"}),
		"admin_outbox":  adminOutboxView(outboxData{Page: mail.Page{Emails: []mail.Email{{ID: 1, To: "a@example.com", Subject: evil, Body: evil + " https://shop.example.com/x?token=" + evil, Status: mail.StatusFailed, LastError: evil, CreatedAt: time.Now()}}, Unreadable: []string{evil}}, Next: "/admin/outbox?before_id=1"}),
		"no_outbox":     adminOutboxView(outboxData{}),
		"admin_jobs": adminJobsView(jobsData{Filter: riverfx.JobFilter{State: "failed", Kind: evil}, Back: evil, Errors: map[string]string{"page": evil},
			Jobs: service.Jobs{Jobs: []riverfx.Job{{Queue: "catalog", ID: 4, Kind: evil, State: "discarded", Args: evil, LastError: evil, CreatedAt: now, FinalizedAt: &now},
				{Queue: "local", ID: 5, Kind: "orders.carry_shipments", State: "scheduled", Args: "{}", CreatedAt: now, ScheduledAt: now}}, Unreadable: []string{evil}}}),
		"admin_jobs_none":     adminJobsView(jobsData{}),
		"admin_jobs_no_match": adminJobsView(jobsData{Filter: riverfx.JobFilter{State: "running"}}),
		"activity": adminActivityView(activityData{Filter: activity.Filter{Action: activity.ListingHide, Text: evil}, Errors: map[string]string{"offset": evil},
			Activity: service.Activity{Entries: []activity.Entry{
				{Module: "catalog", ID: 1, At: now, ActorID: new(int64), ActorName: evil, Action: activity.ListingHide, SubjectKind: "listing", SubjectID: 7, SubjectLabel: evil, Reason: evil},
				{Module: "auth", ID: 2, At: now, ActorName: activity.CommandLine.Name, Action: activity.UserPromote, SubjectKind: "user", SubjectID: 8, SubjectLabel: evil}}, Unreadable: []string{evil}}}),
		"activity_none":     adminActivityView(activityData{}),
		"activity_no_match": adminActivityView(activityData{Filter: activity.Filter{Text: "x"}}),
		"providers":         adminProvidersView(providersData{Providers: []service.Provider{{ID: 3, Name: evil, Coverage: "national", CostCents: 500, Days: 3, Active: true}, {ID: 4, Name: "B"}}, EditID: 4, Cost: evil, Errors: map[string]string{"cost": evil}}),
	}
	review := service.Review{ID: 5, OrderID: 9, SellerID: 2, BuyerName: evil, Rating: 4, Comment: evil, Reply: evil, HiddenReason: evil, CreatedAt: now}
	delivered := order
	delivered.Status = orders.StatusDelivered
	pages["order_rate"] = orderView(orderData{Order: delivered, IsBuyer: true, Full: true,
		Sellers: []sellerReview{{SellerID: 2, Titles: evil, CanRate: true}, {SellerID: 3, Titles: evil, Review: &review}},
		Review:  reviewForm{SellerID: 2, Rating: evil, Comment: evil, Errors: map[string]string{"rating": evil, "seller_id": evil}}})
	pages["order_reply"] = orderView(orderData{Order: delivered, Sellers: []sellerReview{{SellerID: 2, Titles: evil, Review: &review, CanReply: true}},
		Review: reviewForm{ReviewID: 5, Reply: evil, Errors: map[string]string{"reply": evil}}})
	pages["admin_reviews"] = adminReviewsView(adminReviewsData{listData: listData[service.Review]{Items: []service.Review{review, {ID: 6, Rating: 1, BuyerName: evil}}}, HideID: 6, Reason: evil, Error: evil})
	pages["seller"] = sellerView(sellerData{SellerProfile: service.SellerProfile{Seller: catalog.Seller{ID: 2, Name: evil, MemberSince: now, Disabled: true},
		Stats: catalog.SellerStats{Ratings: 2, RatingSum: 7, Sales: 3}, Reviews: []service.Review{review},
		Listings: []catalog.Book{{ID: 1, SellerID: 2, SellerName: evil, Title: evil, Author: evil, Condition: catalog.ConditionGood, PriceCents: 100, Available: 1}}}})
	pages["seller_empty"] = sellerView(sellerData{SellerProfile: service.SellerProfile{Seller: catalog.Seller{ID: 2, Name: "New"}}})
	pages["admin_reviews_none"] = adminReviewsView(adminReviewsData{HiddenOnly: true})
	for _, st := range service.Statuses {
		o := order
		o.Status = st
		pages["order_"+string(st)] = orderView(orderData{Order: o, IsBuyer: true, Full: true})
		pages["order_seller_"+string(st)] = orderView(orderData{Order: o})
		pages["order_admin_"+string(st)] = orderView(orderData{Order: o, Full: true, Admin: true})
		if st == orders.StatusPaid {
			pages["order_admin_cancel_error"] = orderView(orderData{Order: o, Full: true, Admin: true, CancelReason: evil, CancelError: evil})
		}
		if st == orders.StatusPaymentFailed {
			o.Payment.RetryUntil = &now
			pages["order_pay_again"] = orderView(orderData{Order: o, IsBuyer: true, Full: true, Pay: payForm{Method: orders.MethodWallet, ExpYear: evil}, Errors: map[string]string{"payment_method": evil, "card_number": evil}, Message: evil})
			pages["order_seller_held"] = orderView(orderData{Order: o})
			require.NotEmpty(t, stateMessage(o, false))
		}
		require.NotEmpty(t, stateMessage(o, true), st)
	}
	viewtest.RenderEach(t, pages, evil)
}
