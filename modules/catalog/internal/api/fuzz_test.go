package api_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

// FuzzHTTP sends the catalog's pages and API every request the fuzzer
// makes of these (JSON bodies, forms, query strings), as a seller, another
// member, an admin or a visitor: none may answer 5xx. make test runs it
// with -fuzz for a few seconds; go test runs the seeds and the corpus in
// testdata/fuzz.
func FuzzHTTP(f *testing.F) {
	env := catalogtest.NewServer(f)
	b := catalogtest.CreateBook(context.Background(), f, env.Pool, &catalogtest.BookOpts{SellerID: seller.ID})
	id := fmt.Sprint(b.ID)
	const form, json = "application/x-www-form-urlencoded", "application/json"
	webtest.Fuzz(f, env.Client, [][]string{authtest.As(seller), authtest.As(other), authtest.As(&catalogtest.Admin)},
		webtest.Seed{Method: "GET", Target: "/books?q=dune&condition=good&min_price=1&max_price=2.50&sort=price&page=2"},
		webtest.Seed{Method: "GET", Target: "/api/v1/books?q=%00&language=fr&cursor=3"},
		webtest.Seed{Method: "GET", Target: "/editions/978-0-14-143951-8"},
		webtest.Seed{Method: "POST", Target: "/api/v1/books", ContentType: json, Body: validBody},
		webtest.Seed{Method: "PATCH", Target: "/api/v1/books/" + id, ContentType: json, Body: `{"copies":2,"copies_base":1,"title":"\u202eX"}`},
		webtest.Seed{Method: "POST", Target: "/my/listings/" + id, ContentType: form, Body: "title=T&author=A&condition=good&price=1e9&copies=99999999999&copies_base=-1"},
		webtest.Seed{Method: "POST", Target: "/my/listings", ContentType: form, Body: "title=%FF&price=12.50&copies=2&year=99999"},
		webtest.Seed{Method: "POST", Target: "/admin/listings/" + id + "/hide", ContentType: form, Body: "reason=spam&next=/admin/listings?state=hidden"},
		webtest.Seed{Method: "POST", Target: "/admin/listings/" + id + "/unhide", ContentType: form, Body: "next=//evil.example"},
		webtest.Seed{Method: "PUT", Target: "/api/v1/books/" + id + "/photos/order", ContentType: json, Body: `{"photo_ids":[9223372036854775807,-1,0,-1]}`},
		webtest.Seed{Method: "POST", Target: "/my/listings/" + id + "/photos/99999999999/earlier"},
		webtest.Seed{Method: "DELETE", Target: "/api/v1/books/" + id},
		webtest.Seed{Method: "POST", Target: "/api/v1/me/wants", ContentType: json, Body: `{"isbn":"","words":"a\u0000b","max_price_cents":9223372036854775807,"min_condition":"good","email":true}`},
		webtest.Seed{Method: "PATCH", Target: "/api/v1/me/wants/1", ContentType: json, Body: `{"words":"\u202edune"}`},
		webtest.Seed{Method: "GET", Target: "/api/v1/me/want-matches?offset=2147483648&limit=-1"},
		webtest.Seed{Method: "POST", Target: "/api/v1/me/want-matches/seen"},
		webtest.Seed{Method: "POST", Target: "/my/wants", ContentType: form, Body: "isbn=%FF&words=dune&max_price=1e99&min_condition=%00"},
		webtest.Seed{Method: "POST", Target: "/my/wants/99999999999/delete"},
		webtest.Seed{Method: "GET", Target: "/admin/listings?q=%00&state=%FF&page=99999999999"},
		webtest.Seed{Method: "POST", Target: "/api/v1/me/imports?filename=a%00.csv", ContentType: "text/csv", Body: "title,author,condition,price,year\n=1+2,\"A\"\"\",good,-1,99999999999\n"},
		webtest.Seed{Method: "POST", Target: "/api/v1/me/imports/1/confirm"},
		webtest.Seed{Method: "GET", Target: "/api/v1/me/imports?page=99999999999"},
		webtest.Seed{Method: "GET", Target: "/my/listings/import/1"},
		webtest.Seed{Method: "GET", Target: "/my/listings/import?page=-1"},
		webtest.Seed{Method: "GET", Target: "/my/listings.csv"},
	)
}
