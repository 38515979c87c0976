package service_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/riverfx"
)

func validWant() service.WantInput {
	return service.WantInput{Words: "petit prince", MaxPriceCents: 2000, MinCondition: catalog.ConditionGood, Email: true}
}

func TestService_CreateWant(t *testing.T) {
	t.Parallel()
	t.Run("Valid", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		w, err := b.svc.CreateWant(ctx, b.other, service.WantInput{Words: "  Petit   Prince ", MaxPriceCents: 2000, MinCondition: catalog.ConditionGood, Email: true})
		require.NoError(t, err)
		require.Equal(t, "Petit Prince", w.Words, "spaces folded")
		require.True(t, w.Email)
		isbn, err := b.svc.CreateWant(ctx, b.other, service.WantInput{ISBN: "0-14-143951-3", MaxPriceCents: 2000, MinCondition: catalog.ConditionPoor})
		require.NoError(t, err)
		require.Equal(t, "9780141439518", isbn.ISBN)
		got, err := b.svc.Wants(ctx, b.other)
		require.NoError(t, err)
		require.Len(t, got, 2)
		require.Equal(t, isbn.ID, got[0].ID, "newest first")
	})
	t.Run("Invalid", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		for name, tc := range map[string]struct {
			in    service.WantInput
			field string
		}{
			"Nothing":        {service.WantInput{MaxPriceCents: 100, MinCondition: catalog.ConditionGood}, "words"},
			"Both":           {service.WantInput{ISBN: "9780141439518", Words: "prince", MaxPriceCents: 100, MinCondition: catalog.ConditionGood}, "words"},
			"SymbolsOnly":    {service.WantInput{Words: "?! ++", MaxPriceCents: 100, MinCondition: catalog.ConditionGood}, "words"},
			"BadISBN":        {service.WantInput{ISBN: "9780141439519", MaxPriceCents: 100, MinCondition: catalog.ConditionGood}, "isbn"},
			"NoPrice":        {service.WantInput{Words: "dune", MinCondition: catalog.ConditionGood}, "max_price_cents"},
			"AbovePriceCap":  {service.WantInput{Words: "dune", MaxPriceCents: 500_001, MinCondition: catalog.ConditionGood}, "max_price_cents"},
			"NoCondition":    {service.WantInput{Words: "dune", MaxPriceCents: 100}, "min_condition"},
			"ControlCharStr": {service.WantInput{Words: "dune\u202e", MaxPriceCents: 100, MinCondition: catalog.ConditionGood}, "words"},
		} {
			_, err := b.svc.CreateWant(ctx, b.other, tc.in)
			require.Contains(t, fieldsOf(t, err), tc.field, name)
		}
		_, err := b.svc.CreateWant(ctx, auth.User{}, validWant())
		require.ErrorIs(t, err, auth.ErrUnauthenticated)
	})
	t.Run("Limit", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		for range service.MaxWants {
			catalogtest.CreateWant(ctx, t, b.pool, &catalogtest.WantOpts{UserID: b.other.ID})
		}
		_, err := b.svc.CreateWant(ctx, b.other, validWant())
		require.ErrorIs(t, err, service.ErrTooManyWants)
		_, err = b.svc.CreateWant(ctx, b.seller, validWant())
		require.NoError(t, err, "the limit is per user")
	})
}

func TestService_EditAndDeleteWant(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	w, err := b.svc.CreateWant(ctx, b.other, validWant())
	require.NoError(t, err)

	price := int64(900)
	got, err := b.svc.UpdateWant(ctx, b.other, w.ID, service.WantEdit{MaxPriceCents: &price})
	require.NoError(t, err)
	require.Equal(t, int64(900), got.MaxPriceCents)
	require.Equal(t, "petit prince", got.Words, "fields not sent stay")
	require.True(t, got.Email)

	isbn, empty := "9780141439518", ""
	got, err = b.svc.UpdateWant(ctx, b.other, w.ID, service.WantEdit{ISBN: &isbn, Words: &empty})
	require.NoError(t, err)
	require.Equal(t, isbn, got.ISBN)

	_, err = b.svc.UpdateWant(ctx, b.seller, w.ID, service.WantEdit{MaxPriceCents: &price})
	require.ErrorIs(t, err, service.ErrWantNotFound, "another's want is not found")
	require.ErrorIs(t, b.svc.DeleteWant(ctx, b.seller, w.ID), service.ErrWantNotFound)
	require.NoError(t, b.svc.DeleteWant(ctx, b.other, w.ID))
	require.ErrorIs(t, b.svc.DeleteWant(ctx, b.other, w.ID), service.ErrWantNotFound)
}

// TestService_UpdateWantConcurrently: two partial edits of one want (two
// API PATCH calls, two tabs) that both start before either writes. The
// second merges into the want as the first left it, so both edits stay
// and the second's checks see the first's change.
func TestService_UpdateWantConcurrently(t *testing.T) {
	t.Parallel()
	price, email := int64(900), false
	isbn, empty, words := "9780141439518", "", "dune"
	for name, c := range map[string]struct {
		first, second service.WantEdit
		check         func(t *testing.T, errFirst, errSecond error, got service.Want)
	}{
		"DifferentFields": {service.WantEdit{MaxPriceCents: &price}, service.WantEdit{Email: &email},
			func(t *testing.T, errFirst, errSecond error, got service.Want) {
				require.NoError(t, errFirst)
				require.NoError(t, errSecond)
				require.Equal(t, int64(900), got.MaxPriceCents, "the first edit stays")
				require.False(t, got.Email, "the second edit stays")
				require.Equal(t, "petit prince", got.Words)
			}},
		"RulesSeeTheFirstEdit": {service.WantEdit{ISBN: &isbn, Words: &empty}, service.WantEdit{Words: &words},
			func(t *testing.T, errFirst, errSecond error, got service.Want) {
				require.NoError(t, errFirst)
				require.Contains(t, fieldsOf(t, errSecond), "words", "words beside the ISBN the first edit set")
				require.Equal(t, isbn, got.ISBN)
				require.Empty(t, got.Words)
			}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b, ctx := setup(t)
			w, err := b.svc.CreateWant(ctx, b.other, validWant())
			require.NoError(t, err)
			update := func(e service.WantEdit) <-chan error {
				done := make(chan error, 1)
				go func() {
					_, err := b.svc.UpdateWant(ctx, b.other, w.ID, e)
					done <- err
				}()
				return done
			}
			// The test holds the want's row while the first edit starts,
			// then the second; both are under way before either writes.
			hold, err := b.pool.Begin(ctx)
			require.NoError(t, err)
			_, err = hold.Exec(ctx, "SELECT 1 FROM catalog.wants WHERE id = $1 FOR UPDATE", w.ID)
			require.NoError(t, err)
			first := update(c.first)
			awaitLockWaiters(ctx, t, b.pool, 1)
			second := update(c.second)
			awaitLockWaiters(ctx, t, b.pool, 2)
			require.NoError(t, hold.Rollback(ctx))
			errFirst, errSecond := receive(t, first), receive(t, second)
			got, err := b.svc.Want(ctx, b.other, w.ID)
			require.NoError(t, err)
			c.check(t, errFirst, errSecond, got)
		})
	}
}

// TestService_WantAlertsStopAtCap: every page's header counts the new
// matches; a shopper who never looks gathers them without end, and the
// count reads no further than the cap the header can show.
func TestService_WantAlertsStopAtCap(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	const shopper = auth.UserID(41)
	l, err := b.svc.Create(ctx, b.seller, validInput())
	require.NoError(t, err)
	// The listing met 3,000 of the shopper's wants (a match is one per want
	// and listing), none seen.
	_, err = b.pool.Exec(ctx, `
		WITH w AS (INSERT INTO catalog.wants (user_id, words, max_price_cents, min_condition)
			SELECT $1, 'prince', 5000, 'poor' FROM generate_series(1, 3000) RETURNING id)
		INSERT INTO catalog.want_matches (want_id, book_id, user_id, price_cents) SELECT id, $2, $1, 1250 FROM w`, int64(shopper), int64(l.ID))
	require.NoError(t, err)
	_, err = b.pool.Exec(ctx, "VACUUM ANALYZE catalog.want_matches")
	require.NoError(t, err)

	before := pgtest.Stats(t, b.pool, "catalog.want_matches").Read
	n, err := b.svc.WantAlerts(ctx, shopper)
	require.NoError(t, err)
	require.Equal(t, catalog.WantAlertsCap, n, "3,000 unseen count as the cap")
	require.LessOrEqual(t, pgtest.Stats(t, b.pool, "catalog.want_matches").Read-before, int64(catalog.WantAlertsCap))
}

func TestService_MatchWants(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	const shopper, picky, rich = auth.UserID(31), auth.UserID(32), auth.UserID(33)
	words := catalogtest.CreateWant(ctx, t, b.pool, &catalogtest.WantOpts{UserID: shopper, Words: "the petit prince", MaxPriceCents: 1000})
	catalogtest.CreateWant(ctx, t, b.pool, &catalogtest.WantOpts{UserID: shopper, ISBN: "9780141439518", MaxPriceCents: 1000})
	catalogtest.CreateWant(ctx, t, b.pool, &catalogtest.WantOpts{UserID: picky, Words: "prince", MaxPriceCents: 5000, MinCondition: catalog.ConditionFine})
	catalogtest.CreateWant(ctx, t, b.pool, &catalogtest.WantOpts{UserID: rich, Words: "prince saint-exupéry", MaxPriceCents: 5000})
	catalogtest.CreateWant(ctx, t, b.pool, &catalogtest.WantOpts{UserID: b.seller.ID, Words: "prince", MaxPriceCents: 5000})
	catalogtest.CreateWant(ctx, t, b.pool, &catalogtest.WantOpts{UserID: rich, Words: "prince dragon", MaxPriceCents: 5000})

	l, err := b.svc.Create(ctx, b.seller, validInput()) // very good, 12.50
	require.NoError(t, err)
	n, err := b.svc.MatchWants(ctx, l.ID)
	require.NoError(t, err)
	require.Equal(t, 1, n, "only rich: too dear for shopper, too worn for picky, the seller's own, and a word missing")
	n, err = b.svc.MatchWants(ctx, l.ID)
	require.NoError(t, err)
	require.Zero(t, n, "a want hears of a listing once")

	price := int64(950)
	_, err = b.svc.Update(ctx, b.seller, l.ID, service.Edit{PriceCents: &price})
	require.NoError(t, err)
	n, err = b.svc.MatchWants(ctx, l.ID)
	require.NoError(t, err)
	require.Equal(t, 2, n, "cheaper: shopper's words and ISBN wants now match")
	alerts, err := b.svc.WantAlerts(ctx, shopper)
	require.NoError(t, err)
	require.Equal(t, 2, alerts)

	matches, hasNext, err := b.svc.WantMatches(ctx, auth.User{ID: shopper}, 1, 20)
	require.NoError(t, err)
	require.False(t, hasNext)
	require.Len(t, matches, 2)
	require.Equal(t, int64(950), matches[0].MatchedPriceCents)
	require.True(t, matches[0].Buyable)
	require.NoError(t, b.svc.MarkWantMatchesSeen(ctx, auth.User{ID: shopper}))
	alerts, err = b.svc.WantAlerts(ctx, shopper)
	require.NoError(t, err)
	require.Zero(t, alerts)
	w, err := b.svc.Want(ctx, auth.User{ID: shopper}, words)
	require.NoError(t, err)
	require.Equal(t, 1, w.Matches)

	_, err = b.svc.SetStatus(ctx, b.seller, l.ID, catalog.StatusPaused)
	require.NoError(t, err)
	catalogtest.CreateWant(ctx, t, b.pool, &catalogtest.WantOpts{UserID: 34, Words: "prince"})
	n, err = b.svc.MatchWants(ctx, l.ID)
	require.NoError(t, err)
	require.Zero(t, n, "a paused listing matches nothing")
}

// wordsWant is b.other's want of words.
func wordsWant(ctx context.Context, t *testing.T, b *bundle, words string) service.Want {
	t.Helper()
	in := validWant()
	in.Words = words
	w, err := b.svc.CreateWant(ctx, b.other, in)
	require.NoError(t, err)
	return w
}

// wantsMatched lists a new listing of title and author, matches it, and
// returns the wants it met.
func wantsMatched(ctx context.Context, t *testing.T, b *bundle, title, author string) []int64 {
	t.Helper()
	in := validInput()
	in.Title, in.Author, in.ISBN = title, author, ""
	l, err := b.svc.Create(ctx, b.seller, in)
	require.NoError(t, err)
	_, err = b.svc.MatchWants(ctx, l.ID)
	require.NoError(t, err)
	rows, err := b.pool.Query(ctx, "SELECT want_id FROM catalog.want_matches WHERE book_id = $1 ORDER BY want_id", int64(l.ID))
	require.NoError(t, err)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	require.NoError(t, err)
	return ids
}

// TestService_WantsReadWordsAsSearchDoes: a want's words are stored
// composed (NFC), as listings are, and a Greek word written with ς meets
// the same word in capitals (Σ), whichever side has which.
func TestService_WantsReadWordsAsSearchDoes(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	require.Equal(t, "Thérèse Raquin", wordsWant(ctx, t, b, norm.NFD.String("Thérèse Raquin")).Words)
	byAuthor := wordsWant(ctx, t, b, "ΚΑΖΑΝΤΖΑΚΗΣ")
	byTitle := wordsWant(ctx, t, b, "Οδυσσέας")
	require.Equal(t, []int64{byAuthor.ID}, wantsMatched(ctx, t, b, "Ο Καπετάν Μιχάλης", "Νίκος Καζαντζάκης"))
	require.Equal(t, []int64{byTitle.ID}, wantsMatched(ctx, t, b, "ΟΔΥΣΣΕΑΣ", "ΑΝΩΝΥΜΟΣ"))
}

// TestService_WantsMatchCJKWords: a want's words of Han, kana or Hangul
// meet a listing whose title or author holds them, as search finds it
// ("猫" in 吾輩は猫である), and not one that holds only their characters.
func TestService_WantsMatchCJKWords(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	want := func(words string) int64 { return wordsWant(ctx, t, b, words).ID }
	cat, catWord := want("猫"), want("である 漱石")
	want("猫だ")
	potter, korean := want("potter 賢者"), want("채식주의자")
	matched := func(title, author string) []int64 { return wantsMatched(ctx, t, b, title, author) }
	require.Equal(t, []int64{cat, catWord}, matched("吾輩は猫である", "夏目漱石"))
	require.Equal(t, []int64{cat}, matched("猫と暮らす", "Ann Author"))
	require.Equal(t, []int64{cat}, matched("だ猫", "Ann Author"), "猫だ's characters, not the pair")
	require.Equal(t, []int64{potter}, matched("Harry Potterと賢者の石", "J. K. Rowling"))
	require.Equal(t, []int64{korean}, matched("채식주의자를 읽다", "한강"))
	osaka := want("大阪神 tigers")
	require.Empty(t, matched("大阪と阪神 Tigers", "Ann Author"), "大阪神's pairs apart")
	require.Equal(t, []int64{osaka}, matched("大阪神 Tigers", "Ann Author"))
}

// TestService_WantsMatchWhatSearchFinds: a want matches the listings a
// search by its words finds, no more: a title of stop words ("It"), a last
// word typed halfway ("middlem"), and a last word followed by symbols
// only whole ("C++").
func TestService_WantsMatchWhatSearchFinds(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	want := func(words string) int64 { return wordsWant(ctx, t, b, words).ID }
	it, middlem, ends, cpp := want("It"), want("middlem"), want("it ends"), want("C++")
	the := want("The")
	for _, tc := range []struct {
		title, author string
		want          []int64
	}{
		{"It", "Stephen King", []int64{it}},
		{"It Ends with Us", "Colleen Hoover", []int64{it, ends}},
		{"Middlemarch", "George Eliot", []int64{middlem}},
		{"The Middlemen", "Ann Author", []int64{middlem, the}},
		{"C++ Primer", "Stanley Lippman", []int64{cpp}},
		{"Cosmos", "Carl Sagan", nil},
		{"Italy", "Ann Author", []int64{it}},
	} {
		require.ElementsMatch(t, tc.want, wantsMatched(ctx, t, b, tc.title, tc.author), tc.title)
	}
	// Each want's words find, in a search, the listings the want met.
	for words, titles := range map[string][]string{
		"It": {"It", "It Ends with Us", "Italy"}, "middlem": {"Middlemarch", "The Middlemen"},
		"it ends": {"It Ends with Us"}, "C++": {"C++ Primer"},
	} {
		res, err := b.svc.Search(ctx, service.Query{Text: words})
		require.NoError(t, err)
		got := []string{}
		for _, l := range res.Listings {
			got = append(got, l.Title)
		}
		require.ElementsMatch(t, titles, got, words)
	}
}

// matchJobs counts the matching jobs inserted for a listing.
func matchJobs(ctx context.Context, t *testing.T, pool *pgxpool.Pool, id catalog.BookID) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM river.river_job WHERE kind = 'catalog.match_wants' AND (args->>'book_id')::bigint = $1", int64(id)).Scan(&n))
	return n
}

func TestService_MatchingJobGoesInWithTheChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	ins, err := riverfx.NewInserter(pool, nil)
	require.NoError(t, err)
	svc := service.New(pool, &service.Options{Jobs: ins})
	seller := auth.User{ID: 11, Name: "Sally Seller", EmailVerified: true}

	l, err := svc.Create(ctx, seller, validInput())
	require.NoError(t, err)
	require.Equal(t, 1, matchJobs(ctx, t, pool, l.ID), "published")

	draft := validInput()
	draft.Draft = true
	d, err := svc.Create(ctx, seller, draft)
	require.NoError(t, err)
	require.Zero(t, matchJobs(ctx, t, pool, d.ID), "a draft is not on sale")
	_, err = svc.SetStatus(ctx, seller, d.ID, catalog.StatusActive)
	require.NoError(t, err)
	require.Equal(t, 1, matchJobs(ctx, t, pool, d.ID), "published from draft")

	note, dearer, cheaper := "Foxed", int64(2000), int64(1000)
	_, err = svc.Update(ctx, seller, l.ID, service.Edit{ConditionNote: &note})
	require.NoError(t, err)
	_, err = svc.Update(ctx, seller, l.ID, service.Edit{PriceCents: &dearer})
	require.NoError(t, err)
	require.Equal(t, 1, matchJobs(ctx, t, pool, l.ID), "a note or a higher price meets no new want")
	_, err = svc.Update(ctx, seller, l.ID, service.Edit{PriceCents: &cheaper})
	require.NoError(t, err)
	require.Equal(t, 2, matchJobs(ctx, t, pool, l.ID), "the price dropped")

	_, err = svc.Update(ctx, seller, l.ID, service.Edit{PriceCents: ptr(int64(500)), Title: ptr("")})
	require.Error(t, err)
	require.Equal(t, 2, matchJobs(ctx, t, pool, l.ID), "a refused change enqueues nothing")
}

func ptr[T any](v T) *T { return &v }

// wantEmails returns the want-alert emails written to addr.
func wantEmails(ctx context.Context, t *testing.T, pool *pgxpool.Pool, addr string) []string {
	t.Helper()
	rows, err := pool.Query(ctx, "SELECT body FROM mail.outbox WHERE kind = 'catalog.want_match' AND to_addr = $1 ORDER BY id", addr)
	require.NoError(t, err)
	bodies, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return bodies
}

func TestService_MatchWantsEmails(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	all := []auth.Topic{auth.TopicWantMatch}
	keen := auth.User{ID: 41, Email: "keen@example.com", EmailVerified: true, EmailTopics: all}
	quiet := auth.User{ID: 42, Email: "quiet@example.com", EmailVerified: true, EmailTopics: []auth.Topic{auth.TopicOrderPlaced}}
	unconfirmed := auth.User{ID: 43, Email: "new@example.com", EmailTopics: all}
	perWant := auth.User{ID: 44, Email: "perwant@example.com", EmailVerified: true, EmailTopics: all}
	var f authtest.Feed
	for _, u := range []auth.User{keen, quiet, unconfirmed, perWant} {
		u.Name = "Wanter"
		f.Add(u)
		catalogtest.CreateWant(ctx, t, b.pool, &catalogtest.WantOpts{UserID: u.ID, Words: "petit prince", Email: u.ID != perWant.ID})
	}
	catalogtest.CreateWant(ctx, t, b.pool, &catalogtest.WantOpts{UserID: keen.ID, Words: "prince", Email: true})
	_, err := b.svc.SyncSellers(ctx, f.UserChanges)
	require.NoError(t, err)

	l, err := b.svc.Create(ctx, b.seller, validInput())
	require.NoError(t, err)
	n, err := b.svc.MatchWants(ctx, l.ID)
	require.NoError(t, err)
	require.Equal(t, 5, n, "every want matches; the in-app alerts do not depend on email")
	got := wantEmails(ctx, t, b.pool, keen.Email)
	require.Len(t, got, 2, "one email per matching want")
	require.Contains(t, got[0], "“\u2068Le Petit Prince\u2069” by \u2068Antoine de Saint-Exupéry\u2069 is on sale for $12.50")
	require.Contains(t, got[0], "http://localhost:8080/books/")
	for _, u := range []auth.User{quiet, unconfirmed, perWant} {
		require.Empty(t, wantEmails(ctx, t, b.pool, u.Email), "%s: topic off, address unconfirmed, or the want asks for no email", u.Email)
	}

	price := int64(900)
	_, err = b.svc.Update(ctx, b.seller, l.ID, service.Edit{PriceCents: &price})
	require.NoError(t, err)
	n, err = b.svc.MatchWants(ctx, l.ID)
	require.NoError(t, err)
	require.Zero(t, n)
	require.Len(t, wantEmails(ctx, t, b.pool, keen.Email), 2, "a listing and a want make one email, ever")

	quiet.Name, quiet.EmailTopics = "Wanter", all
	f.Add(quiet)
	_, err = b.svc.SyncSellers(ctx, f.UserChanges)
	require.NoError(t, err)
	second, err := b.svc.Create(ctx, b.seller, validInput())
	require.NoError(t, err)
	_, err = b.svc.MatchWants(ctx, second.ID)
	require.NoError(t, err)
	require.Len(t, wantEmails(ctx, t, b.pool, quiet.Email), 1, "a choice changed in accounts counts once the feed is copied")
	require.Len(t, wantEmails(ctx, t, b.pool, keen.Email), 4)
}
