package systemtest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
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
			// The test's own database, which the command line also uses.
			db := pgtest.NewURL(t)
			c.base = start(t, "BOOKSTORE_SMTP_URL="+c.mail.URL("shop@example.com"), "DATABASE_URL="+db)
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

			c.adminActsInEveryModule(t, db, buyer, seller, order.ID, book.ID)
		})
	}
}

// adminActsInEveryModule makes an admin from the command line, who then
// hides the buyer's review of the delivered order (orders), disables the
// buyer (auth) and hides the listing (catalog, on its page: the API has no
// hide); the activity log lists all four actions, newest first, from
// every module (in split mode, each read from its own process).
func (c *apiClient) adminActsInEveryModule(t *testing.T, db, buyer, seller string, orderID, bookID int64) {
	t.Helper()
	c.signUp(t, "admin")
	email := fmt.Sprintf("admin%d@example.com", c.n)
	cmd := exec.Command(proctest.Binary(t), "user", "promote", email)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+db, "BOOKSTORE_LOG_LEVEL=warn")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	signIn := map[string]any{"email": email, "password": password}
	var admin struct {
		Token string `json:"token"`
	}
	c.do(t, "", http.MethodPost, "/api/v1/auth/signin", signIn, http.StatusOK, &admin)

	var me struct {
		User struct {
			ID int64 `json:"id"`
		} `json:"user"`
	}
	c.do(t, seller, http.MethodGet, "/api/v1/me", nil, http.StatusOK, &me)
	var review struct {
		ID int64 `json:"id"`
	}
	c.do(t, buyer, http.MethodPost, fmt.Sprintf("/api/v1/orders/%d/reviews", orderID), map[string]any{"seller_id": me.User.ID, "rating": 1}, http.StatusCreated, &review)
	c.do(t, admin.Token, http.MethodPost, fmt.Sprintf("/api/v1/reviews/%d/hide", review.ID), map[string]any{"reason": "Not about the seller"}, http.StatusOK, nil)
	c.do(t, buyer, http.MethodGet, "/api/v1/me", nil, http.StatusOK, &me)
	c.do(t, admin.Token, http.MethodPost, fmt.Sprintf("/api/v1/admin/users/%d/disable", me.User.ID), map[string]any{"reason": "Fake reviews"}, http.StatusOK, nil)

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	web := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	signIn["cookie"] = true
	body, err := json.Marshal(signIn)
	require.NoError(t, err)
	res, err := web.Post(c.base+"/api/v1/auth/signin", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	res, err = web.Get(c.base + "/admin/listings")
	require.NoError(t, err)
	page, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	token := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(page)
	require.NotNil(t, token, "%s", page)
	res, err = web.PostForm(fmt.Sprintf("%s/admin/listings/%d/hide", c.base, bookID), url.Values{"csrf_token": {string(token[1])}, "reason": {"Counterfeit copy"}})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusSeeOther, res.StatusCode)

	var log struct {
		Entries []struct {
			Module       string `json:"module"`
			Action       string `json:"action"`
			ActorName    string `json:"actor_name"`
			SubjectLabel string `json:"subject_label"`
			Reason       string `json:"reason"`
		} `json:"entries"`
		Unreadable []string `json:"unreadable"`
	}
	c.do(t, admin.Token, http.MethodGet, "/api/v1/admin/activity", nil, http.StatusOK, &log)
	require.Empty(t, log.Unreadable)
	var got []string
	for _, e := range log.Entries {
		got = append(got, strings.Join([]string{e.Module, e.Action, e.ActorName, e.SubjectLabel, e.Reason}, " | "))
	}
	require.Equal(t, []string{
		"catalog | listing.hide | admin | The Left Hand of Darkness | Counterfeit copy",
		"auth | user.disable | admin | buyer2@example.com | Fake reviews",
		fmt.Sprintf("orders | review.hide | admin | review #%d of order #%d | Not about the seller", review.ID, orderID),
		"auth | user.promote | command line (bookstore user) | " + email + " | ",
	}, got)
	c.do(t, admin.Token, http.MethodGet, "/api/v1/admin/activity?action=user.disable", nil, http.StatusOK, &log)
	require.Len(t, log.Entries, 1)
	require.Equal(t, "auth", log.Entries[0].Module)
	c.do(t, seller, http.MethodGet, "/api/v1/admin/activity", nil, http.StatusForbidden, nil)
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

// password is every account's.
const password = "correct horse battery staple"

// signUp creates an account through the API, confirms its address with
// the emailed link, and returns its bearer token.
func (c *apiClient) signUp(t *testing.T, who string) string {
	t.Helper()
	c.n++
	email := fmt.Sprintf("%s%d@example.com", who, c.n)
	c.do(t, "", http.MethodPost, "/api/v1/auth/signup", map[string]any{"email": email, "name": who, "password": password}, http.StatusCreated, nil)
	got := c.mail.WaitTo(t, email, "Confirm your email address")
	c.do(t, "", http.MethodPost, "/api/v1/auth/verify-email", map[string]any{"token": mailtest.Token(t, got.Body)}, http.StatusOK, nil)
	var out struct {
		Token string `json:"token"`
	}
	c.do(t, "", http.MethodPost, "/api/v1/auth/signin", map[string]any{"email": email, "password": password}, http.StatusOK, &out)
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
