package pages_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/orders"
)

// A seller with a long unread list sees "99+", counted no further; the
// notifications page marks read what it shows, so a later page leaves the
// newer ones unread, and the first page clears the badge. A page past the
// end of the list goes to its last.
func TestPages_NotificationsBadge(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, id := b.placedOrder(t, "badge")
	// 150 past sales like it, each one notification.
	_, err := b.pool.Exec(context.Background(), `
		WITH o AS (
			INSERT INTO orders.orders (buyer_id, buyer_name, status, idempotency_key, request_hash, ship_name, ship_street,
				ship_city, ship_region, ship_postal, ship_country, provider_id, provider_name, subtotal_cents, delivery_cents, total_cents)
			SELECT o.buyer_id, o.buyer_name, 'delivered', 'past-' || g, o.request_hash, o.ship_name, o.ship_street, o.ship_city,
				o.ship_region, o.ship_postal, o.ship_country, o.provider_id, o.provider_name, o.subtotal_cents, o.delivery_cents, o.total_cents
			FROM orders.orders o, generate_series(1, 150) g WHERE o.id = $2
			RETURNING id
		)
		INSERT INTO orders.notifications (user_id, order_id, step, message) SELECT $1, id, 'delivered', 'Delivered' FROM o`, seller.ID, id)
	require.NoError(t, err)

	r := b.c.Get(t, "/my/sales", authtest.As(&seller)...)
	require.Contains(t, r.Body, `data-unread>99+<`)
	r = b.c.JSON(t, http.MethodGet, "/api/v1/notifications?limit=1", "", authtest.As(&seller)...)
	require.Contains(t, r.Body, fmt.Sprintf(`"unread":%d`, orders.UnreadCap), "the count the API document bounds")

	r = b.c.Get(t, "/notifications?page=2", authtest.As(&seller)...)
	require.Equal(t, 20, strings.Count(r.Body, "<strong>New:</strong>"))
	require.Contains(t, r.Body, `data-unread>20<`, "the first page's, not shown yet")
	r = b.c.Get(t, "/notifications", authtest.As(&seller)...)
	require.Equal(t, 20, strings.Count(r.Body, "<strong>New:</strong>"))
	require.Contains(t, r.Body, "data-unread hidden></span>")
	r = b.c.Get(t, "/notifications?page=2", authtest.As(&seller)...)
	require.NotContains(t, r.Body, "<strong>New:</strong>")

	// A page past the end leads to the last of the eight, not the first.
	r = b.c.Get(t, "/notifications?page=99", authtest.As(&seller)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	require.Equal(t, "/notifications?page=8", r.Header.Get("Location"))
}
