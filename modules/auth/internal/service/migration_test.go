package service_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"

	"github.com/bookstore/bookstore"
	"github.com/bookstore/bookstore/platform/migrate"
	"github.com/bookstore/bookstore/platform/pgtest"
)

// Addresses stored before they had one normal form come to NFC, with the
// links pending for them and an entry in the change feed, but for one
// whose NFC another account already holds; a Unicode domain is left for
// the service's start (TestService_NormalizeStoredEmails).
func TestMigration_EmailNormalForm(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.MigratedBefore(t, "auth", "0010")
	rows, err := pool.Query(ctx, `
		INSERT INTO auth.users (email, name, password_hash)
		SELECT e, 'Zoë', 'h' FROM unnest($1::text[]) WITH ORDINALITY AS s(e, n) ORDER BY n
		RETURNING id`, []string{
		norm.NFD.String("Zoë@example.org"),   // alone: comes to NFC
		"Chloë@example.org",                  // NFC already
		norm.NFD.String("chloë@example.org"), // the same mailbox twice: left
		"anna@bücher.example",                // left for the start-up conversion
	})
	require.NoError(t, err)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO auth.email_tokens (token_hash, user_id, purpose, email, created_at, expires_at)
		VALUES ('t', $1, 'verify', $2, now(), now() + interval '1 day')`, ids[0], norm.NFD.String("Zoë@example.org"))
	require.NoError(t, err)

	require.NoError(t, migrate.Apply(ctx, pool, bookstore.MigrationSets("auth")))

	column := func(sql string) []string {
		t.Helper()
		rows, err := pool.Query(ctx, sql)
		require.NoError(t, err)
		out, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		return out
	}
	require.Equal(t, []string{
		"Zoë@example.org",
		"Chloë@example.org",
		norm.NFD.String("chloë@example.org"),
		"anna@bücher.example",
	}, column("SELECT email FROM auth.users ORDER BY id"))
	require.Equal(t, []string{"Zoë@example.org"}, column("SELECT email FROM auth.email_tokens"), "the pending link still opens")
	require.Equal(t, []string{"Zoë@example.org"}, column("SELECT u.email FROM auth.user_changes c JOIN auth.users u ON u.id = c.user_id"),
		"the feed tells the modules that copy addresses")
	require.Equal(t, []string{norm.NFD.String("chloë@example.org"), "anna@bücher.example"},
		column(`SELECT email FROM auth.users WHERE email ~ '[^\x01-\x7f][^@]*$' OR email IS NOT NFC NORMALIZED ORDER BY id`),
		"the start-up conversion's rows")
}
