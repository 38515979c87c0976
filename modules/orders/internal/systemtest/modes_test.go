package systemtest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/apidoc/apitest"
	"github.com/bookstore/bookstore/platform/mail/mailtest"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/proctest"
)

// shopEnv is what the process tests start the real binary with: a fresh
// database and a fast simulated world.
func shopEnv(t *testing.T) []string {
	t.Helper()
	return []string{"DATABASE_URL=" + pgtest.NewURL(t), "BOOKSTORE_LOG_LEVEL=warn",
		"BOOKSTORE_SHIPPING_STEP=100ms", "BOOKSTORE_BANK_TRANSFER_DELAY=200ms", "BOOKSTORE_SHUTDOWN_TIMEOUT=5s"}
}

// modes start the shop as a monolith or split (the gateway and a process
// per module, supervised), returning its base URL.
var modes = map[string]func(t *testing.T, env ...string) string{
	"Monolith": func(t *testing.T, env ...string) string { return proctest.Serve(t, append(shopEnv(t), env...)).URL() },
	"Split": func(t *testing.T, env ...string) string {
		return proctest.ServeSplit(t, append(shopEnv(t), env...)).URL()
	},
}

// TestAPI_FlowInBothModes runs the JSON API journey, sign-up → list a book
// → checkout → delivered, against the real binary in each mode.
func TestAPI_FlowInBothModes(t *testing.T) {
	t.Parallel()
	for name, start := range modes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// The seller confirms their address from the email the shop
			// sends through SMTP (in split mode, from the auth process).
			c := &apiClient{mail: mailtest.NewServer(t), http: &http.Client{Transport: apitest.Transport(t, nil)}}
			c.base = start(t, "BOOKSTORE_SMTP_URL="+c.mail.URL("shop@example.com"))
			seller := c.signUp(t, "seller")
			var book struct {
				ID         int64 `json:"id"`
				PriceCents int64 `json:"price_cents"`
			}
			c.do(t, seller, http.MethodPost, "/api/v1/books", map[string]any{
				"title": "The Left Hand of Darkness", "author": "Ursula K. Le Guin", "condition": "good", "price_cents": 1450, "copies": 2,
			}, http.StatusCreated, &book)

			buyer := c.signUp(t, "buyer")
			c.do(t, buyer, http.MethodPut, fmt.Sprintf("/api/v1/cart/items/%d", book.ID), map[string]any{"quantity": 2}, http.StatusOK, nil)
			var order struct {
				ID         int64  `json:"id"`
				Status     string `json:"status"`
				TotalCents int64  `json:"total_cents"`
				BuyerName  string `json:"buyer_name"`
				Lines      []struct {
					SellerName string `json:"seller_name"`
				} `json:"lines"`
			}
			c.do(t, buyer, http.MethodPost, "/api/v1/orders", checkoutBody("4242424242424242", service.SeenLine{BookID: catalog.BookID(book.ID), Quantity: 2, PriceCents: book.PriceCents}), http.StatusCreated, &order, "Idempotency-Key", "flow-1")
			require.Equal(t, int64(2*1450+800), order.TotalCents)
			require.Equal(t, []string{"buyer", "seller"}, []string{order.BuyerName, order.Lines[0].SellerName}, "the order names the people, whichever process signed them in")

			deadline := time.After(time.Minute)
			for order.Status != "delivered" {
				select {
				case <-deadline:
					t.Fatalf("order %d is %s, not delivered", order.ID, order.Status)
				case <-time.After(50 * time.Millisecond):
				}
				c.do(t, buyer, http.MethodGet, fmt.Sprintf("/api/v1/orders/%d", order.ID), nil, http.StatusOK, &order)
			}
			// The job that sells the copies of the carrier's batch (in
			// split mode, an internal call from the orders process to the
			// catalog's) runs apart from the shipment's steps.
			var listing struct {
				Available int `json:"available"`
				Held      int `json:"held"`
				Sold      int `json:"sold"`
			}
			for listing.Sold != 2 {
				select {
				case <-deadline:
					t.Fatalf("the listing's copies are %+v, not both sold", listing)
				case <-time.After(50 * time.Millisecond):
				}
				c.do(t, seller, http.MethodGet, fmt.Sprintf("/api/v1/books/%d", book.ID), nil, http.StatusOK, &listing)
			}
			require.Equal(t, []int{0, 0}, []int{listing.Available, listing.Held}, "both copies sold")
			var sales struct {
				Sales []json.RawMessage `json:"sales"`
			}
			c.do(t, seller, http.MethodGet, "/api/v1/sales", nil, http.StatusOK, &sales)
			require.Len(t, sales.Sales, 1)
		})
	}
}

// apiClient calls the JSON API of a running shop, which sends its emails
// to mail.
type apiClient struct {
	base string
	n    int
	mail *mailtest.Server
	// http checks every exchange against the OpenAPI document, so the
	// real binary in either mode keeps to it, the gateway included.
	http *http.Client
}

// signUp creates an account through the API, confirms its address with
// the emailed link, and returns its bearer token.
func (c *apiClient) signUp(t *testing.T, who string) string {
	t.Helper()
	c.n++
	email := fmt.Sprintf("%s%d@example.com", who, c.n)
	const pw = "correct horse battery staple"
	c.do(t, "", http.MethodPost, "/api/v1/auth/signup", map[string]any{"email": email, "name": who, "password": pw}, http.StatusCreated, nil)
	got := c.mail.WaitTo(t, email, "Confirm your email address")
	c.do(t, "", http.MethodPost, "/api/v1/auth/verify-email", map[string]any{"token": mailtest.Token(t, got.Body)}, http.StatusOK, nil)
	var out struct {
		Token string `json:"token"`
	}
	c.do(t, "", http.MethodPost, "/api/v1/auth/signin", map[string]any{"email": email, "password": pw}, http.StatusOK, &out)
	require.NotEmpty(t, out.Token)
	return out.Token
}

// do sends a JSON request with token (if any) and headers, requires the
// status and decodes the answer into out (if not nil).
func (c *apiClient) do(t *testing.T, token, method, path string, body any, status int, out any, hdr ...string) {
	t.Helper()
	req, err := newJSONRequest(method, c.base+path, body)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.http.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, status, res.StatusCode, "%s %s: %s", method, path, raw)
	if out != nil {
		require.NoError(t, json.Unmarshal(raw, out), string(raw))
	}
}
