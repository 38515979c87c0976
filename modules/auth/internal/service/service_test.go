package service_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/password"
	"github.com/bookstore/bookstore/modules/auth/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/pg"
	"github.com/bookstore/bookstore/platform/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// fastHash keeps tests quick; the cost itself is measured by BenchmarkSignIn.
var fastHash = password.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type bundle struct {
	svc   *service.Service
	pool  *pgxpool.Pool
	clock *clock
}

func setup(t *testing.T, opts *service.Opts) (context.Context, *bundle) {
	t.Helper()
	b := &bundle{pool: pgtest.New(t), clock: &clock{now: time.Now().UTC().Truncate(time.Microsecond)}}
	if opts == nil {
		opts = &service.Opts{}
	}
	if opts.Hash == nil {
		opts.Hash = &fastHash
	}
	opts.NowFunc = b.clock.Now
	svc, err := service.New(b.pool, opts)
	require.NoError(t, err)
	b.svc = svc
	return context.Background(), b
}

const pw = "correct horse battery"

var emailSeq atomic.Int64

func uniqueEmail() string { return fmt.Sprintf("user%d@example.com", emailSeq.Add(1)) }

func (b *bundle) signUp(ctx context.Context, t *testing.T) (auth.User, service.Session) {
	t.Helper()
	u, s, err := b.svc.SignUp(ctx, service.SignUpInput{Email: uniqueEmail(), Name: "Ada Lovelace", Password: pw})
	require.NoError(t, err)
	return u, s
}

func (b *bundle) admin(ctx context.Context, t *testing.T) auth.User {
	t.Helper()
	u, err := b.svc.CreateUser(ctx, auth.NewUser{Email: uniqueEmail(), Name: "Admin", Password: pw, Admin: true})
	require.NoError(t, err)
	return u
}

func (b *bundle) changeCount(t *testing.T, id auth.UserID) int {
	t.Helper()
	var n int
	require.NoError(t, b.pool.QueryRow(context.Background(), "SELECT count(*) FROM auth.user_changes WHERE user_id = $1", int64(id)).Scan(&n))
	return n
}

func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	require.ErrorIs(t, err, service.ErrInvalid)
	return apperr.As(err).Fields
}

func TestService_SignUp(t *testing.T) {
	t.Parallel()

	t.Run("CreatesMemberAndSession", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, s, err := b.svc.SignUp(ctx, service.SignUpInput{Email: "  Mixed.Case@Example.com ", Name: "  Ada  ", Password: pw})
		require.NoError(t, err)
		require.Equal(t, "Mixed.Case@Example.com", u.Email)
		require.Equal(t, "Ada", u.Name)
		require.Equal(t, auth.RoleMember, u.Role)
		require.False(t, u.Disabled)
		require.Len(t, s.ID, 43)
		require.NotEqual(t, s.ID, s.CSRFToken)
		got, err := b.svc.Authenticate(ctx, s.ID)
		require.NoError(t, err)
		require.Equal(t, auth.Identity{User: u, CSRFToken: s.CSRFToken}, got)

		var stored string
		require.NoError(t, b.pool.QueryRow(ctx, "SELECT password_hash FROM auth.users WHERE id = $1", int64(u.ID)).Scan(&stored))
		require.True(t, strings.HasPrefix(stored, "$argon2id$v=19$m=1024,t=1,p=1$"), "parameters are recorded per hash")
		require.NotContains(t, stored, pw)
		var idHashes int
		require.NoError(t, b.pool.QueryRow(ctx, "SELECT count(*) FROM auth.sessions WHERE id_hash = $1", []byte(s.ID)).Scan(&idHashes))
		require.Zero(t, idHashes, "the raw session id is never stored")
	})

	t.Run("Rules", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		cases := map[string]struct {
			in   service.SignUpInput
			want map[string]string
		}{
			"Empty": {service.SignUpInput{}, map[string]string{
				"email": "enter your email address", "name": "enter a display name", "password": "choose a password"}},
			"BadEmail":       {service.SignUpInput{Email: "not-an-email", Name: "Ada", Password: pw}, map[string]string{"email": "enter an email address like name@example.com"}},
			"EmailWithName":  {service.SignUpInput{Email: "Ada <a@example.com>", Name: "Ada", Password: pw}, map[string]string{"email": "enter an email address like name@example.com"}},
			"EmailNoDot":     {service.SignUpInput{Email: "a@localhost", Name: "Ada", Password: pw}, map[string]string{"email": "enter an email address like name@example.com"}},
			"EmailTooLong":   {service.SignUpInput{Email: strings.Repeat("a", 250) + "@example.com", Name: "Ada", Password: pw}, map[string]string{"email": "an email address has at most 254 characters"}},
			"NameShort":      {service.SignUpInput{Email: uniqueEmail(), Name: "  A  ", Password: pw}, map[string]string{"name": "a display name has 2 to 40 characters"}},
			"NameLong":       {service.SignUpInput{Email: uniqueEmail(), Name: strings.Repeat("é", 41), Password: pw}, map[string]string{"name": "a display name has 2 to 40 characters"}},
			"NameControl":    {service.SignUpInput{Email: uniqueEmail(), Name: "Ada\x00Lovelace", Password: pw}, map[string]string{"name": "a display name must not contain control characters"}},
			"NameBidi":       {service.SignUpInput{Email: uniqueEmail(), Name: "\u202enimdA", Password: pw}, map[string]string{"name": "a display name must not contain invisible or text-direction characters"}},
			"NameInvisible":  {service.SignUpInput{Email: uniqueEmail(), Name: "Ad\u200bmin", Password: pw}, map[string]string{"name": "a display name must not contain invisible or text-direction characters"}},
			"PasswordShort":  {service.SignUpInput{Email: uniqueEmail(), Name: "Ada", Password: "123456789"}, map[string]string{"password": "a password has 10 to 128 characters"}},
			"PasswordLong":   {service.SignUpInput{Email: uniqueEmail(), Name: "Ada", Password: strings.Repeat("x", 129)}, map[string]string{"password": "a password has 10 to 128 characters"}},
			"PasswordEmail":  {service.SignUpInput{Email: "ada.lovelace@example.com", Name: "Ada", Password: "ADA.lovelace@example.com"}, map[string]string{"password": "your password cannot be your email address"}},
			"HugeEverything": {service.SignUpInput{Email: strings.Repeat("x", 10000), Name: strings.Repeat("x", 10000), Password: strings.Repeat("x", 10000)}, map[string]string{"email": "an email address has at most 254 characters", "name": "a display name has 2 to 40 characters", "password": "a password has 10 to 128 characters"}},
		}
		for name, tc := range cases {
			_, _, err := b.svc.SignUp(ctx, tc.in)
			require.Equal(t, tc.want, fieldsOf(t, err), name)
		}
		var n int
		require.NoError(t, b.pool.QueryRow(ctx, "SELECT count(*) FROM auth.users").Scan(&n))
		require.Zero(t, n)
	})

	t.Run("AcceptsEdges", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		for _, name := range []string{"Al", strings.Repeat("é", 40), "مرحبا بالعالم", "می\u200cخواهم", "<script>alert(1)</script>", "Robert'); DROP TABLE auth.users;--"} {
			u, _, err := b.svc.SignUp(ctx, service.SignUpInput{Email: uniqueEmail(), Name: name, Password: strings.Repeat("p", 10)})
			require.NoError(t, err, name)
			require.Equal(t, name, u.Name, "stored as typed")
		}
		_, _, err := b.svc.SignUp(ctx, service.SignUpInput{Email: uniqueEmail(), Name: "Max", Password: strings.Repeat("😀", 128)})
		require.NoError(t, err, "128 characters, whatever their bytes")
	})

	t.Run("DuplicateEmailAnyCase", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		_, _, err := b.svc.SignUp(ctx, service.SignUpInput{Email: "dup@example.com", Name: "First", Password: pw})
		require.NoError(t, err)
		_, _, err = b.svc.SignUp(ctx, service.SignUpInput{Email: "DUP@Example.COM", Name: "Second", Password: pw})
		require.Equal(t, map[string]string{"email": "an account with this email already exists; sign in instead"}, fieldsOf(t, err))
		_, err = b.svc.CreateUser(ctx, auth.NewUser{Email: "Dup@example.com", Name: "Third", Password: pw})
		require.ErrorIs(t, err, service.ErrInvalid)
	})

	t.Run("ConcurrentDuplicateExactlyOneWins", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, &service.Opts{Limits: &service.Limits{Window: time.Minute, SignInPerAddress: 100, SignInPerAccountAddress: 100, PasswordChecksPerAccount: 100, SignUpPerAddress: 100, SignUpPerAccount: 100}})
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, _, errs[i] = b.svc.SignUp(ctx, service.SignUpInput{Email: []string{"Race@Example.com", "race@example.com", "RACE@EXAMPLE.COM", "rAcE@example.Com"}[i%4], Name: fmt.Sprintf("Racer %d", i), Password: pw})
			}()
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
				continue
			}
			require.Equal(t, map[string]string{"email": "an account with this email already exists; sign in instead"}, fieldsOf(t, err))
		}
		require.Equal(t, 1, wins)
		var users, changes int
		require.NoError(t, b.pool.QueryRow(ctx, "SELECT count(*) FROM auth.users").Scan(&users))
		require.NoError(t, b.pool.QueryRow(ctx, "SELECT count(*) FROM auth.user_changes").Scan(&changes))
		require.Equal(t, 1, users)
		require.Equal(t, 1, changes, "the loser's change rolled back with it")
	})

	t.Run("RateLimited", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, &service.Opts{Limits: &service.Limits{Window: time.Minute, SignInPerAddress: 10, SignInPerAccountAddress: 10, PasswordChecksPerAccount: 10, SignUpPerAddress: 2, SignUpPerAccount: 10}})
		for range 2 {
			_, _, _ = b.svc.SignUp(ctx, service.SignUpInput{Email: uniqueEmail(), Name: "Ada", Password: pw, ClientAddr: "192.0.2.1"})
		}
		_, _, err := b.svc.SignUp(ctx, service.SignUpInput{Email: uniqueEmail(), Name: "Ada", Password: pw, ClientAddr: "192.0.2.1"})
		require.ErrorIs(t, err, service.ErrRateLimited)
		limited := apperr.As(err)
		require.NotNil(t, limited)
		require.Equal(t, time.Minute, limited.RetryAfter)
		require.Equal(t, "too many attempts; please wait 1 minute and try again", err.Error())
		_, _, err = b.svc.SignUp(ctx, service.SignUpInput{Email: uniqueEmail(), Name: "Ada", Password: pw, ClientAddr: "192.0.2.2"})
		require.NoError(t, err, "another address has its own count")
		b.clock.Add(time.Minute)
		_, _, err = b.svc.SignUp(ctx, service.SignUpInput{Email: uniqueEmail(), Name: "Ada", Password: pw, ClientAddr: "192.0.2.1"})
		require.NoError(t, err)
	})

	// A form refused for its fields counts against no limit: a member who
	// misses the password rule keeps every attempt the limits allow, and
	// an email found taken, which tells whether it has an account, counts.
	t.Run("FieldErrorsNotCounted", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, &service.Opts{Limits: &service.Limits{Window: time.Minute, SignInPerAddress: 10, SignInPerAccountAddress: 10, PasswordChecksPerAccount: 10, SignUpPerAddress: 2, SignUpPerAccount: 2}})
		in := service.SignUpInput{Email: "typo@example.com", Name: "Ada", Password: "short", ClientAddr: "192.0.2.1"}
		for range 5 {
			_, _, err := b.svc.SignUp(ctx, in)
			require.Contains(t, fieldsOf(t, err), "password")
		}
		in.Password = pw
		_, _, err := b.svc.SignUp(ctx, in)
		require.NoError(t, err, "after five forms the password rule refused")
		_, _, err = b.svc.SignUp(ctx, in)
		require.Equal(t, map[string]string{"email": "an account with this email already exists; sign in instead"}, fieldsOf(t, err))
		_, _, err = b.svc.SignUp(ctx, in)
		require.ErrorIs(t, err, service.ErrRateLimited, "the sign-up made and the email found taken count")
	})

	t.Run("RateLimitedPerAccount", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, &service.Opts{Limits: &service.Limits{Window: time.Minute, SignInPerAddress: 10, SignInPerAccountAddress: 10, PasswordChecksPerAccount: 10, SignUpPerAddress: 10, SignUpPerAccount: 2}})
		for i := range 2 {
			_, _, _ = b.svc.SignUp(ctx, service.SignUpInput{Email: "same@example.com", Name: "Ada", Password: pw, ClientAddr: fmt.Sprint("192.0.2.", i)})
		}
		_, _, err := b.svc.SignUp(ctx, service.SignUpInput{Email: "SAME@example.com", Name: "Ada", Password: pw, ClientAddr: "192.0.2.99"})
		require.ErrorIs(t, err, service.ErrRateLimited)
	})
}

func TestService_SignIn(t *testing.T) {
	t.Parallel()

	t.Run("SameMessageForUnknownEmailAndWrongPassword", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, _ := b.signUp(ctx, t)
		_, _, errUnknown := b.svc.SignIn(ctx, service.SignInInput{Email: "nobody@example.com", Password: pw})
		_, _, errWrong := b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: pw + "x"})
		require.ErrorIs(t, errUnknown, service.ErrBadCredentials)
		require.ErrorIs(t, errWrong, service.ErrBadCredentials)
		require.Equal(t, errUnknown.Error(), errWrong.Error())
		for _, in := range []service.SignInInput{{Email: strings.Repeat("x", 10000), Password: pw}, {Email: u.Email, Password: strings.Repeat("x", 10000)}} {
			_, _, err := b.svc.SignIn(ctx, in)
			require.ErrorIs(t, err, service.ErrBadCredentials)
		}
	})

	t.Run("MissingFieldsAreNamed", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, &service.Opts{Limits: &service.Limits{Window: time.Minute, SignInPerAddress: 1, SignInPerAccountAddress: 1, PasswordChecksPerAccount: 1, SignUpPerAddress: 1, SignUpPerAccount: 1}})
		for in, want := range map[service.SignInInput][]string{
			{}:                                    {"email", "password"},
			{Email: " ", ClientAddr: "192.0.2.1"}: {"email", "password"},
			{Email: "a@example.com", ClientAddr: "192.0.2.1"}: {"password"},
			{Password: pw, ClientAddr: "192.0.2.1"}:           {"email"},
		} {
			_, _, err := b.svc.SignIn(ctx, in)
			require.ErrorIs(t, err, service.ErrInvalid, "%+v", in)
			require.ElementsMatch(t, want, slices.Collect(maps.Keys(apperr.As(err).Fields)), "%+v", in)
		}
		_, _, err := b.svc.SignIn(ctx, service.SignInInput{Email: "a@example.com", Password: "wrong password", ClientAddr: "192.0.2.1"})
		require.ErrorIs(t, err, service.ErrBadCredentials, "an unfinished form spent none of the address's attempts")
	})

	t.Run("AnyCaseEmail", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, _ := b.signUp(ctx, t)
		got, s, err := b.svc.SignIn(ctx, service.SignInInput{Email: " " + strings.ToUpper(u.Email) + " ", Password: pw})
		require.NoError(t, err)
		require.Equal(t, u.ID, got.ID)
		require.False(t, s.Persistent)
	})

	t.Run("RotatesSessionID", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, first := b.signUp(ctx, t)
		_, second, err := b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: pw, Previous: first.ID})
		require.NoError(t, err)
		require.NotEqual(t, first.ID, second.ID)
		require.NotEqual(t, first.CSRFToken, second.CSRFToken)
		_, err = b.svc.Authenticate(ctx, first.ID)
		require.ErrorIs(t, err, auth.ErrUnauthenticated, "the previous id no longer works")
		_, err = b.svc.Authenticate(ctx, second.ID)
		require.NoError(t, err)
	})

	t.Run("DisabledUserCannot", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		admin := b.admin(ctx, t)
		u, _ := b.signUp(ctx, t)
		_, err := b.svc.Disable(ctx, admin, u.ID, "spam")
		require.NoError(t, err)
		_, _, err = b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: pw})
		require.ErrorIs(t, err, service.ErrDisabled)
		_, _, err = b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: "wrong password"})
		require.ErrorIs(t, err, service.ErrBadCredentials, "disabled is only told to who knows the password")
	})

	t.Run("GuessesNeverLockTheOwnerOut", func(t *testing.T) {
		t.Parallel()
		lim := &service.Limits{Window: 15 * time.Minute, SignInPerAddress: 5, SignInPerAccountAddress: 3, PasswordChecksPerAccount: 3, SignUpPerAddress: 10, SignUpPerAccount: 10}
		ctx, b := setup(t, &service.Opts{Limits: lim})
		u, sess := b.signUp(ctx, t)
		for i := range 10 {
			_, _, err := b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: "wrong password", ClientAddr: fmt.Sprint("198.51.100.", i)})
			require.ErrorIs(t, err, service.ErrBadCredentials, "each address has its own count")
		}
		_, _, err := b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: pw, ClientAddr: "192.0.2.77"})
		require.NoError(t, err, "the owner signs in from a fresh address")
		_, err = b.svc.ChangePassword(ctx, u.ID, service.ChangePasswordInput{Current: pw, New: "a brand new secret", Keep: sess.ID})
		require.NoError(t, err, "and may change the password")

		for range 3 {
			_, _, err := b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: "wrong password", ClientAddr: "198.51.100.200"})
			require.ErrorIs(t, err, service.ErrBadCredentials)
		}
		_, _, err = b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: "a brand new secret", ClientAddr: "198.51.100.200"})
		require.ErrorIs(t, err, service.ErrRateLimited, "the guessing address waits, even with the right password")
		require.Equal(t, 15*time.Minute, apperr.As(err).RetryAfter)
		require.Contains(t, err.Error(), "wait 15 minutes")
		_, _, err = b.svc.SignIn(ctx, service.SignInInput{Email: uniqueEmail(), Password: "x", ClientAddr: "198.51.100.200"})
		require.ErrorIs(t, err, service.ErrBadCredentials, "the same address may still try another account")

		for i := range 5 {
			_, _, _ = b.svc.SignIn(ctx, service.SignInInput{Email: fmt.Sprint("n", i, "@example.com"), Password: "x", ClientAddr: "203.0.113.9"})
		}
		_, _, err = b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: "a brand new secret", ClientAddr: "203.0.113.9"})
		require.ErrorIs(t, err, service.ErrRateLimited, "one address trying many accounts")

		b.clock.Add(15 * time.Minute)
		_, _, err = b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: "a brand new secret", ClientAddr: "198.51.100.200"})
		require.NoError(t, err)
	})

	t.Run("IPv6CountedBySlash64", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, &service.Opts{Limits: &service.Limits{Window: time.Minute, SignInPerAddress: 3, SignInPerAccountAddress: 100, PasswordChecksPerAccount: 100, SignUpPerAddress: 100, SignUpPerAccount: 100}})
		for i := range 3 {
			_, _, err := b.svc.SignIn(ctx, service.SignInInput{Email: uniqueEmail(), Password: "x", ClientAddr: fmt.Sprintf("2001:db8:1:2::%x", i+1)})
			require.ErrorIs(t, err, service.ErrBadCredentials)
		}
		_, _, err := b.svc.SignIn(ctx, service.SignInInput{Email: uniqueEmail(), Password: "x", ClientAddr: "2001:db8:1:2:ffff:ffff:ffff:ffff"})
		require.ErrorIs(t, err, service.ErrRateLimited, "a new address in the same /64")
		_, _, err = b.svc.SignIn(ctx, service.SignInInput{Email: uniqueEmail(), Password: "x", ClientAddr: "2001:db8:1:3::1"})
		require.ErrorIs(t, err, service.ErrBadCredentials, "the next /64 is another client")
	})

	t.Run("CountedAcrossReplicas", func(t *testing.T) {
		t.Parallel()
		lim := &service.Limits{Window: time.Minute, SignInPerAddress: 100, SignInPerAccountAddress: 4, PasswordChecksPerAccount: 100, SignUpPerAddress: 100, SignUpPerAccount: 100}
		ctx, b := setup(t, &service.Opts{Limits: lim})
		replicas := []*service.Service{b.svc}
		for range 2 {
			other, err := service.New(b.pool, &service.Opts{Hash: &fastHash, Limits: lim, NowFunc: b.clock.Now})
			require.NoError(t, err)
			replicas = append(replicas, other)
		}
		u, _ := b.signUp(ctx, t)
		for i := range 4 {
			_, _, err := replicas[i%3].SignIn(ctx, service.SignInInput{Email: u.Email, Password: "wrong password", ClientAddr: "192.0.2.5"})
			require.ErrorIs(t, err, service.ErrBadCredentials)
		}
		for _, r := range replicas {
			_, _, err := r.SignIn(ctx, service.SignInInput{Email: u.Email, Password: pw, ClientAddr: "192.0.2.5"})
			require.ErrorIs(t, err, service.ErrRateLimited, "every replica sees the same count")
		}
	})

	t.Run("ExpiredCountersAreDeleted", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, &service.Opts{Limits: &service.Limits{Window: time.Minute, SignInPerAddress: 100, SignInPerAccountAddress: 100, PasswordChecksPerAccount: 100, SignUpPerAddress: 100, SignUpPerAccount: 100}})
		for i := range 5 {
			_, _, _ = b.svc.SignIn(ctx, service.SignInInput{Email: uniqueEmail(), Password: "x", ClientAddr: fmt.Sprint("192.0.2.", i)})
		}
		var rows int
		require.NoError(t, b.pool.QueryRow(ctx, "SELECT count(*) FROM auth.attempts").Scan(&rows))
		require.Equal(t, 10, rows, "one per address and one per account and address")
		n, err := b.svc.DeleteExpiredAttempts(ctx)
		require.NoError(t, err)
		require.Zero(t, n, "live windows stay")
		b.clock.Add(time.Minute)
		n, err = b.svc.DeleteExpiredAttempts(ctx)
		require.NoError(t, err)
		require.EqualValues(t, 10, n)
	})

	t.Run("RehashesWhenCostRaised", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, _ := b.signUp(ctx, t)
		raised := fastHash
		raised.Memory = 2048
		stronger, err := service.New(b.pool, &service.Opts{Hash: &raised})
		require.NoError(t, err)
		_, _, err = stronger.SignIn(ctx, service.SignInInput{Email: u.Email, Password: pw})
		require.NoError(t, err)
		var stored string
		require.NoError(t, b.pool.QueryRow(ctx, "SELECT password_hash FROM auth.users WHERE id = $1", int64(u.ID)).Scan(&stored))
		require.True(t, strings.HasPrefix(stored, "$argon2id$v=19$m=2048,t=1,p=1$"))
		_, _, err = b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: pw})
		require.NoError(t, err, "the new hash records its parameters, so the old config still verifies it")
	})
}

// sessions is a service on a test's database that counts its statements,
// with two users' live sessions (first is ada's, second bea's) and one
// ended, for the tests of authentications read together.
type sessions struct {
	svc                  *service.Service
	statements           *pg.Statements
	ada, bea             auth.User
	first, second, ended service.Session
}

func (b *bundle) sessions(ctx context.Context, t *testing.T) sessions {
	t.Helper()
	pool, n := pgtest.Counted(t, b.pool)
	svc, err := service.New(pool, &service.Opts{Hash: &fastHash, NowFunc: b.clock.Now})
	require.NoError(t, err)
	s := sessions{svc: svc, statements: n}
	s.ada, s.first = b.signUp(ctx, t)
	s.bea, s.second = b.signUp(ctx, t)
	_, s.ended = b.signUp(ctx, t)
	require.NoError(t, b.svc.SignOut(ctx, s.ended.ID))
	return s
}

// TestService_AuthenticatesTogether: the requests that arrive while a
// session is being read have theirs read in one statement, each getting
// its own answer, and a session ended before a request arrived is not
// live for it. The request that led the read leaving fails no other.
func TestService_AuthenticatesTogether(t *testing.T) {
	t.Parallel()
	ctx, b := setup(t, nil)
	ss := b.sessions(ctx, t)

	lock, err := b.pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = lock.Rollback(ctx) }()
	_, err = lock.Exec(ctx, "LOCK TABLE auth.sessions IN ACCESS EXCLUSIVE MODE")
	require.NoError(t, err)
	type answer struct {
		id  auth.Identity
		err error
	}
	authenticate := func(ctx context.Context, credential string) <-chan answer {
		done := make(chan answer, 1)
		go func() {
			id, err := ss.svc.Authenticate(ctx, credential)
			done <- answer{id, err}
		}()
		return done
	}
	leaving, leave := context.WithCancel(ctx)
	leader := authenticate(leaving, ss.first.ID)
	require.Eventually(t, func() bool { return ss.statements.Count() == 1 }, 10*time.Second, time.Millisecond)
	waiting := []<-chan answer{authenticate(ctx, ss.second.ID), authenticate(ctx, ss.ended.ID),
		authenticate(ctx, strings.Repeat("x", len(ss.first.ID))), authenticate(ctx, ss.first.ID)}
	require.Eventually(t, func() bool { return service.SessionsWaiting(ss.svc) == len(waiting) }, 10*time.Second, time.Millisecond)
	leave()
	require.NoError(t, lock.Rollback(ctx))

	got := []answer{<-leader}
	for _, w := range waiting {
		got = append(got, <-w)
	}
	require.Equal(t, int64(2), ss.statements.Count(), "the four that waited: one statement")
	require.NoError(t, got[0].err)
	require.Equal(t, ss.ada.ID, got[0].id.User.ID)
	require.NoError(t, got[1].err)
	require.Equal(t, ss.bea.ID, got[1].id.User.ID)
	require.Equal(t, ss.second.CSRFToken, got[1].id.CSRFToken)
	require.ErrorIs(t, got[2].err, auth.ErrUnauthenticated, "signed out before the request")
	require.ErrorIs(t, got[3].err, auth.ErrUnauthenticated, "never a session")
	require.NoError(t, got[4].err)
	require.Equal(t, ss.ada.ID, got[4].id.User.ID)
}

// TestService_AuthenticateAll: the credentials of several requests are
// read in one statement, each answered as Authenticate answers it (nil for
// a session ended, a credential that never was, and one of the wrong
// length, which is not looked up), in their order, duplicates included.
func TestService_AuthenticateAll(t *testing.T) {
	t.Parallel()
	ctx, b := setup(t, nil)
	ss := b.sessions(ctx, t)

	got, err := ss.svc.AuthenticateAll(ctx, []string{ss.second.ID, ss.ended.ID, "short", strings.Repeat("x", len(ss.first.ID)), ss.first.ID, ss.second.ID})
	require.NoError(t, err)
	require.Equal(t, int64(1), ss.statements.Count(), "one statement for all of them")
	require.Len(t, got, 6)
	require.Equal(t, ss.bea.ID, got[0].User.ID)
	require.Equal(t, ss.second.CSRFToken, got[0].CSRFToken)
	require.Nil(t, got[1], "signed out")
	require.Nil(t, got[2], "not a credential")
	require.Nil(t, got[3], "never a session")
	require.Equal(t, ss.ada.ID, got[4].User.ID)
	require.Equal(t, ss.first.CSRFToken, got[4].CSRFToken)
	require.Equal(t, got[0], got[5])
	want, err := ss.svc.Authenticate(ctx, ss.second.ID)
	require.NoError(t, err)
	require.Equal(t, want, *got[0], "as Authenticate answers")

	got, err = ss.svc.AuthenticateAll(ctx, []string{"short"})
	require.NoError(t, err)
	require.Equal(t, []*auth.Identity{nil}, got)
	require.Equal(t, int64(2), ss.statements.Count(), "nothing to look up, no statement")
}

func TestService_SessionExpiry(t *testing.T) {
	t.Parallel()
	life := service.Lifetimes{Idle: 30 * time.Minute, Max: 2 * time.Hour, Remember: 24 * time.Hour}

	t.Run("Idle", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, &service.Opts{Lifetimes: &life})
		_, s := b.signUp(ctx, t)
		b.clock.Add(29 * time.Minute)
		_, err := b.svc.Authenticate(ctx, s.ID)
		require.NoError(t, err, "and the idle deadline moves")
		b.clock.Add(29 * time.Minute)
		_, err = b.svc.Authenticate(ctx, s.ID)
		require.NoError(t, err)
		b.clock.Add(31 * time.Minute)
		_, err = b.svc.Authenticate(ctx, s.ID)
		require.ErrorIs(t, err, auth.ErrUnauthenticated)
	})

	t.Run("TouchedOncePerInterval", func(t *testing.T) {
		t.Parallel()
		// A request writes the session's last-seen time only once that is
		// a tenth of the idle time old, or a minute with long idle times.
		short := service.Lifetimes{Idle: 5 * time.Minute, Max: 2 * time.Hour, Remember: 24 * time.Hour}
		for _, c := range []struct {
			name  string
			life  service.Lifetimes
			every time.Duration
		}{{"Minute", life, time.Minute}, {"TenthOfIdle", short, 30 * time.Second}} {
			ctx, b := setup(t, &service.Opts{Lifetimes: &c.life})
			_, s := b.signUp(ctx, t)
			seen := func() time.Time {
				var at time.Time
				require.NoError(t, b.pool.QueryRow(ctx, "SELECT last_seen_at FROM auth.sessions ORDER BY created_at DESC LIMIT 1").Scan(&at))
				return at
			}
			signedIn := seen()
			b.clock.Add(c.every - time.Second)
			_, err := b.svc.Authenticate(ctx, s.ID)
			require.NoError(t, err)
			require.True(t, seen().Equal(signedIn), "%s: not written before the interval", c.name)
			b.clock.Add(time.Second)
			_, err = b.svc.Authenticate(ctx, s.ID)
			require.NoError(t, err)
			require.True(t, seen().Equal(b.clock.Now()), "%s: written once the interval is up", c.name)
		}
	})

	t.Run("Absolute", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, &service.Opts{Lifetimes: &life})
		_, s := b.signUp(ctx, t)
		for range 4 {
			b.clock.Add(29 * time.Minute)
			_, err := b.svc.Authenticate(ctx, s.ID)
			require.NoError(t, err)
		}
		b.clock.Add(5 * time.Minute)
		_, err := b.svc.Authenticate(ctx, s.ID)
		require.ErrorIs(t, err, auth.ErrUnauthenticated, "active, but past the absolute limit")

		n, err := b.svc.DeleteExpiredSessions(ctx)
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
	})

	t.Run("Remembered", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, &service.Opts{Lifetimes: &life})
		u, _ := b.signUp(ctx, t)
		_, s, err := b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: pw, Remember: true})
		require.NoError(t, err)
		require.True(t, s.Persistent)
		require.Equal(t, b.clock.Now().Add(24*time.Hour), s.ExpiresAt)
		b.clock.Add(23 * time.Hour)
		_, err = b.svc.Authenticate(ctx, s.ID)
		require.NoError(t, err)
		b.clock.Add(time.Hour)
		_, err = b.svc.Authenticate(ctx, s.ID)
		require.ErrorIs(t, err, auth.ErrUnauthenticated)
	})

	t.Run("Garbage", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		for _, c := range []string{"", "x", strings.Repeat("a", 43), strings.Repeat("a", 10000), "' OR 1=1 --"} {
			_, err := b.svc.Authenticate(ctx, c)
			require.ErrorIs(t, err, auth.ErrUnauthenticated)
		}
	})
}

func TestService_Tokens(t *testing.T) {
	t.Parallel()
	ctx, b := setup(t, nil)
	u, s := b.signUp(ctx, t)
	tok, err := b.svc.NewToken(ctx, u.ID)
	require.NoError(t, err)
	byToken, err := b.svc.Authenticate(ctx, tok.ID)
	require.NoError(t, err)
	require.Equal(t, u.ID, byToken.User.ID)
	bySession, err := b.svc.Authenticate(ctx, s.ID)
	require.NoError(t, err)
	require.Equal(t, s.CSRFToken, bySession.CSRFToken)
	require.NotEqual(t, bySession.CSRFToken, byToken.CSRFToken, "each credential has its own form token")

	require.NoError(t, b.svc.SignOut(ctx, tok.ID))
	_, err = b.svc.Authenticate(ctx, tok.ID)
	require.ErrorIs(t, err, auth.ErrUnauthenticated, "a revoked token")
	_, err = b.svc.Authenticate(ctx, s.ID)
	require.NoError(t, err, "the browser session lives on")
	require.NoError(t, b.svc.SignOut(ctx, tok.ID), "twice is fine")
}

func TestService_ChangePasswordLimited(t *testing.T) {
	t.Parallel()
	ctx, b := setup(t, &service.Opts{Limits: &service.Limits{Window: time.Minute, SignInPerAddress: 100, SignInPerAccountAddress: 100, PasswordChecksPerAccount: 2, SignUpPerAddress: 100, SignUpPerAccount: 100}})
	u, keep := b.signUp(ctx, t)
	for range 2 {
		_, err := b.svc.ChangePassword(ctx, u.ID, service.ChangePasswordInput{Current: "wrong password", New: "a brand new secret", Keep: keep.ID})
		require.ErrorIs(t, err, service.ErrInvalid)
	}
	_, err := b.svc.ChangePassword(ctx, u.ID, service.ChangePasswordInput{Current: pw, New: "a brand new secret", Keep: keep.ID})
	require.ErrorIs(t, err, service.ErrRateLimited, "wrong guesses count though their transaction rolled back")
	b.clock.Add(time.Minute)
	_, err = b.svc.ChangePassword(ctx, u.ID, service.ChangePasswordInput{Current: pw, New: "a brand new secret", Keep: keep.ID})
	require.NoError(t, err)
}

func TestService_ChangePassword(t *testing.T) {
	t.Parallel()
	ctx, b := setup(t, nil)
	u, keep := b.signUp(ctx, t)
	_, other, err := b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: pw})
	require.NoError(t, err)
	tok, err := b.svc.NewToken(ctx, u.ID)
	require.NoError(t, err)

	_, err = b.svc.ChangePassword(ctx, u.ID, service.ChangePasswordInput{Current: "wrong password", New: "short", Keep: keep.ID})
	require.Equal(t, map[string]string{"current_password": "this is not your current password", "new_password": "a password has 10 to 128 characters"}, fieldsOf(t, err))
	_, err = b.svc.ChangePassword(ctx, u.ID, service.ChangePasswordInput{New: u.Email, Keep: keep.ID})
	require.Equal(t, map[string]string{"current_password": "enter your current password", "new_password": "your password cannot be your email address"}, fieldsOf(t, err))
	for _, c := range []string{keep.ID, other.ID} {
		_, err = b.svc.Authenticate(ctx, c)
		require.NoError(t, err, "a failed change ends nothing")
	}

	renewed, err := b.svc.ChangePassword(ctx, u.ID, service.ChangePasswordInput{Current: pw, New: "a brand new secret", Keep: keep.ID})
	require.NoError(t, err)
	require.NotEmpty(t, renewed.ID)
	require.NotEqual(t, keep.ID, renewed.ID, "the browser's session gets a new id")
	require.Equal(t, keep.CSRFToken, renewed.CSRFToken, "its open forms still post")
	require.True(t, keep.ExpiresAt.Equal(renewed.ExpiresAt), "and no longer life")
	id, err := b.svc.Authenticate(ctx, renewed.ID)
	require.NoError(t, err)
	require.Equal(t, u.ID, id.User.ID)
	for _, c := range []string{keep.ID, other.ID, tok.ID} {
		_, err = b.svc.Authenticate(ctx, c)
		require.ErrorIs(t, err, auth.ErrUnauthenticated, "a copy of the old cookie, and every other session and token, ends")
	}
	_, _, err = b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: pw})
	require.ErrorIs(t, err, service.ErrBadCredentials)
	_, _, err = b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: "a brand new secret"})
	require.NoError(t, err)

	kept, err := b.svc.NewToken(ctx, u.ID)
	require.NoError(t, err)
	same, err := b.svc.ChangePassword(ctx, u.ID, service.ChangePasswordInput{Current: "a brand new secret", New: "a third long secret", Keep: kept.ID})
	require.NoError(t, err)
	require.Equal(t, service.Session{}, same, "an API token is kept as it is")
	_, err = b.svc.Authenticate(ctx, kept.ID)
	require.NoError(t, err)
	_, err = b.svc.Authenticate(ctx, renewed.ID)
	require.ErrorIs(t, err, auth.ErrUnauthenticated)
}

func TestService_SignOutEverywhere(t *testing.T) {
	t.Parallel()
	ctx, b := setup(t, nil)
	u, s1 := b.signUp(ctx, t)
	_, s2, err := b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: pw})
	require.NoError(t, err)
	other, s3 := b.signUp(ctx, t)
	require.NoError(t, b.svc.SignOutEverywhere(ctx, u.ID))
	for _, c := range []string{s1.ID, s2.ID} {
		_, err = b.svc.Authenticate(ctx, c)
		require.ErrorIs(t, err, auth.ErrUnauthenticated)
	}
	got, err := b.svc.Authenticate(ctx, s3.ID)
	require.NoError(t, err, "other users are untouched")
	require.Equal(t, other.ID, got.User.ID)
}

func TestService_Admin(t *testing.T) {
	t.Parallel()

	t.Run("DisableEndsSessionsAndEnableRestores", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		admin := b.admin(ctx, t)
		u, s := b.signUp(ctx, t)
		tok, err := b.svc.NewToken(ctx, u.ID)
		require.NoError(t, err)

		got, err := b.svc.Disable(ctx, admin, u.ID, "spam")
		require.NoError(t, err)
		require.True(t, got.Disabled)
		for _, c := range []string{s.ID, tok.ID} {
			_, err = b.svc.Authenticate(ctx, c)
			require.ErrorIs(t, err, auth.ErrUnauthenticated)
		}
		seen, err := b.svc.User(ctx, u.ID)
		require.NoError(t, err)
		require.True(t, seen.Disabled, "other modules can tell")

		_, _, err = b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: pw})
		require.ErrorIs(t, err, service.ErrDisabled)
		require.Equal(t, "this account has been disabled: spam; contact the shop if you think this is a mistake", apperr.As(err).Message, "the user reads why")
		again, err := b.svc.Disable(ctx, admin, u.ID, "another reason")
		require.NoError(t, err, "a form sent twice")
		require.Equal(t, "spam", again.DisabledReason, "the first reason stays")

		got, err = b.svc.Enable(ctx, admin, u.ID)
		require.NoError(t, err)
		require.False(t, got.Disabled)
		require.Empty(t, got.DisabledReason)
		_, _, err = b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: pw})
		require.NoError(t, err)
	})

	t.Run("DisableNeedsAReason", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		admin := b.admin(ctx, t)
		u, s := b.signUp(ctx, t)
		for reason, want := range map[string]string{
			"  ":                     "give the reason; the user reads it when signing in",
			strings.Repeat("x", 501): "must be at most 500 characters",
			"spam\u202e":             "must not contain invisible or text-direction characters",
		} {
			_, err := b.svc.Disable(ctx, admin, u.ID, reason)
			require.ErrorIs(t, err, service.ErrInvalid)
			require.Contains(t, apperr.As(err).Fields["reason"], want, "%q", reason)
		}
		_, err := b.svc.Authenticate(ctx, s.ID)
		require.NoError(t, err, "a refused disable changes nothing")
	})

	t.Run("DisabledUserOldSessionNeverRevives", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		admin := b.admin(ctx, t)
		u, s := b.signUp(ctx, t)
		// Even a session row that survived (e.g. written by an old replica)
		// is dead while its user is disabled.
		_, err := b.pool.Exec(ctx, "UPDATE auth.users SET disabled_at = now() WHERE id = $1", int64(u.ID))
		require.NoError(t, err)
		_, err = b.svc.Authenticate(ctx, s.ID)
		require.ErrorIs(t, err, auth.ErrUnauthenticated)
		_, err = b.svc.Enable(ctx, admin, u.ID)
		require.NoError(t, err)
	})

	t.Run("OnlyAdmins", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		admin := b.admin(ctx, t)
		member, _ := b.signUp(ctx, t)
		_, err := b.svc.Disable(ctx, member, admin.ID, "spam")
		require.ErrorIs(t, err, auth.ErrForbidden)
		_, _, err = b.svc.ListUsers(ctx, member, "", 1, 10)
		require.ErrorIs(t, err, auth.ErrForbidden)
		disabledAdmin := admin
		disabledAdmin.Disabled = true
		_, _, err = b.svc.ListUsers(ctx, disabledAdmin, "", 1, 10)
		require.ErrorIs(t, err, auth.ErrForbidden)
		_, err = b.svc.Disable(ctx, admin, admin.ID, "spam")
		require.ErrorIs(t, err, service.ErrSelf)
		_, err = b.svc.Disable(ctx, admin, 999999, "spam")
		require.ErrorIs(t, err, auth.ErrNotFound)
	})

	t.Run("SearchAndPages", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		admin := b.admin(ctx, t)
		for i := range 5 {
			_, err := b.svc.CreateUser(ctx, auth.NewUser{Email: fmt.Sprintf("reader%d@books.example", i), Name: fmt.Sprintf("Reader %d", i), Password: pw})
			require.NoError(t, err)
		}
		_, err := b.svc.CreateUser(ctx, auth.NewUser{Email: "pct@example.com", Name: "100% _real_", Password: pw})
		require.NoError(t, err)

		users, next, err := b.svc.ListUsers(ctx, admin, "BOOKS.example", 1, 2)
		require.NoError(t, err)
		require.True(t, next)
		require.Equal(t, []string{"reader0@books.example", "reader1@books.example"}, emails(users))
		users, next, err = b.svc.ListUsers(ctx, admin, "books.example", 3, 2)
		require.NoError(t, err)
		require.False(t, next)
		require.Equal(t, []string{"reader4@books.example"}, emails(users))
		users, _, err = b.svc.ListUsers(ctx, admin, "reader 3", 1, 10)
		require.NoError(t, err)
		require.Equal(t, []string{"reader3@books.example"}, emails(users), "by name too")
		users, _, err = b.svc.ListUsers(ctx, admin, "%", 1, 10)
		require.NoError(t, err)
		require.Equal(t, []string{"pct@example.com"}, emails(users), "% is a plain character")
		users, _, err = b.svc.ListUsers(ctx, admin, "'; DROP TABLE auth.users; --", 1, 10)
		require.NoError(t, err)
		require.Empty(t, users)
		users, _, err = b.svc.ListUsers(ctx, admin, "", 1, 100)
		require.NoError(t, err)
		require.Len(t, users, 7)
	})

	t.Run("PromoteRotatesSessions", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		u, s := b.signUp(ctx, t)
		got, err := b.svc.Promote(ctx, strings.ToUpper(u.Email))
		require.NoError(t, err)
		require.True(t, got.IsAdmin())
		_, err = b.svc.Authenticate(ctx, s.ID)
		require.ErrorIs(t, err, auth.ErrUnauthenticated, "the new privilege needs a new session")
		again, err := b.svc.Promote(ctx, u.Email)
		require.NoError(t, err, "idempotent")
		require.Equal(t, got, again)
		_, err = b.svc.Promote(ctx, "nobody@example.com")
		require.ErrorIs(t, err, auth.ErrNotFound)
	})
}

func TestService_SetRole(t *testing.T) {
	t.Parallel()

	// lastChange is the newest row of the change feed, as other modules
	// read it.
	lastChange := func(ctx context.Context, t *testing.T, b *bundle) auth.UserChange {
		t.Helper()
		all, err := b.svc.UserChanges(ctx, 0, service.MaxChanges)
		require.NoError(t, err)
		return all[len(all)-1]
	}

	t.Run("MakeAndRemoveAdmin", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		admin := b.admin(ctx, t)
		u, s := b.signUp(ctx, t)
		tok, err := b.svc.NewToken(ctx, u.ID)
		require.NoError(t, err)

		got, err := b.svc.SetRole(ctx, admin, u.ID, auth.RoleAdmin)
		require.NoError(t, err)
		require.True(t, got.IsAdmin())
		for _, c := range []string{s.ID, tok.ID} {
			_, err = b.svc.Authenticate(ctx, c)
			require.ErrorIs(t, err, auth.ErrUnauthenticated, "the new rights come with a new session")
		}
		require.Equal(t, 2, b.changeCount(t, u.ID))
		c := lastChange(ctx, t, b)
		require.Equal(t, u.ID, c.User.ID)
		require.Equal(t, auth.RoleAdmin, c.User.Role, "the feed carries the new role")

		_, s, err = b.svc.SignIn(ctx, service.SignInInput{Email: u.Email, Password: pw})
		require.NoError(t, err)
		got, err = b.svc.SetRole(ctx, admin, u.ID, auth.RoleMember)
		require.NoError(t, err)
		require.Equal(t, auth.RoleMember, got.Role)
		_, err = b.svc.Authenticate(ctx, s.ID)
		require.ErrorIs(t, err, auth.ErrUnauthenticated, "a session with admin rights ends at once")
		require.Equal(t, 3, b.changeCount(t, u.ID))
		require.Equal(t, auth.RoleMember, lastChange(ctx, t, b).User.Role)
	})

	t.Run("Guards", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		admin := b.admin(ctx, t)
		other := b.admin(ctx, t)
		member, s := b.signUp(ctx, t)
		off, _ := b.signUp(ctx, t)
		_, err := b.svc.Disable(ctx, admin, off.ID, "spam")
		require.NoError(t, err)
		feed := lastChange(ctx, t, b).Seq

		for _, c := range []struct {
			name  string
			actor auth.User
			id    auth.UserID
			role  auth.Role
			err   error
			msg   string
		}{
			{"ByMember", member, other.ID, auth.RoleMember, auth.ErrForbidden, ""},
			{"OwnRights", admin, admin.ID, auth.RoleMember, service.ErrSelf, "you cannot take away your own admin rights; another admin can"},
			{"AlreadyAdmin", admin, other.ID, auth.RoleAdmin, service.ErrRoleConflict, other.Email + " is already an admin"},
			{"NotAnAdmin", admin, member.ID, auth.RoleMember, service.ErrRoleConflict, member.Email + " is not an admin"},
			{"Disabled", admin, off.ID, auth.RoleAdmin, service.ErrRoleConflict, off.Email + " is disabled; enable the account before making it an admin"},
			{"NoSuchUser", admin, 999999, auth.RoleAdmin, auth.ErrNotFound, ""},
		} {
			_, err := b.svc.SetRole(ctx, c.actor, c.id, c.role)
			require.ErrorIs(t, err, c.err, c.name)
			if c.msg != "" {
				require.Equal(t, c.msg, apperr.As(err).Message, c.name)
			}
		}
		require.Equal(t, feed, lastChange(ctx, t, b).Seq, "a refused change records none")
		_, err = b.svc.Authenticate(ctx, s.ID)
		require.NoError(t, err, "and ends no session")
		for _, u := range []auth.User{admin, other} {
			got, err := b.svc.User(ctx, u.ID)
			require.NoError(t, err)
			require.True(t, got.IsAdmin())
		}
	})

	t.Run("ActorNoLongerAdmin", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		ann, bob := b.admin(ctx, t), b.admin(ctx, t)
		_, err := b.svc.SetRole(ctx, bob, ann.ID, auth.RoleMember)
		require.NoError(t, err)
		// Ann's request was signed in before Bob's change committed: the
		// service reads her role again, so the two cannot leave no admin.
		_, err = b.svc.SetRole(ctx, ann, bob.ID, auth.RoleMember)
		require.ErrorIs(t, err, auth.ErrForbidden)
		got, err := b.svc.User(ctx, bob.ID)
		require.NoError(t, err)
		require.True(t, got.IsAdmin())
	})

	t.Run("DemoteCommand", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		admin := b.admin(ctx, t)
		b.admin(ctx, t) // who keeps the shop
		_, s, err := b.svc.SignIn(ctx, service.SignInInput{Email: admin.Email, Password: pw})
		require.NoError(t, err)
		got, err := b.svc.Demote(ctx, strings.ToUpper(admin.Email))
		require.NoError(t, err)
		require.Equal(t, auth.RoleMember, got.Role)
		_, err = b.svc.Authenticate(ctx, s.ID)
		require.ErrorIs(t, err, auth.ErrUnauthenticated)
		require.Equal(t, 2, b.changeCount(t, admin.ID))
		again, err := b.svc.Demote(ctx, admin.Email)
		require.NoError(t, err, "idempotent")
		require.Equal(t, got, again)
		require.Equal(t, 2, b.changeCount(t, admin.ID), "no change, no feed row")
		_, err = b.svc.Demote(ctx, "nobody@example.com")
		require.ErrorIs(t, err, auth.ErrNotFound)
	})

	t.Run("CommandKeepsTheRules", func(t *testing.T) {
		t.Parallel()
		ctx, b := setup(t, nil)
		admin, other := b.admin(ctx, t), b.admin(ctx, t)
		off, _ := b.signUp(ctx, t)
		for _, id := range []auth.UserID{off.ID, other.ID} {
			_, err := b.svc.Disable(ctx, admin, id, "away")
			require.NoError(t, err)
		}
		_, s, err := b.svc.SignIn(ctx, service.SignInInput{Email: admin.Email, Password: pw})
		require.NoError(t, err)
		feed := lastChange(ctx, t, b).Seq

		for _, c := range []struct {
			name string
			set  func(context.Context, string) (auth.User, error)
			who  auth.User
			err  error
			msg  string
		}{
			{"PromoteDisabled", b.svc.Promote, off, service.ErrRoleConflict, off.Email + " is disabled; enable the account before making it an admin"},
			{"PromoteDisabledAdmin", b.svc.Promote, other, service.ErrRoleConflict, other.Email + " is disabled; enable the account before making it an admin"},
			// The other admin is disabled: no one else could administer.
			{"DemoteLastActiveAdmin", b.svc.Demote, admin, service.ErrLastAdmin, admin.Email + " is the shop's last active admin; make another account an admin first"},
		} {
			_, err := c.set(ctx, c.who.Email)
			require.ErrorIs(t, err, c.err, c.name)
			require.Equal(t, c.msg, apperr.As(err).Message, c.name)
		}
		require.Equal(t, feed, lastChange(ctx, t, b).Seq, "a refused change records none")
		_, err = b.svc.Authenticate(ctx, s.ID)
		require.NoError(t, err, "and ends no session")
		got, err := b.svc.User(ctx, off.ID)
		require.NoError(t, err)
		require.Equal(t, auth.RoleMember, got.Role)

		got, err = b.svc.Demote(ctx, other.Email)
		require.NoError(t, err, "a disabled admin's rights are not the shop's last")
		require.Equal(t, auth.RoleMember, got.Role)
		_, err = b.svc.Enable(ctx, admin, off.ID)
		require.NoError(t, err)
		got, err = b.svc.Promote(ctx, off.Email)
		require.NoError(t, err, "enabled, it may be made an admin")
		require.True(t, got.IsAdmin())
		got, err = b.svc.Demote(ctx, admin.Email)
		require.NoError(t, err, "another admin keeps the shop now")
		require.Equal(t, auth.RoleMember, got.Role)
	})

	// Ann's forms were sent before Bob took her rights (the requests were
	// in flight, her stale user still an admin's): the service reads her
	// rights again, so they change nothing.
	for name, take := range map[string]func(ctx context.Context, b *bundle, by, u auth.User) error{
		"DemotedAdminCannotDisableOrEnable": func(ctx context.Context, b *bundle, by, u auth.User) error {
			_, err := b.svc.SetRole(ctx, by, u.ID, auth.RoleMember)
			return err
		},
		"DisabledAdminCannotDisableOrEnable": func(ctx context.Context, b *bundle, by, u auth.User) error {
			_, err := b.svc.Disable(ctx, by, u.ID, "left the shop")
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, b := setup(t, nil)
			ann, bob := b.admin(ctx, t), b.admin(ctx, t)
			member, s := b.signUp(ctx, t)
			off, _ := b.signUp(ctx, t)
			_, err := b.svc.Disable(ctx, bob, off.ID, "spam")
			require.NoError(t, err)
			require.NoError(t, take(ctx, b, bob, ann))
			feed, logged := lastChange(ctx, t, b).Seq, len(b.activity(ctx, t))

			_, err = b.svc.Disable(ctx, ann, member.ID, "spam")
			require.ErrorIs(t, err, auth.ErrForbidden)
			_, err = b.svc.Disable(ctx, ann, bob.ID, "revenge")
			require.ErrorIs(t, err, auth.ErrForbidden, "nor the shop's last active admin")
			_, err = b.svc.Enable(ctx, ann, off.ID)
			require.ErrorIs(t, err, auth.ErrForbidden)

			require.Equal(t, feed, lastChange(ctx, t, b).Seq, "a refused change records none")
			require.Len(t, b.activity(ctx, t), logged, "nor an activity entry")
			_, err = b.svc.Authenticate(ctx, s.ID)
			require.NoError(t, err, "and ends no session")
			require.True(t, b.user(t, off.ID).Disabled)
			require.True(t, b.user(t, bob.ID).IsAdmin())
		})
	}

	// Two changes at once, each taking one of the two admins' rights, must
	// not both pass their check: one waits for the other and is refused.
	// The second demotion finds the last admin; the second disable, its
	// actor disabled.
	for name, c := range map[string]struct {
		take    func(ctx context.Context, b *bundle, u, other auth.User) error
		refusal error
	}{
		"TwoDemotionsAtOnce": {func(ctx context.Context, b *bundle, u, _ auth.User) error {
			_, err := b.svc.Demote(ctx, u.Email)
			return err
		}, service.ErrLastAdmin},
		"TwoDisablesAtOnce": {func(ctx context.Context, b *bundle, u, other auth.User) error {
			_, err := b.svc.Disable(ctx, other, u.ID, "at once")
			return err
		}, auth.ErrForbidden},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, b := setup(t, nil)
			ann, bob := b.admin(ctx, t), b.admin(ctx, t)
			release := b.holdFeed(ctx, t)
			done := make(chan error, 2)
			go func() { done <- c.take(ctx, b, ann, bob) }()
			go func() { done <- c.take(ctx, b, bob, ann) }()
			awaitLockWaiters(ctx, t, b.pool, 2)
			release()
			var refused int
			for range 2 {
				select {
				case err := <-done:
					if err != nil {
						require.ErrorIs(t, err, c.refusal)
						refused++
					}
				case <-time.After(10 * time.Second):
					require.FailNow(t, "a change did not return")
				}
			}
			require.Equal(t, 1, refused)
			var active int
			require.NoError(t, b.pool.QueryRow(ctx, "SELECT count(*) FROM auth.users WHERE role = 'admin' AND disabled_at IS NULL").Scan(&active))
			require.Equal(t, 1, active)
		})
	}
}

// holdFeed takes the lock that every change to users takes last, to append
// to the feed (LockUserChanges), and returns its release: a change started
// meanwhile makes its checks and its update, then waits, as if slow to
// commit.
func (b *bundle) holdFeed(ctx context.Context, t *testing.T) (release func()) {
	t.Helper()
	tx, err := b.pool.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('auth.user_changes'))")
	require.NoError(t, err)
	return func() { require.NoError(t, tx.Rollback(ctx)) }
}

// awaitLockWaiters returns once n statements of the test's database wait
// for a lock.
func awaitLockWaiters(ctx context.Context, t *testing.T, pool *pgxpool.Pool, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		var waiting int
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(&waiting))
		return waiting == n
	}, 10*time.Second, time.Millisecond)
}

func emails(us []auth.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Email
	}
	return out
}

// TestService_ChangeFeed checks that sign-up, name change, role change,
// disable and enable each write exactly one change, in its transaction,
// and that no-ops write none.
func TestService_ChangeFeed(t *testing.T) {
	t.Parallel()
	ctx, b := setup(t, nil)
	admin := b.admin(ctx, t)
	u, _ := b.signUp(ctx, t)
	require.Equal(t, 1, b.changeCount(t, u.ID), "sign-up")

	_, err := b.svc.ChangeName(ctx, u.ID, "New Name")
	require.NoError(t, err)
	require.Equal(t, 2, b.changeCount(t, u.ID), "name change")
	_, err = b.svc.ChangeName(ctx, u.ID, " New Name ")
	require.NoError(t, err)
	require.Equal(t, 2, b.changeCount(t, u.ID), "same name: no change")
	_, err = b.svc.ChangeName(ctx, u.ID, "x")
	require.ErrorIs(t, err, service.ErrInvalid)
	require.Equal(t, 2, b.changeCount(t, u.ID))

	_, err = b.svc.Promote(ctx, u.Email)
	require.NoError(t, err)
	require.Equal(t, 3, b.changeCount(t, u.ID), "role change")
	_, err = b.svc.Promote(ctx, u.Email)
	require.NoError(t, err)
	require.Equal(t, 3, b.changeCount(t, u.ID))

	_, err = b.svc.Disable(ctx, admin, u.ID, "spam")
	require.NoError(t, err)
	require.Equal(t, 4, b.changeCount(t, u.ID), "disable")
	_, err = b.svc.Disable(ctx, admin, u.ID, "spam")
	require.NoError(t, err)
	require.Equal(t, 4, b.changeCount(t, u.ID))
	_, err = b.svc.Enable(ctx, admin, u.ID)
	require.NoError(t, err)
	require.Equal(t, 5, b.changeCount(t, u.ID), "enable")

	_, err = b.svc.ChangePassword(ctx, u.ID, service.ChangePasswordInput{Current: pw, New: "another long secret"})
	require.NoError(t, err)
	require.Equal(t, 5, b.changeCount(t, u.ID), "a password is not user state other modules copy")

	all, err := b.svc.UserChanges(ctx, 0, 100)
	require.NoError(t, err)
	require.Len(t, all, 6)
	require.Equal(t, admin.ID, all[0].User.ID)
	for i := 1; i < len(all); i++ {
		require.Greater(t, all[i].Seq, all[i-1].Seq)
		require.Equal(t, u.ID, all[i].User.ID)
		require.Equal(t, "New Name", all[i].User.Name, "each change carries the user's current state")
	}
	page, err := b.svc.UserChanges(ctx, all[3].Seq, 1)
	require.NoError(t, err)
	require.Equal(t, []auth.UserChange{all[4]}, page)
}
