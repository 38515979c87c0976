package pages

import (
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/view/viewtest"
)

// TestPages_RenderEveryPage renders each page with sample data, signed in
// and out, and checks that what sellers typed comes out escaped.
func TestPages_RenderEveryPage(t *testing.T) {
	t.Parallel()
	evil := "<script>alert(1)</script>"
	l := service.Listing{
		Book: catalog.Book{ID: 7, SellerID: 11, SellerName: evil, Title: evil, Author: evil,
			Condition: catalog.ConditionFine, PriceCents: 1234, Currency: "USD", Available: 2, Status: catalog.StatusActive},
		ISBN: "9780141439518", ConditionNote: evil, Description: evil, Language: "en", Year: 1999,
		HiddenReason: evil, CreatedAt: time.Now(), Photos: []service.Photo{{ID: 1, Key: "b7/abc", Width: 10, Height: 10}, {ID: 2, Key: "b7/def", Width: 10, Height: 10}},
	}
	bare := l
	bare.Photos, bare.HiddenReason, bare.Status = nil, "", catalog.StatusDraft
	form := formPage{Form: listingForm{ID: 7, Title: evil, Condition: "good", Language: "en", Errors: map[string]string{"title": "enter the title", "form": evil}},
		MaxPrice: "10,000.00", MaxPhotos: service.MaxPhotos}
	edit := form
	filled := form
	filled.Notice = evil
	filled.Staged, filled.PhotoError = []service.StagedPhoto{{Token: "0a1b2c", Name: evil, Width: 10, Height: 10}}, evil
	filled.Guide = &service.PriceGuide{ISBN: l.ISBN, Condition: catalog.ConditionGood, OnSale: 2, OnSaleCopies: 3, MinCents: 800, MaxCents: 1500, Sold: 4, MedianCents: 1100, SalesDays: 180}
	edit.Listing, edit.PhotoError = &l, evil
	pages := map[string]templ.Component{
		"home":           homeView(homePage{Newest: []service.Listing{l, bare}}),
		"home_empty":     homeView(homePage{}),
		"books":          booksView(searchPage{Q: evil, Results: []service.Listing{l, bare}, Pager: view.Pager{Page: 2, HasPrev: true, PrevURL: "/books"}, Errors: map[string]string{"min_price": evil}, Sort: "newest"}),
		"books_empty":    booksView(searchPage{Q: evil, Filtered: true, ClearFilters: "/books?q=x"}),
		"book":           bookView(bookPage{Listing: l, MaxQty: 2, Others: []service.Listing{l, bare}}),
		"book_owner":     bookView(bookPage{Listing: bare, Owner: true, SignedIn: true}),
		"book_signed_in": bookView(bookPage{Listing: l, SignedIn: true, MaxQty: 2}),
		"edition":        editionView(editionPage{ISBN: l.ISBN, Listings: []service.Listing{l, bare}}),
		"my_listings":    myListingsView(myListingsPage{Listings: []service.Listing{l, bare}, Pager: view.Pager{Page: 1}}),
		"import_upload": importUploadView(importUploadPage{FileError: evil, Imports: []service.Import{
			{ID: 3, Filename: evil, State: service.ImportDone, Total: 2, Created: 1, RefusedCount: 1},
			{ID: 2, State: service.ImportFailed, Total: 5}}, Pager: view.Pager{Page: 2, HasPrev: true, PrevURL: "/my/listings/import"}}),
		"import_upload_none": importUploadView(importUploadPage{}),
		"import_preview": importPreviewView(importPreview{Import: service.Import{ID: 3, Filename: evil, State: service.ImportStaged, Total: 2}, Unverified: true,
			Rows: service.ImportRowsPage{Total: 2, Valid: 1, Page: 1, Rows: []service.ImportRow{{Line: 3, Cells: map[string]string{"author": evil}, Errors: map[string]string{"author": evil}}, {Line: 2, Cells: map[string]string{"title": evil}, Updates: 7}}}}),
		"import_running": importStatusView(service.Import{ID: 3, State: service.ImportRunning, Total: 10, Done: 5, Error: evil}),
		"import_done":    importStatusView(service.Import{ID: 3, Filename: evil, State: service.ImportDone, Total: 2, Created: 1, Refused: []service.ImportRefusal{{Line: 3, Reason: evil}}, RefusedCount: 1}),
		"import_failed":  importStatusView(service.Import{ID: 3, State: service.ImportFailed, Error: evil}),
		"listing_new":    listingNewView(form),
		"listing_filled": listingNewView(filled),
		"listing_edit":   listingEditView(edit),
		"listing_delete": listingDeleteView(l),
		"wants": wantsView(wantsPage{Wants: []service.Want{{ID: 1, Words: evil, MaxPriceCents: 1500, MinCondition: catalog.ConditionGood, Email: true, Matches: 2}, {ID: 2, ISBN: l.ISBN, MaxPriceCents: 900, MinCondition: catalog.ConditionPoor}},
			Matches: []service.WantMatch{{WantID: 1, WantWords: evil, BookID: 7, Title: evil, Author: evil, Condition: catalog.ConditionFine, PriceCents: 1000, MatchedPriceCents: 1200, Buyable: true, CreatedAt: time.Now()}, {WantID: 2, WantISBN: l.ISBN, BookID: 8, Title: "x", Seen: true}},
			Pager:   view.Pager{Page: 1}, Form: wantForm{Words: evil, Errors: map[string]string{"words": evil, "form": evil}}, MaxWants: service.MaxWants, MaxPrice: "10,000.00"}),
		"wants_empty":    wantsView(wantsPage{Form: wantForm{Errors: map[string]string{}}, MaxWants: service.MaxWants}),
		"want_edit":      wantEditView(wantForm{ID: 1, Words: evil, Errors: map[string]string{"max_price": evil}}, "10,000.00"),
		"admin_listings": adminListingsView(adminPage{Listings: []service.Listing{l, bare}, Filter: service.AdminFilter{Query: evil}, Back: evil, HideID: bare.ID, Reason: evil, HideError: evil, Pager: view.Pager{Page: 1}}),
		"admin_empty":    adminListingsView(adminPage{Errors: map[string]string{"state": evil}}),
	}
	viewtest.RenderEach(t, pages, evil)
}
