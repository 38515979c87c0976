package service

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/dbsqlc"
	"github.com/bookstore/bookstore/modules/auth/internal/password"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/text"
)

// Purposes of emailed links.
const (
	purposeVerify = "verify"
	purposeReset  = "reset"
)

// Lifetimes of emailed links: a verification link may wait in a mailbox for
// days; a reset link, which signs nobody in but replaces a password, lives
// an hour.
const (
	VerifyLinkLife = 72 * time.Hour
	ResetLinkLife  = time.Hour
)

// Paths the emailed links open.
const (
	VerifyPath = "/account/verify"
	ResetPath  = "/password/reset"
)

var (
	// ErrBadLink answers an emailed link that is unknown, expired, used,
	// or for an address the account no longer has.
	ErrBadLink = apperr.New(apperr.Invalid, "auth.link_invalid", "this link has expired or has already been used; ask for a new one")
	// ErrAlreadyVerified answers a resend for a verified address.
	ErrAlreadyVerified = apperr.New(apperr.Conflict, "auth.already_verified", "your email address is already confirmed")
)

// sendLink makes a single-use link for the user's address, voiding the
// earlier ones of its purpose, and writes its email in tx.
func (s *Service) sendLink(ctx context.Context, tx pgx.Tx, u dbsqlc.User, purpose string) error {
	life, path := VerifyLinkLife, VerifyPath
	if purpose == purposeReset {
		life, path = ResetLinkLife, ResetPath
	}
	link, err := s.newLink(ctx, tx, u.ID, purpose, u.Email, path, life)
	if err != nil {
		return err
	}
	m := mail.Message{Kind: "auth.verify_email", To: u.Email, Subject: "Confirm your email address for BookStore",
		Body: "Hello " + text.Isolate(u.Name) + ",\n\nPlease confirm that this is your email address by opening this link:\n\n" + link +
			"\n\nThe link works once, for " + strconv.Itoa(int(life.Hours())) + " hours. Until you confirm, you can shop but not publish listings.\n\n" +
			"If you did not sign up at BookStore, ignore this email.\n"}
	if purpose == purposeReset {
		m = mail.Message{Kind: "auth.password_reset", To: u.Email, Subject: "Reset your BookStore password",
			Body: "Hello " + text.Isolate(u.Name) + ",\n\nSomeone, hopefully you, asked to reset the password of your BookStore account. Choose a new one here:\n\n" + link +
				"\n\nThe link works once, for one hour. If you did not ask, ignore this email: your password stays as it is.\n"}
	}
	// Whoever holds the link confirms the address or replaces the
	// password: the Outbox page must not hand it to an admin once the
	// email goes to its user.
	m.Secret = link
	if _, err := s.outbox.Write(ctx, tx, m); err != nil {
		return err
	}
	return nil
}

// newLink makes a single-use link for email that opens path and works
// for life, voiding the user's earlier links of its purpose, and returns
// it as the email shows it.
func (s *Service) newLink(ctx context.Context, tx pgx.Tx, userID int64, purpose, email, path string, life time.Duration) (string, error) {
	now := s.now()
	if err := s.q.VoidEmailTokens(ctx, tx, dbsqlc.VoidEmailTokensParams{UserID: userID, Purpose: purpose, Now: now}); err != nil {
		return "", fmt.Errorf("void %s links: %w", purpose, err)
	}
	token := randomToken()
	err := s.q.CreateEmailToken(ctx, tx, dbsqlc.CreateEmailTokenParams{
		TokenHash: hashCredential(token), UserID: userID, Purpose: purpose, Email: email, Now: now, ExpiresAt: now.Add(life),
	})
	if err != nil {
		return "", fmt.Errorf("create %s link: %w", purpose, err)
	}
	return s.outbox.Link(path + "?token=" + url.QueryEscape(token)), nil
}

// badToken reports a token that no link could carry, refused before a
// lookup.
func badToken(token string) bool { return token == "" || len(token) > 2*tokenLen }

// spend uses a link's token inside tx and returns its user.
func (s *Service) spend(ctx context.Context, tx pgx.Tx, token, purpose string) (dbsqlc.User, error) {
	if badToken(token) {
		return dbsqlc.User{}, ErrBadLink
	}
	id, err := s.q.SpendEmailToken(ctx, tx, dbsqlc.SpendEmailTokenParams{TokenHash: hashCredential(token), Purpose: purpose, Now: s.now()})
	if errors.Is(err, pgx.ErrNoRows) {
		return dbsqlc.User{}, ErrBadLink
	}
	if err != nil {
		return dbsqlc.User{}, fmt.Errorf("spend %s link: %w", purpose, err)
	}
	row, err := s.q.GetUser(ctx, tx, id)
	if err != nil {
		return dbsqlc.User{}, fmt.Errorf("spend %s link: %w", purpose, err)
	}
	return row, nil
}

// VerifyEmail confirms the address of the link's user; the link works
// once. The change goes into the users feed, and the user's next request
// carries it, so the catalog lets them publish at once.
func (s *Service) VerifyEmail(ctx context.Context, token string) (auth.User, error) {
	var u auth.User
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		row, err := s.spend(ctx, tx, token, purposeVerify)
		if err != nil {
			return err
		}
		if row, err = s.q.MarkEmailVerified(ctx, tx, dbsqlc.MarkEmailVerifiedParams{ID: row.ID, Now: s.now()}); err != nil {
			return fmt.Errorf("verify email: %w", err)
		}
		u = toUser(row)
		return s.recordChange(ctx, tx, row.ID)
	})
	return u, err
}

// ResendVerification sends a new verification link, voiding the earlier
// ones, at most Limits.ResendPerAccount times a window.
func (s *Service) ResendVerification(ctx context.Context, id auth.UserID) error {
	if err := s.allow(ctx, check(s.resendAccount, strconv.FormatInt(int64(id), 10))); err != nil {
		return err
	}
	return s.userTx(ctx, id, "resend verification", func(tx pgx.Tx, row dbsqlc.User) error {
		if row.EmailVerifiedAt != nil {
			return ErrAlreadyVerified
		}
		return s.sendLink(ctx, tx, row, purposeVerify)
	})
}

// RequestPasswordReset emails a reset link to the account with this email,
// if there is one. It answers the same for any email, and does the same
// work up to the email's lookup either way (the counts, a transaction), so
// neither its answer nor, much, its timing tells whether an account
// exists. A disabled account gets no link.
func (s *Service) RequestPasswordReset(ctx context.Context, email, clientAddr string) error {
	email = normalizeEmail(email)
	if msg := checkEmail(email); msg != "" {
		return ErrInvalid.WithFields(map[string]string{"email": msg})
	}
	if err := s.allow(ctx, check(s.resetAddr, addressKey(clientAddr)), check(s.resetAccount, strings.ToLower(email))); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		row, err := s.q.GetUserByEmail(ctx, tx, email)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("request password reset: %w", err)
		}
		if row.DisabledAt != nil {
			return nil
		}
		return s.sendLink(ctx, tx, row, purposeReset)
	})
}

// ResetPasswordInput is the form an emailed reset link opens.
type ResetPasswordInput struct {
	Token, New string
	// Keep is the credential of the request, if any, which stays signed
	// in when it is the same user's (see keepOnly); every other session
	// and token ends.
	Keep string
}

// ResetPassword sets a new password, with the sign-up rules, through a
// reset link, which works once: a password the rules refuse leaves the
// link unspent, so the form can be tried again. Opening the link proves
// the address, so it also counts as verified. It returns the browser's
// session under its new id when Keep is the user's (its cookie must be
// replaced), else a zero Session.
func (s *Service) ResetPassword(ctx context.Context, in ResetPasswordInput) (Session, error) {
	var kept Session
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		row, err := s.spend(ctx, tx, in.Token, purposeReset)
		if err != nil {
			return err
		}
		if msg := checkPassword(in.New, row.Email); msg != "" {
			return ErrInvalid.WithFields(map[string]string{"password": msg})
		}
		h, err := password.Hash(in.New, s.hash)
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := s.q.UpdateUserPassword(ctx, tx, dbsqlc.UpdateUserPasswordParams{PasswordHash: h, Now: now, ID: row.ID}); err != nil {
			return fmt.Errorf("reset password: %w", err)
		}
		if kept, err = s.keepOnly(ctx, tx, row.ID, in.Keep); err != nil {
			return fmt.Errorf("reset password: %w", err)
		}
		if err := s.q.VoidEmailTokens(ctx, tx, dbsqlc.VoidEmailTokensParams{UserID: row.ID, Purpose: purposeReset, Now: now}); err != nil {
			return fmt.Errorf("reset password: void other links: %w", err)
		}
		if row.EmailVerifiedAt == nil {
			if _, err := s.q.MarkEmailVerified(ctx, tx, dbsqlc.MarkEmailVerifiedParams{ID: row.ID, Now: now}); err != nil {
				return fmt.Errorf("reset password: %w", err)
			}
			return s.recordChange(ctx, tx, row.ID)
		}
		return nil
	})
	if err != nil {
		return Session{}, err
	}
	return kept, nil
}
