package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/unicode/norm"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/dbsqlc"
	"github.com/bookstore/bookstore/modules/catalog/internal/jobs"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/text"
	"github.com/bookstore/bookstore/platform/view"
)

// Limits of want lists.
const (
	// MaxWants bounds one user's wants, which bounds what matching one
	// listing can write for one user.
	MaxWants = 200
	// MaxWantWords bounds the words of a want, in characters.
	MaxWantWords = 200
)

// Errors of want lists.
var (
	ErrWantNotFound = apperr.New(apperr.NotFound, "catalog.want_not_found", "want not found")
	ErrTooManyWants = apperr.New(apperr.Conflict, "catalog.too_many_wants",
		fmt.Sprintf("you have %d wants, the most one account may keep; delete one first", MaxWants))
)

// Want is a standing search of one user: a listing that meets it, once on
// sale, is recorded as a match the user hears of.
type Want struct {
	ID     int64
	UserID auth.UserID
	// ISBN (13 digits) or Words, never both.
	ISBN          string
	Words         string
	MaxPriceCents int64
	// MinCondition is the worst grade the user accepts.
	MinCondition catalog.Condition
	// Email asks for an email at each match as well.
	Email     bool
	Matches   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// WantInput is what a user writes about a want.
type WantInput struct {
	ISBN          string // as typed
	Words         string
	MaxPriceCents int64
	MinCondition  catalog.Condition
	Email         bool
}

// WantEdit is a change to a want: only the fields it sets change.
type WantEdit struct {
	ISBN          *string
	Words         *string
	MaxPriceCents *int64
	MinCondition  *catalog.Condition
	Email         *bool
}

// Apply sets in's fields to those e sets.
func (e WantEdit) Apply(in *WantInput) {
	if e.ISBN != nil {
		in.ISBN = *e.ISBN
	}
	if e.Words != nil {
		in.Words = *e.Words
	}
	if e.MaxPriceCents != nil {
		in.MaxPriceCents = *e.MaxPriceCents
	}
	if e.MinCondition != nil {
		in.MinCondition = *e.MinCondition
	}
	if e.Email != nil {
		in.Email = *e.Email
	}
}

// WantMatch is a listing that met a want, as it is now.
type WantMatch struct {
	WantID            int64
	WantISBN          string
	WantWords         string
	BookID            catalog.BookID
	Title             string
	Author            string
	Condition         catalog.Condition
	PriceCents        int64
	MatchedPriceCents int64
	// Buyable is false once the listing sold out, paused or was hidden.
	Buyable   bool
	Seen      bool
	CreatedAt time.Time
}

// Describe is the want in words, for pages and emails.
func (w Want) Describe() string { return describeWant(w.ISBN, w.Words) }

// Describe is the want the listing met, in words.
func (m WantMatch) Describe() string { return describeWant(m.WantISBN, m.WantWords) }

func describeWant(isbn, words string) string {
	if isbn != "" {
		return "ISBN " + FormatISBN(isbn)
	}
	return text.Quote(words)
}

// grades are the conditions best first, as matching compares them.
func grades() []string { return ConditionsAtLeast(catalog.ConditionPoor) }

// normaliseWant trims the input and checks every rule, returning one
// message per field, and the ISBN as stored.
func (s *Service) normaliseWant(in *WantInput) (*string, error) {
	// Composed (NFC), as listings and searches are (see normalise).
	in.Words = norm.NFC.String(strings.Join(strings.Fields(in.Words), " "))
	in.ISBN = strings.TrimSpace(in.ISBN)
	fields := map[string]string{}
	var isbn *string
	if in.ISBN != "" {
		n, err := ParseISBN(in.ISBN)
		if err != nil {
			fields["isbn"] = err.Error()
		} else {
			isbn = &n
		}
	}
	switch {
	case in.ISBN != "" && in.Words != "":
		fields["words"] = "leave the words empty when you give an ISBN: the ISBN alone names the edition"
	case in.ISBN != "":
		// The ISBN, checked above, names the want.
	case in.Words == "":
		fields["words"] = "enter words of the title or author, or an ISBN"
	case text.CheckLine(in.Words) != nil:
		fields["words"] = text.CheckLine(in.Words).Error()
	case utf8.RuneCountInString(in.Words) > MaxWantWords:
		fields["words"] = fmt.Sprintf("must be at most %d characters", MaxWantWords)
	case len(Words(in.Words)) == 0:
		// Matched as a search by them would be (catalog.want_query): a
		// search of symbols alone finds nothing.
		fields["words"] = "enter words of the title or author: letters or digits, not only symbols"
	}
	switch {
	case in.MaxPriceCents <= 0:
		fields["max_price_cents"] = "must be more than zero"
	case in.MaxPriceCents > s.opts.MaxPriceCents:
		fields["max_price_cents"] = "must be at most " + text.MoneyInput(s.opts.MaxPriceCents)
	}
	if !slices.Contains(Grades, in.MinCondition) {
		fields["min_condition"] = "choose one of New, As New, Fine, Very Good, Good, Fair or Poor"
	}
	if len(fields) > 0 {
		return nil, apperr.ErrInvalid.WithFields(fields)
	}
	return isbn, nil
}

func wantFrom(id, user int64, isbn *string, words string, maxPrice int64, cond string, email bool, created, updated time.Time, matches int64) Want {
	w := Want{ID: id, UserID: auth.UserID(user), Words: words, MaxPriceCents: maxPrice,
		MinCondition: catalog.Condition(cond), Email: email, CreatedAt: created, UpdatedAt: updated, Matches: int(matches)}
	if isbn != nil {
		w.ISBN = *isbn
	}
	return w
}

// ValidateWant checks a want without storing it, so a form can show every
// field's message at once.
func (s *Service) ValidateWant(ctx context.Context, in WantInput) error {
	_, err := s.normaliseWant(&in)
	return err
}

// CreateWant saves a want for u, at most MaxWants per user
// (ErrTooManyWants). Listings published or repriced from now on are
// matched against it.
func (s *Service) CreateWant(ctx context.Context, u auth.User, in WantInput) (Want, error) {
	if u.ID == 0 {
		return Want{}, auth.ErrUnauthenticated
	}
	isbn, err := s.normaliseWant(&in)
	if err != nil {
		return Want{}, err
	}
	var w Want
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.q.LockUserWants(ctx, tx, int64(u.ID)); err != nil {
			return err
		}
		n, err := s.q.CountUserWants(ctx, tx, int64(u.ID))
		if err != nil {
			return err
		}
		if n >= MaxWants {
			return ErrTooManyWants
		}
		r, err := s.q.CreateWant(ctx, tx, dbsqlc.CreateWantParams{UserID: int64(u.ID), Isbn: isbn, Words: in.Words,
			MaxPriceCents: in.MaxPriceCents, MinCondition: string(in.MinCondition), Email: in.Email})
		w = wantFrom(r.ID, r.UserID, r.Isbn, r.Words, r.MaxPriceCents, r.MinCondition, r.Email, r.CreatedAt, r.UpdatedAt, 0)
		return err
	})
	if err != nil {
		return Want{}, fmt.Errorf("create want: %w", err)
	}
	return w, nil
}

// Want returns one of u's wants: ErrWantNotFound for anyone else's, so
// wants do not reveal that they exist.
func (s *Service) Want(ctx context.Context, u auth.User, id int64) (Want, error) {
	r, err := s.q.GetWant(ctx, s.pool, id)
	if isNoRows(err) || (err == nil && r.UserID != int64(u.ID)) {
		return Want{}, ErrWantNotFound
	}
	if err != nil {
		return Want{}, fmt.Errorf("want %d: %w", id, err)
	}
	return wantFrom(r.ID, r.UserID, r.Isbn, r.Words, r.MaxPriceCents, r.MinCondition, r.Email, r.CreatedAt, r.UpdatedAt, r.Matches), nil
}

// SignedInWant is Want for the user the request signed in, for the pages
// and API alike: auth.ErrUnauthenticated for a visitor.
func (s *Service) SignedInWant(ctx context.Context, id int64) (auth.User, Want, error) {
	u, err := auth.RequireUser(ctx)
	if err != nil {
		return u, Want{}, err
	}
	w, err := s.Want(ctx, u, id)
	return u, w, err
}

// UpdateWant applies an edit to one of u's wants. The want is read,
// checked and written under its lock, so an edit merges into the want as
// the edit before it left it: two edits of different fields both stay,
// and the rules (ISBN or words, the price cap) hold for the want as
// written. Its matches so far stay: a listing is heard of once per want,
// whatever the want became since.
func (s *Service) UpdateWant(ctx context.Context, u auth.User, id int64, e WantEdit) (Want, error) {
	var w Want
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		owner, err := s.q.LockWant(ctx, tx, id)
		if isNoRows(err) || (err == nil && owner != int64(u.ID)) {
			return ErrWantNotFound
		}
		if err != nil {
			return err
		}
		cur, err := s.q.GetWant(ctx, tx, id)
		if err != nil {
			return err
		}
		in := WantInput{Words: cur.Words, MaxPriceCents: cur.MaxPriceCents, MinCondition: catalog.Condition(cur.MinCondition), Email: cur.Email}
		if cur.Isbn != nil {
			in.ISBN = *cur.Isbn
		}
		e.Apply(&in)
		isbn, err := s.normaliseWant(&in)
		if err != nil {
			return err
		}
		r, err := s.q.UpdateWant(ctx, tx, dbsqlc.UpdateWantParams{ID: id, UserID: int64(u.ID), Isbn: isbn, Words: in.Words,
			MaxPriceCents: in.MaxPriceCents, MinCondition: string(in.MinCondition), Email: in.Email})
		w = wantFrom(r.ID, r.UserID, r.Isbn, r.Words, r.MaxPriceCents, r.MinCondition, r.Email, r.CreatedAt, r.UpdatedAt, cur.Matches)
		return err
	})
	if err != nil {
		return Want{}, fmt.Errorf("update want %d: %w", id, err)
	}
	return w, nil
}

// DeleteWant removes one of u's wants and its matches.
func (s *Service) DeleteWant(ctx context.Context, u auth.User, id int64) error {
	n, err := s.q.DeleteWant(ctx, s.pool, dbsqlc.DeleteWantParams{ID: id, UserID: int64(u.ID)})
	if err != nil {
		return fmt.Errorf("delete want %d: %w", id, err)
	}
	if n == 0 {
		return ErrWantNotFound
	}
	return nil
}

// Wants lists u's wants, newest first; there are at most MaxWants.
func (s *Service) Wants(ctx context.Context, u auth.User) ([]Want, error) {
	if u.ID == 0 {
		return nil, auth.ErrUnauthenticated
	}
	rows, err := s.q.UserWants(ctx, s.pool, int64(u.ID))
	if err != nil {
		return nil, fmt.Errorf("wants: %w", err)
	}
	out := make([]Want, 0, len(rows))
	for _, r := range rows {
		out = append(out, wantFrom(r.ID, r.UserID, r.Isbn, r.Words, r.MaxPriceCents, r.MinCondition, r.Email, r.CreatedAt, r.UpdatedAt, r.Matches))
	}
	return out, nil
}

// WantMatches pages through u's matches, newest first, and reports
// whether there is a next page.
func (s *Service) WantMatches(ctx context.Context, u auth.User, page, perPage int) ([]WantMatch, bool, error) {
	if u.ID == 0 {
		return nil, false, auth.ErrUnauthenticated
	}
	lim := int32(perPage)
	rows, err := s.q.UserWantMatches(ctx, s.pool, dbsqlc.UserWantMatchesParams{UserID: int64(u.ID), Lim: lim + 1, Off: int32((page - 1) * perPage)})
	if err != nil {
		return nil, false, fmt.Errorf("want matches: %w", err)
	}
	hasNext := len(rows) > int(lim)
	rows = rows[:min(len(rows), int(lim))]
	out := make([]WantMatch, 0, len(rows))
	for _, r := range rows {
		m := WantMatch{WantID: r.WantID, WantWords: r.WantWords, BookID: catalog.BookID(r.BookID), Title: r.Title, Author: r.Author,
			Condition: catalog.Condition(r.Condition), PriceCents: r.PriceCents, MatchedPriceCents: r.MatchedPriceCents,
			Buyable: r.Status == string(catalog.StatusActive) && !r.Hidden && r.Available > 0, Seen: r.SeenAt != nil, CreatedAt: r.CreatedAt}
		if r.WantIsbn != nil {
			m.WantISBN = *r.WantIsbn
		}
		out = append(out, m)
	}
	return out, hasNext, nil
}

// MarkWantMatchesSeen marks all of u's matches seen, once u has looked.
func (s *Service) MarkWantMatchesSeen(ctx context.Context, u auth.User) error {
	if _, err := s.q.MarkWantMatchesSeen(ctx, s.pool, int64(u.ID)); err != nil {
		return fmt.Errorf("mark want matches seen: %w", err)
	}
	return nil
}

// WantAlerts implements catalog.Service.
func (s *Service) WantAlerts(ctx context.Context, user auth.UserID) (int, error) {
	if user == 0 {
		return 0, nil
	}
	n, err := s.q.UnseenWantMatches(ctx, s.pool, dbsqlc.UnseenWantMatchesParams{UserID: int64(user), Lim: catalog.WantAlertsCap})
	if err != nil {
		return 0, fmt.Errorf("want alerts of %d: %w", user, err)
	}
	return int(n), nil
}

// MatchWants records the wants listing id meets now, each at most once
// ever, and returns how many it added: none when the listing is not on
// sale. It is the work of the job that publishing or repricing a listing
// inserts (matchLater). Each new match's email (for a want that asks for
// one, to a user who chose want_match and has a confirmed address, as the
// copy from the accounts feed says) is written in the same transaction, so
// a match and its email commit together, once.
func (s *Service) MatchWants(ctx context.Context, id catalog.BookID) (int, error) {
	t, err := s.q.WantMatchTarget(ctx, s.pool, dbsqlc.WantMatchTargetParams{ID: int64(id), Grades: grades()})
	if isNoRows(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("match wants of listing %d: %w", id, err)
	}
	var n int
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := s.q.MatchWants(ctx, tx, dbsqlc.MatchWantsParams{BookID: t.ID, PriceCents: t.PriceCents, SellerID: t.SellerID,
			Grades: grades(), Grade: t.Grade, Isbn: t.Isbn, Keys: t.Keys, Doc: t.Doc, Topic: string(auth.TopicWantMatch)})
		if err != nil {
			return err
		}
		n = len(rows)
		for _, r := range rows {
			if r.Email == "" {
				continue
			}
			want := describeWant("", r.Words)
			if r.Isbn != nil {
				want = describeWant(*r.Isbn, "")
			}
			m := mail.Message{Kind: "catalog.want_match", To: r.Email, Subject: "A book you want is on sale: " + text.Quote(oneLine(t.Title)),
				Body: "Hello,\n\n" + text.Quote(t.Title) + " by " + text.Isolate(t.Author) + " is on sale for " + view.Money(t.PriceCents) + ", and it matches your want " + want + ":\n\n" +
					s.opts.Outbox.Link(fmt.Sprintf("/books/%d", t.ID)) + "\n\nYour want list and its matches: " + s.opts.Outbox.Link("/my/wants") +
					"\n\nYou get this email because the want asks for one. Choose your emails at " + s.opts.Outbox.Link("/account/notifications") + "\n"}
			if _, err := s.opts.Outbox.Write(ctx, tx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("match wants of listing %d: %w", id, err)
	}
	return n, nil
}

// oneLine keeps a title fit for a subject line, which ends at a line break.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// matchLater inserts the job that matches listing id against the wants, in
// tx, so it runs if and only if the change that asks for it commits. A
// service without Options.Jobs matches nothing.
func (s *Service) matchLater(ctx context.Context, tx pgx.Tx, id catalog.BookID) error {
	if s.opts.Jobs == nil {
		return nil
	}
	if _, err := s.opts.Jobs.InsertTx(ctx, tx, jobs.MatchWantsArgs{BookID: id}, nil); err != nil {
		return fmt.Errorf("enqueue want matching of listing %d: %w", id, err)
	}
	return nil
}
