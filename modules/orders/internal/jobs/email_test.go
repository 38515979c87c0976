package jobs_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/orders/internal/jobs"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/mail/mailtest"
	"github.com/bookstore/bookstore/platform/riverfx"
)

// TestOrderEmails_ArriveThroughSMTP follows an order step's email from the
// charge's transaction through the mail.send job to a real SMTP server;
// the seller, who dropped the topic, gets nothing.
func TestOrderEmails_ArriveThroughSMTP(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	srv := mailtest.NewServer(t)
	var outbox *mail.Outbox
	app := fxtest.New(t, fx.NopLogger,
		fx.Supply(config.Config{ShutdownTimeout: 5 * time.Second, SMTPURL: srv.URL("shop@example.com"), PublicURL: "https://shop.example.com"},
			b.pool, slog.New(slog.NewTextHandler(io.Discard, nil)), riverfx.TestOpts()),
		riverfx.Module, mail.Module, fx.Populate(&outbox))
	app.RequireStart()
	t.Cleanup(app.RequireStop)
	b.svc = service.New(b.pool, b.cat, b.ins, &service.Options{ShippingStep: time.Millisecond, Outbox: outbox})

	var f authtest.Feed
	f.Add(auth.User{ID: b.buyer.ID, Email: "buyer@example.com", EmailVerified: true, EmailTopics: []auth.Topic{auth.TopicOrderPlaced}})
	f.Add(auth.User{ID: 2, Email: "seller@example.com", EmailVerified: true, EmailTopics: []auth.Topic{auth.TopicWantMatch}})
	n, err := b.svc.SyncRecipients(ctx, f.UserChanges)
	require.NoError(t, err)
	require.Equal(t, 2, n)

	o := b.order(t, card("4242424242424242"))
	_, err = work(t, b, rivertest.NewWorker(t, riverpgxv5.New(b.pool), b.config, &jobs.Charge{Saga: b.svc}), jobs.ChargeArgs{OrderID: o.ID})
	require.NoError(t, err)
	paid := srv.WaitTo(t, "buyer@example.com", "is paid")
	require.Equal(t, []string{"https://shop.example.com/orders/" + fmt.Sprint(o.ID), "https://shop.example.com/account/notifications"}, mailtest.Links(paid.Body))
	placed := srv.WaitTo(t, "buyer@example.com", "was placed")
	require.Contains(t, placed.Body, "Your order #"+fmt.Sprint(o.ID)+" was placed.")
	// The server has the message before the send job commits its row as
	// sent: wait for the commit.
	require.Eventually(t, func() bool {
		var sent int
		err := b.pool.QueryRow(ctx, "SELECT count(*) FROM mail.outbox WHERE status = 'sent'").Scan(&sent)
		return err == nil && sent == 2
	}, 10*time.Second, 10*time.Millisecond, "placed and paid for the buyer; nothing for the seller, who chose no sale email")
	require.Zero(t, b.count(t, "SELECT count(*) FROM mail.outbox WHERE to_addr = 'seller@example.com'"))
}
