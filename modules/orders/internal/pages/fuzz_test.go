package pages_test

import (
	"fmt"
	"testing"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

// FuzzHTTP sends the orders module's pages and API every request the
// fuzzer makes of these (cart and checkout forms, order bodies with
// Idempotency-Keys, list offsets, reviews, the seller's page, the admin's
// jobs, outbox and activity log), as a buyer, the seller, an admin or a
// visitor: none may answer 5xx. make test runs it with -fuzz for a few
// seconds; go test runs the seeds and the corpus in testdata/fuzz.
func FuzzHTTP(f *testing.F) {
	b := setup(f)
	id := fmt.Sprint(b.book.ID)
	const form, json = "application/x-www-form-urlencoded", "application/json"
	webtest.Fuzz(f, b.c, [][]string{authtest.As(&buyer), authtest.As(&seller), authtest.As(&admin)},
		webtest.Seed{Method: "POST", Target: "/cart/items", ContentType: form, Body: "book_id=" + id + "&quantity=99999999999"},
		webtest.Seed{Method: "PUT", Target: "/api/v1/cart/items/" + id, ContentType: json, Body: `{"quantity":2}`},
		webtest.Seed{Method: "POST", Target: "/api/v1/orders", ContentType: json, Body: `{"lines":[{"book_id":` + id + `,"quantity":1,"price_cents":1500}],"delivery_provider_id":3}`},
		webtest.Seed{Method: "POST", Target: "/checkout", ContentType: form, Body: checkoutForm("\x00").Encode() + "&line=" + id + ":1:1500"},
		webtest.Seed{Method: "GET", Target: "/api/v1/orders?offset=9223372036854775807&limit=-1"},
		webtest.Seed{Method: "GET", Target: "/api/v1/notifications?offset=2147483648"},
		webtest.Seed{Method: "GET", Target: "/my/orders?page=99999999999"},
		webtest.Seed{Method: "POST", Target: "/orders/1/cancel"},
		webtest.Seed{Method: "POST", Target: "/admin/providers/1", ContentType: form, Body: "days=99999999999&fee=1e9"},
		webtest.Seed{Method: "POST", Target: "/orders/1/reviews", ContentType: form, Body: "seller_id=99999999999&rating=6&comment=%00"},
		webtest.Seed{Method: "POST", Target: "/api/v1/orders/1/reviews", ContentType: json, Body: `{"seller_id":9223372036854775807,"rating":5,"comment":"\u202eX"}`},
		webtest.Seed{Method: "POST", Target: "/reviews/1/reply", ContentType: form, Body: "order_id=-1&reply=%FF"},
		webtest.Seed{Method: "POST", Target: "/api/v1/reviews/1/hide", ContentType: json, Body: `{"reason":"a\u0000b"}`},
		webtest.Seed{Method: "POST", Target: "/admin/reviews/1/hide", ContentType: form, Body: "reason=%C0%AF&next=//evil.example"},
		webtest.Seed{Method: "GET", Target: "/sellers/" + fmt.Sprint(seller.ID) + "?page=99999999999&reviews=-1"},
		webtest.Seed{Method: "GET", Target: "/api/v1/sellers/" + fmt.Sprint(seller.ID) + "?offset=4294967295"},
		webtest.Seed{Method: "GET", Target: "/admin/jobs?state=%00&kind=%FF&page=99999999999"},
		webtest.Seed{Method: "POST", Target: "/admin/jobs/local/99999999999/retry", ContentType: form, Body: "next=/admin/jobs"},
		webtest.Seed{Method: "GET", Target: "/admin/outbox?before=%00"},
		webtest.Seed{Method: "GET", Target: "/admin/activity?action=%00&q=%FF%00&page=99999999999"},
		webtest.Seed{Method: "GET", Target: "/api/v1/admin/activity?action=user.disable&q=%C0%AF&offset=100000&limit=100"},
	)
}
