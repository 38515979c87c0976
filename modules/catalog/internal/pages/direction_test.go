package pages

import (
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/view/viewtest"
)

// TestPages_IsolateTextDirection renders the pages that show what sellers
// and buyers wrote with right-to-left text in it, and requires each such
// text to be isolated (dir="auto" or <bdi>): in a left-to-right page the
// ")!" of "שלום עליכם (כרך 2)!" otherwise lands on the wrong side.
func TestPages_IsolateTextDirection(t *testing.T) {
	t.Parallel()
	rtl := "שלום עליכם (כרך 2)!"
	l := service.Listing{
		Book: catalog.Book{ID: 7, SellerID: 11, SellerName: rtl, Title: rtl, Author: rtl,
			Condition: catalog.ConditionFine, PriceCents: 1234, Currency: "USD", Available: 2, Status: catalog.StatusActive},
		ISBN: "9780141439518", ConditionNote: rtl, Description: rtl, Language: "he", Year: 1999,
		HiddenReason: rtl, CreatedAt: time.Now(),
	}
	shown := l
	shown.HiddenReason = ""
	pages := map[string]templ.Component{
		"home":           homeView(homePage{Newest: []service.Listing{shown}}),
		"books":          booksView(searchPage{Q: rtl, Results: []service.Listing{shown}, Suggestion: rtl, SuggestionURL: "/books?q=x"}),
		"book":           bookView(bookPage{Listing: l, MaxQty: 2, Others: []service.Listing{shown}}),
		"edition":        editionView(editionPage{ISBN: l.ISBN, Listings: []service.Listing{l}}),
		"my_listings":    myListingsView(myListingsPage{Listings: []service.Listing{l}}),
		"listing_edit":   listingEditView(formPage{Listing: &l, Form: listingForm{ID: 7, Title: rtl, Description: rtl, Errors: map[string]string{}}, MaxPhotos: service.MaxPhotos}),
		"listing_delete": listingDeleteView(l),
		"admin_listings": adminListingsView(adminPage{Listings: []service.Listing{l}}),
		"wants": wantsView(wantsPage{Wants: []service.Want{{ID: 1, Words: rtl, MaxPriceCents: 1500, MinCondition: catalog.ConditionGood}},
			Matches:  []service.WantMatch{{WantID: 1, WantWords: rtl, BookID: 7, Title: rtl, Author: rtl, Condition: catalog.ConditionFine, CreatedAt: time.Now()}},
			MaxWants: service.MaxWants, Form: wantForm{Errors: map[string]string{}}}),
		"import_upload":  importUploadView(importUploadPage{Imports: []service.Import{{ID: 3, Filename: rtl, State: service.ImportDone}}}),
		"import_preview": importPreviewView(importPreview{Import: service.Import{ID: 3, Filename: rtl, State: service.ImportStaged, Total: 1}, Rows: service.ImportRowsPage{Total: 1, Valid: 1, Page: 1, Rows: []service.ImportRow{{Line: 2, Cells: map[string]string{"title": rtl, "author": rtl}}}}}),
		"import_done":    importStatusView(service.Import{ID: 3, Filename: rtl, State: service.ImportDone}),
	}
	for name, page := range pages {
		viewtest.RequireIsolated(t, name, page, rtl)
	}
}
