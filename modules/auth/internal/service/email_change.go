package service

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/dbsqlc"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/pg"
	"github.com/bookstore/bookstore/platform/text"
)

// A change of address waits for the link sent to the new address: a typo
// in it, or someone else's, must not take the account away from its owner.
const (
	purposeChange = "change"
	// ChangeLinkLife is how long a change-of-address link works; the
	// account keeps its address meanwhile.
	ChangeLinkLife = 24 * time.Hour
	// ChangePath is the page the link opens.
	ChangePath = "/account/email/confirm"
)

// ErrEmailTaken answers a change-of-address link opened after another
// account took the address; the link is spent and the address unchanged.
var ErrEmailTaken = apperr.New(apperr.Conflict, "auth.email_taken", "another account now uses that address, so yours is unchanged")

// EmailChange is a change of address waiting for its link to be opened.
type EmailChange struct {
	Email     string
	ExpiresAt time.Time
}

// ChangeEmailInput is the change-of-address form: the new address and the
// current password.
type ChangeEmailInput struct {
	Email, Password string
}

// RequestEmailChange mails a link to the new address, read and checked as
// sign-up reads it, and a notice to the current one; the address changes
// only when the link is opened (ConfirmEmailChange). A new request voids
// the earlier link. Password attempts count against the account's
// password-check limit, as ChangePassword's do; the emails, against
// Limits.EmailChangePerAccount.
func (s *Service) RequestEmailChange(ctx context.Context, id auth.UserID, in ChangeEmailInput) (EmailChange, error) {
	account := strconv.FormatInt(int64(id), 10)
	if err := s.allow(ctx, check(s.passwordCheck, account)); err != nil {
		return EmailChange{}, err
	}
	email := normalizeEmail(in.Email)
	var out EmailChange
	err := s.userTx(ctx, id, "request email change", func(tx pgx.Tx, row dbsqlc.User) error {
		f := fields{}
		f.check("email", checkEmail(email))
		if strings.EqualFold(email, row.Email) {
			f.check("email", "this is already your address")
		}
		msg, err := checkCurrent(in.Password, row)
		if err != nil {
			return fmt.Errorf("request email change: %w", err)
		}
		f.check("password", msg)
		if err := f.err(); err != nil {
			return err
		}
		// Sign-up says as much of a taken address; the unique index
		// decides again when the link is opened.
		switch _, err := s.q.GetUserByEmail(ctx, tx, email); {
		case err == nil:
			return ErrInvalid.WithFields(map[string]string{"email": "another account uses this address"})
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("request email change: %w", err)
		}
		if err := s.allow(ctx, check(s.emailChangeAccount, account)); err != nil {
			return err
		}
		link, err := s.newLink(ctx, tx, row.ID, purposeChange, email, ChangePath, ChangeLinkLife)
		if err != nil {
			return err
		}
		old, shown := mail.ShownAddress(row.Email), mail.ShownAddress(email)
		// The link is the addressee's secret, as sign-up's is.
		if _, err := s.outbox.Write(ctx, tx, mail.Message{Kind: "auth.email_change", To: email, Secret: link,
			Subject: "Confirm your new email address for BookStore",
			Body: "Hello " + text.Isolate(row.Name) + ",\n\nYou asked to change the address of your BookStore account from " + old + " to " + shown +
				". Open this link to confirm it:\n\n" + link + "\n\nThe link works once, for 24 hours. Until you open it, the account keeps " + old +
				".\n\nIf you did not ask, ignore this email: nothing changes.\n"}); err != nil {
			return err
		}
		if _, err := s.outbox.Write(ctx, tx, mail.Message{Kind: "auth.email_change_requested", To: row.Email,
			Subject: "A change of your BookStore email address was asked for",
			Body: "Hello " + text.Isolate(row.Name) + ",\n\nSomeone signed in to your BookStore account asked to change its address from " + old + " to " + shown +
				". Nothing changes until the link we sent to " + shown + " is opened.\n\n" +
				"If this was not you, sign in, cancel the change on your account page and change your password there, which signs out every other device:\n\n" +
				s.outbox.Link("/account") + "\n"}); err != nil {
			return err
		}
		out = EmailChange{Email: email, ExpiresAt: s.now().Add(ChangeLinkLife)}
		return nil
	})
	return out, err
}

// PendingEmailChange returns the user's change of address that waits for
// its link, if any.
func (s *Service) PendingEmailChange(ctx context.Context, id auth.UserID) (EmailChange, bool, error) {
	row, err := s.q.PendingEmailChange(ctx, s.pool, dbsqlc.PendingEmailChangeParams{UserID: int64(id), Now: s.now()})
	if errors.Is(err, pgx.ErrNoRows) {
		return EmailChange{}, false, nil
	}
	if err != nil {
		return EmailChange{}, false, fmt.Errorf("pending email change of user %d: %w", id, err)
	}
	return EmailChange{Email: row.Email, ExpiresAt: row.ExpiresAt}, true, nil
}

// CancelEmailChange voids the link of the user's pending change of
// address; without one it changes nothing.
func (s *Service) CancelEmailChange(ctx context.Context, id auth.UserID) error {
	err := s.q.VoidEmailTokens(ctx, s.pool, dbsqlc.VoidEmailTokensParams{UserID: int64(id), Purpose: purposeChange, Now: s.now()})
	if err != nil {
		return fmt.Errorf("cancel email change of user %d: %w", id, err)
	}
	return nil
}

// ConfirmEmailChangeInput is what the change-of-address link's page sends.
type ConfirmEmailChangeInput struct {
	Token string
	// Keep is the credential of the request, if any, which stays signed
	// in when it is the same user's (see keepOnly); every other session
	// and token ends, as after a change of password.
	Keep string
}

// ConfirmEmailChange gives the link's user the address it was sent to,
// confirmed, and tells both addresses; the link works once, and links
// sent to the old address (verify, reset) stop working with it. When
// another account took the address meanwhile, the link is spent, the
// address stays, and the answer is ErrEmailTaken. As ChangePassword, it
// returns the browser's session under its new id when Keep is the user's
// (its cookie must be replaced), else a zero Session.
func (s *Service) ConfirmEmailChange(ctx context.Context, in ConfirmEmailChangeInput) (auth.User, Session, error) {
	if badToken(in.Token) {
		return auth.User{}, Session{}, ErrBadLink
	}
	var u auth.User
	var kept Session
	var taken error
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		spent, err := s.q.SpendEmailChangeToken(ctx, tx, dbsqlc.SpendEmailChangeTokenParams{TokenHash: hashCredential(in.Token), Now: now})
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrBadLink
		}
		if err != nil {
			return fmt.Errorf("confirm email change: %w", err)
		}
		old, err := s.q.GetUserForUpdate(ctx, tx, spent.UserID)
		if err != nil {
			return fmt.Errorf("confirm email change of user %d: %w", spent.UserID, err)
		}
		// In a savepoint, so that a taken address still spends the link.
		var row dbsqlc.User
		err = pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error {
			row, err = s.q.SetUserEmail(ctx, sp, dbsqlc.SetUserEmailParams{Email: spent.Email, Now: now, ID: old.ID})
			return err
		})
		if pg.IsUniqueViolation(err, "users_email_key") {
			taken = ErrEmailTaken.WithMessage("another account now uses " + mail.ShownAddress(spent.Email) +
				", so your address stays " + mail.ShownAddress(old.Email))
			return nil
		}
		if err != nil {
			return fmt.Errorf("confirm email change of user %d: %w", old.ID, err)
		}
		if kept, err = s.keepOnly(ctx, tx, row.ID, in.Keep); err != nil {
			return fmt.Errorf("confirm email change: %w", err)
		}
		if err := s.recordChange(ctx, tx, row.ID); err != nil {
			return err
		}
		// Admins see it beside what they do: a taken-over account is
		// traced by when its address moved, and to where.
		if err := s.recordAction(ctx, tx, activity.Record{Actor: activity.Actor{ID: row.ID, Name: row.Name}, Action: activity.UserChangeEmail,
			SubjectID: row.ID, SubjectLabel: activity.AddressChange(old.Email, row.Email)}); err != nil {
			return err
		}
		was, is := mail.ShownAddress(old.Email), mail.ShownAddress(row.Email)
		for _, m := range []mail.Message{
			{Kind: "auth.email_changed", To: row.Email, Subject: "Your BookStore email address is changed",
				Body: "Hello " + text.Isolate(row.Name) + ",\n\nYour BookStore account's address is now " + is + ", and confirmed. Sign in with it from now on; " +
					"every other device was signed out.\n"},
			{Kind: "auth.email_changed", To: old.Email, Subject: "Your BookStore email address is changed",
				Body: "Hello " + text.Isolate(row.Name) + ",\n\nYour BookStore account's address changed from " + was + " to " + is +
					", through a link sent to the new address; this address no longer signs in, and every other device was signed out.\n\n" +
					"If you did not make this change, contact the shop at once.\n"},
		} {
			if _, err := s.outbox.Write(ctx, tx, m); err != nil {
				return err
			}
		}
		u = toUser(row)
		return nil
	})
	if err == nil {
		err = taken
	}
	if err != nil {
		return auth.User{}, Session{}, err
	}
	return u, kept, nil
}
