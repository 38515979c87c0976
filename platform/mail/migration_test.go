package mail_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore"
	"github.com/bookstore/bookstore/platform/migrate"
	"github.com/bookstore/bookstore/platform/pgtest"
)

// Emails stored before secrets were marked, as 0001's outbox held them
// (the bodies as auth wrote them then): 0002 hides the links of auth's
// sent and given-up emails, marks those of its unsent ones as their
// secret, and keeps every other word and every other email as it was.
func TestMigration_OutboxSecret(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.MigratedBefore(t, "mail", "0002")

	const (
		verifyLink = "https://shop.example.com/account/verify?token=Vx-9_aQ%2Bz"
		resetLink  = "http://localhost:8080/account/reset?lang=en&token=R3s3t"
		sentNote   = "[link hidden: it was sent to the user]"
		failedNote = "[link hidden: it could not be sent; the user can ask for a new one]"
	)
	verify := func(link string) string {
		return "Hello Ana,\n\nPlease confirm that this is your email address by opening this link:\n\n" + link +
			"\n\nThe link works once, for 24 hours. Until you confirm, you can shop but not publish listings.\n\n" +
			"If you did not sign up at BookStore, ignore this email.\n"
	}
	reset := func(link string) string {
		return "Hello Ana,\r\n\r\nSomeone, hopefully you, asked to reset the password of your BookStore account. Choose a new one here:\r\n\r\n" + link +
			"\r\n\r\nThe link works once, for one hour. Help: https://shop.example.com/help\r\n"
	}
	type row struct {
		kind, status, body string
	}
	old := []row{
		{"auth.verify_email", "sent", verify(verifyLink)},
		{"auth.password_reset", "sent", reset(resetLink)},
		{"auth.verify_email", "failed", verify(verifyLink)},
		{"auth.password_reset", "failed", reset(resetLink)},
		{"auth.verify_email", "stored", verify(verifyLink)},
		{"auth.password_reset", "queued", reset(resetLink)},
		{"auth.password_reset", "sent", "Your password was changed. Not you? https://shop.example.com/account/forgot\n"},
		{"orders.shipped", "sent", "Track it at https://shop.example.com/orders/7?token=not-a-credential\n"},
		{"orders.shipped", "stored", "Track it at https://shop.example.com/orders/8?token=not-a-credential\n"},
	}
	for _, r := range old {
		_, err := pool.Exec(ctx, `INSERT INTO mail.outbox (kind, to_addr, subject, body, status, attempts, sent_at)
			VALUES ($1, 'ana@example.com', 'About your account', $2, $3, 1, CASE WHEN $3 = 'sent' THEN now() END)`,
			r.kind, r.body, r.status)
		require.NoError(t, err)
	}

	require.NoError(t, migrate.Apply(ctx, pool, bookstore.MigrationSets("mail")))

	rows, err := pool.Query(ctx, "SELECT kind, status, body, secret FROM mail.outbox ORDER BY id")
	require.NoError(t, err)
	type kept struct {
		row
		secret *string
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (kept, error) {
		var k kept
		return k, r.Scan(&k.kind, &k.status, &k.body, &k.secret)
	})
	require.NoError(t, err)
	link := func(s string) *string { return &s }
	require.Equal(t, []kept{
		{row{"auth.verify_email", "sent", verify(sentNote)}, nil},
		{row{"auth.password_reset", "sent", reset(sentNote)}, nil},
		{row{"auth.verify_email", "failed", verify(failedNote)}, nil},
		{row{"auth.password_reset", "failed", reset(failedNote)}, nil},
		{row{"auth.verify_email", "stored", verify(verifyLink)}, link(verifyLink)},
		{row{"auth.password_reset", "queued", reset(resetLink)}, link(resetLink)},
		{old[6], nil},
		{old[7], nil},
		{old[8], nil},
	}, got)
}
