package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/dbsqlc"
	"github.com/bookstore/bookstore/modules/auth/internal/password"
	"github.com/bookstore/bookstore/platform/coalesce"
)

// Kinds of credential.
const (
	kindSession = "session" // a browser's cookie; CSRF-checked
	kindToken   = "token"   // an API bearer token
)

// Session is a new credential. ID is a secret: it goes to the client once
// and is never logged or stored (the table keeps its SHA-256).
type Session struct {
	ID         string
	CSRFToken  string
	Persistent bool
	ExpiresAt  time.Time
}

// SignInInput is the sign-in form.
type SignInInput struct {
	Email, Password string
	// Remember keeps the browser signed in across restarts.
	Remember   bool
	ClientAddr string
	// Previous is the visitor's current credential, if any; it ends, so
	// the session id changes at sign-in.
	Previous string
	// Token starts an API bearer token, as NewToken does, instead of a
	// browser session: an API client gets the one credential it asked for.
	Token bool
}

// SignIn checks the password and starts a new session. Unknown email and
// wrong password are the same ErrBadCredentials, and cost the same time.
// Attempts are limited per client address and per account and address
// (see Limits): guesses from elsewhere never block the owner.
func (s *Service) SignIn(ctx context.Context, in SignInInput) (auth.User, Session, error) {
	email := normalizeEmail(in.Email)
	// A field left empty is a form to finish, not a guess: it is named,
	// and counts against no limit.
	f := fields{}
	if email == "" {
		f.check("email", "enter your email address")
	}
	if in.Password == "" {
		f.check("password", "enter your password")
	}
	if err := f.err(); err != nil {
		return auth.User{}, Session{}, err
	}
	addr := addressKey(in.ClientAddr)
	pair := check(s.signInAccount, strings.ToLower(email), addr)
	if err := s.allow(ctx, check(s.signInAddr, addr), pair); err != nil {
		return auth.User{}, Session{}, err
	}
	if len(in.Password) > 4*MaxPassword || len(email) > 4*MaxEmail {
		return auth.User{}, Session{}, ErrBadCredentials
	}
	row, err := s.q.GetUserByEmail(ctx, s.pool, email)
	if errors.Is(err, pgx.ErrNoRows) {
		_, _ = password.Verify(in.Password, s.dummyHash)
		return auth.User{}, Session{}, ErrBadCredentials
	}
	if err != nil {
		return auth.User{}, Session{}, fmt.Errorf("sign in: %w", err)
	}
	ok, err := password.Verify(in.Password, row.PasswordHash)
	if err != nil {
		return auth.User{}, Session{}, fmt.Errorf("sign in user %d: %w", row.ID, err)
	}
	if !ok {
		return auth.User{}, Session{}, ErrBadCredentials
	}
	if row.DisabledAt != nil {
		return auth.User{}, Session{}, disabledError(row.DisabledReason)
	}
	if err := s.reset(ctx, pair); err != nil {
		return auth.User{}, Session{}, err
	}
	var sess Session
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if password.NeedsRehash(row.PasswordHash, s.hash) {
			// The cost was raised since this hash was made.
			h, err := password.Hash(in.Password, s.hash)
			if err != nil {
				return err
			}
			if _, err := s.q.UpdateUserPassword(ctx, tx, dbsqlc.UpdateUserPasswordParams{PasswordHash: h, Now: s.now(), ID: row.ID}); err != nil {
				return fmt.Errorf("rehash: %w", err)
			}
		}
		if in.Previous != "" {
			if _, err := s.q.DeleteSession(ctx, tx, hashCredential(in.Previous)); err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("end previous session: %w", err)
			}
		}
		if in.Token {
			sess, err = s.startSession(ctx, tx, row.ID, kindToken, true)
		} else {
			sess, err = s.startSession(ctx, tx, row.ID, kindSession, in.Remember)
		}
		return err
	})
	if err != nil {
		return auth.User{}, Session{}, err
	}
	return toUser(row), sess, nil
}

// NewToken issues an API bearer token for the user, valid for the
// remembered lifetime or until revoked.
func (s *Service) NewToken(ctx context.Context, id auth.UserID) (Session, error) {
	var sess Session
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		sess, err = s.startSession(ctx, tx, int64(id), kindToken, true)
		return err
	})
	return sess, err
}

func (s *Service) startSession(ctx context.Context, tx pgx.Tx, userID int64, kind string, persistent bool) (Session, error) {
	now := s.now()
	idle, lifetime := s.life.Idle, s.life.Max
	if persistent {
		idle, lifetime = s.life.Remember, s.life.Remember
	}
	sess := Session{ID: randomToken(), CSRFToken: randomToken(), Persistent: persistent, ExpiresAt: now.Add(lifetime)}
	err := s.q.CreateSession(ctx, tx, dbsqlc.CreateSessionParams{
		IDHash:      hashCredential(sess.ID),
		UserID:      userID,
		Kind:        kind,
		CsrfToken:   sess.CSRFToken,
		Persistent:  persistent,
		IdleSeconds: int32(idle / time.Second),
		Now:         now,
		ExpiresAt:   sess.ExpiresAt,
	})
	if err != nil {
		return Session{}, fmt.Errorf("start session: %w", err)
	}
	return sess, nil
}

// Authenticate returns the user and CSRF token of a live credential, or
// auth.ErrUnauthenticated. It extends the idle deadline, at most once a
// minute per session so that browsing does not write on every request.
func (s *Service) Authenticate(ctx context.Context, credential string) (auth.Identity, error) {
	if len(credential) != tokenLen {
		return auth.Identity{}, auth.ErrUnauthenticated
	}
	hash := hashCredential(credential)
	row, err := s.sessions.Do(ctx, hash)
	if err != nil {
		return auth.Identity{}, fmt.Errorf("authenticate: %w", err)
	}
	return s.identity(ctx, hash, row)
}

// AuthenticateAll is Authenticate for the credentials of several requests,
// whose sessions it reads in one statement: the other processes of a split
// shop send it the credentials of their requests that arrive together. It
// answers, per credential, its identity, or nil where Authenticate fails
// with auth.ErrUnauthenticated; any other failure fails them all.
func (s *Service) AuthenticateAll(ctx context.Context, credentials []string) ([]*auth.Identity, error) {
	var hashes [][]byte
	for _, c := range credentials {
		if len(c) == tokenLen {
			hashes = append(hashes, hashCredential(c))
		}
	}
	var rows []*dbsqlc.GetLiveSessionsRow
	if len(hashes) > 0 {
		var err error
		if rows, err = s.liveSessions(ctx, hashes); err != nil {
			return nil, fmt.Errorf("authenticate %d credentials: %w", len(credentials), err)
		}
	}
	out := make([]*auth.Identity, len(credentials))
	next := 0
	for i, c := range credentials {
		if len(c) != tokenLen {
			continue
		}
		id, err := s.identity(ctx, hashes[next], rows[next])
		next++
		switch {
		case errors.Is(err, auth.ErrUnauthenticated):
		case err != nil:
			return nil, fmt.Errorf("authenticate %d credentials: %w", len(credentials), err)
		default:
			out[i] = &id
		}
	}
	return out, nil
}

// identity is the identity of the session read for hash (row, nil when
// none is live), whose idle deadline it extends when due.
func (s *Service) identity(ctx context.Context, hash []byte, row *dbsqlc.GetLiveSessionsRow) (auth.Identity, error) {
	if row == nil {
		return auth.Identity{}, auth.ErrUnauthenticated
	}
	if row.Stale {
		if err := s.q.TouchSession(ctx, s.pool, dbsqlc.TouchSessionParams{Now: s.now(), IDHash: hash}); err != nil {
			return auth.Identity{}, fmt.Errorf("touch session: %w", err)
		}
	}
	// The query keeps out disabled users, so the user is not disabled.
	u := auth.User{ID: auth.UserID(row.ID), Email: row.Email, Name: row.Name, Role: auth.Role(row.Role),
		CreatedAt: row.CreatedAt, EmailVerified: row.EmailVerified, EmailTopics: topicsOf(strings.Split(row.EmailTopics, ","))}
	return auth.Identity{User: u, CSRFToken: row.CsrfToken}, nil
}

// maxSessionReads bounds the sessions one statement of liveSessions reads.
const maxSessionReads = 64

// sessionReadTimeout bounds a read of sessions, which no request's
// deadline does (s.sessions is detached).
const sessionReadTimeout = 5 * time.Second

// liveSessions is the batch of s.sessions: the live session of each
// credential hash, nil where there is none. A request's read starts after
// the request arrived (one that arrives while a read is under way waits
// for the next), so a session ended before it is never seen live. No
// request's cancellation reaches the read (s.sessions is detached), so a
// client that leaves fails no other request.
func (s *Service) liveSessions(ctx context.Context, hashes [][]byte) ([]*dbsqlc.GetLiveSessionsRow, error) {
	rows, err := s.q.GetLiveSessions(ctx, s.pool, dbsqlc.GetLiveSessionsParams{IDHashes: hashes, Now: s.now()})
	if err != nil {
		return nil, err
	}
	return coalesce.Answers(hashes, rows, func(h []byte, r *dbsqlc.GetLiveSessionsRow) bool { return bytes.Equal(r.IDHash, h) }), nil
}

// SignOut ends one session or revokes one token. Unknown credentials are
// ignored, so signing out twice is fine.
func (s *Service) SignOut(ctx context.Context, credential string) error {
	if credential == "" {
		return nil
	}
	_, err := s.q.DeleteSession(ctx, s.pool, hashCredential(credential))
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("sign out: %w", err)
	}
	return nil
}

// SignOutEverywhere ends every session and token of the user.
func (s *Service) SignOutEverywhere(ctx context.Context, id auth.UserID) error {
	if _, err := s.q.DeleteUserSessions(ctx, s.pool, int64(id)); err != nil {
		return fmt.Errorf("sign out everywhere: %w", err)
	}
	return nil
}

// ChangePasswordInput is the change-password form.
type ChangePasswordInput struct {
	Current, New string
	// Keep is the credential of the request, which stays signed in (see
	// keepOnly); every other session and token of the user ends.
	Keep string
}

// ChangePassword sets a new password after checking the current one, and
// returns the browser's session under its new id when Keep is one (its
// cookie must be replaced), else a zero Session. Attempts count against
// the account's own password-check limit, which sign-in guesses by
// strangers never touch. The count is kept outside the transaction, so a
// wrong password, which rolls it back, still counts.
func (s *Service) ChangePassword(ctx context.Context, id auth.UserID, in ChangePasswordInput) (Session, error) {
	if err := s.allow(ctx, check(s.passwordCheck, strconv.FormatInt(int64(id), 10))); err != nil {
		return Session{}, err
	}
	var kept Session
	err := s.userTx(ctx, id, "change password", func(tx pgx.Tx, row dbsqlc.User) error {
		msg, err := checkCurrent(in.Current, row)
		if err != nil {
			return fmt.Errorf("change password: %w", err)
		}
		f := fields{}
		f.check("current_password", msg)
		f.check("new_password", checkPassword(in.New, row.Email))
		if err := f.err(); err != nil {
			return err
		}
		h, err := password.Hash(in.New, s.hash)
		if err != nil {
			return err
		}
		if _, err := s.q.UpdateUserPassword(ctx, tx, dbsqlc.UpdateUserPasswordParams{PasswordHash: h, Now: s.now(), ID: row.ID}); err != nil {
			return fmt.Errorf("change password: %w", err)
		}
		kept, err = s.keepOnly(ctx, tx, row.ID, in.Keep)
		if err != nil {
			return fmt.Errorf("change password: %w", err)
		}
		return nil
	})
	if err != nil {
		return Session{}, err
	}
	return kept, nil
}

// keepOnly ends every session and token of the user but keep, the
// credential of the request that changed the password. A browser's
// session stays signed in under a new id, returned for its cookie, so a
// copy of the old cookie taken before the change ends with the old
// password; an API token is kept as it is (a zero Session), as the API
// documents.
func (s *Service) keepOnly(ctx context.Context, tx pgx.Tx, userID int64, keep string) (Session, error) {
	old := hashCredential(keep)
	if _, err := s.q.DeleteOtherUserSessions(ctx, tx, dbsqlc.DeleteOtherUserSessionsParams{UserID: userID, Keep: old}); err != nil {
		return Session{}, fmt.Errorf("end other sessions: %w", err)
	}
	sess := Session{ID: randomToken()}
	row, err := s.q.RenewSession(ctx, tx, dbsqlc.RenewSessionParams{NewHash: hashCredential(sess.ID), IDHash: old, UserID: userID})
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, nil
	}
	if err != nil {
		return Session{}, fmt.Errorf("renew session: %w", err)
	}
	sess.CSRFToken, sess.Persistent, sess.ExpiresAt = row.CsrfToken, row.Persistent, row.ExpiresAt
	return sess, nil
}

// checkCurrent judges the current password that confirms a change of
// credentials: its field message, "" when it is row's.
func checkCurrent(given string, row dbsqlc.User) (string, error) {
	switch {
	case given == "":
		return "enter your current password", nil
	case len(given) > 4*MaxPassword:
		return "this is not your current password", nil
	}
	ok, err := password.Verify(given, row.PasswordHash)
	if err != nil {
		return "", fmt.Errorf("check the password of user %d: %w", row.ID, err)
	}
	if !ok {
		return "this is not your current password", nil
	}
	return "", nil
}

// DeleteExpiredSessions removes sessions past either deadline, and spent or
// expired emailed links; a periodic job calls it. Such rows are already
// ignored, so this only saves space.
func (s *Service) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	n, err := s.q.DeleteExpiredSessions(ctx, s.pool, s.now())
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	links, err := s.q.DeleteDeadEmailTokens(ctx, s.pool, s.now())
	if err != nil {
		return 0, fmt.Errorf("delete dead email links: %w", err)
	}
	return n + links, nil
}
