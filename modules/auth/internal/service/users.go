package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/dbsqlc"
	"github.com/bookstore/bookstore/modules/auth/internal/password"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/pg"
	"github.com/bookstore/bookstore/platform/text"
)

// errEmailTaken is the field error of a repeated email.
func errEmailTaken() error {
	return ErrInvalid.WithFields(map[string]string{"email": "an account with this email already exists; sign in instead"})
}

// SignUpInput is the sign-up form.
type SignUpInput struct {
	Email, Name, Password string
	// ClientAddr is the client's address, for rate limits.
	ClientAddr string
	// Previous is the visitor's current credential, if any; it ends, so the
	// new session gets a new id.
	Previous string
}

// SignUp creates a member account and signs it in. A taken email, even
// under a concurrent sign-up, is a field error: the unique index decides.
//
// The sign-up limits count only forms whose fields pass: those cost a
// password hash, and each either makes an account (and mails it) or
// answers whether the email has one, which are what the limits bound (one
// client making accounts, or probing addresses, without end). A form
// refused for its fields costs none of that and tells nothing of any
// account, so a member who misses the password rule a few times is not
// locked out of signing up.
func (s *Service) SignUp(ctx context.Context, in SignUpInput) (auth.User, Session, error) {
	in.Email, in.Name = normalizeEmail(in.Email), normalizeName(in.Name)
	if err := checkNew(in.Email, in.Name, in.Password); err != nil {
		return auth.User{}, Session{}, err
	}
	if err := s.allow(ctx, check(s.signUpAddr, addressKey(in.ClientAddr)), check(s.signUpAccount, strings.ToLower(in.Email))); err != nil {
		return auth.User{}, Session{}, err
	}
	hash, err := password.Hash(in.Password, s.hash)
	if err != nil {
		return auth.User{}, Session{}, err
	}
	var u auth.User
	var sess Session
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		row, err := s.createUser(ctx, tx, in.Email, in.Name, hash, auth.RoleMember, nil)
		if err != nil {
			return err
		}
		if in.Previous != "" {
			if _, err := s.q.DeleteSession(ctx, tx, hashCredential(in.Previous)); err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("end previous session: %w", err)
			}
		}
		u = toUser(row)
		if err := s.sendLink(ctx, tx, row, purposeVerify); err != nil {
			return err
		}
		sess, err = s.startSession(ctx, tx, row.ID, kindSession, false)
		return err
	})
	if err != nil {
		return auth.User{}, Session{}, err
	}
	return u, sess, nil
}

// CreateUser creates an account from a command, with the sign-up rules;
// its address counts as verified, since the operator vouches for it. An
// admin made for nu.Actor is in the activity log as made an admin
// (user.promote), as a promotion is: the log answers who gave whom admin
// rights, however given.
func (s *Service) CreateUser(ctx context.Context, nu auth.NewUser) (auth.User, error) {
	email, name := normalizeEmail(nu.Email), normalizeName(nu.Name)
	hash, err := s.validateNew(email, name, nu.Password)
	if err != nil {
		return auth.User{}, err
	}
	role := auth.RoleMember
	if nu.Admin {
		role = auth.RoleAdmin
	}
	var u auth.User
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		row, err := s.createUser(ctx, tx, email, name, hash, role, &now)
		if err != nil {
			return err
		}
		u = toUser(row)
		if !nu.Admin || nu.Actor == (activity.Actor{}) {
			return nil
		}
		return s.recordAction(ctx, tx, activity.Record{Actor: nu.Actor, Action: activity.UserPromote, SubjectID: row.ID, SubjectLabel: row.Email})
	})
	return u, err
}

// NormalizeStoredEmails brings to the normal form (normalizeEmail) the
// addresses stored before there was one that migration 0010 left: those
// with a Unicode domain, which SQL cannot punycode (until then a sign-in,
// in either form, looks up the A-label and misses them, and the unique
// index lets the A-label sign up again). It runs before a process serves,
// each start, and finds nothing once done (users_unnormalized_email_idx).
// It leaves, and returns, an account whose normal form another holds (one
// mailbox signed up twice before) for an admin to settle, and one whose
// domain IDNA refuses.
func (s *Service) NormalizeStoredEmails(ctx context.Context) (left []auth.User, err error) {
	rows, err := s.q.ListUnnormalizedUsers(ctx, s.pool)
	if err != nil {
		return nil, fmt.Errorf("normalize stored emails: %w", err)
	}
	for _, row := range rows {
		email := normalizeEmail(row.Email)
		if unicodeDomain(email) {
			left = append(left, toUser(row))
			continue
		}
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			n, err := s.q.ChangeUserEmail(ctx, tx, dbsqlc.ChangeUserEmailParams{Email: email, Now: s.now(), ID: row.ID, Old: row.Email})
			if err != nil || n == 0 {
				return err
			}
			if err := s.q.ChangeEmailTokensEmail(ctx, tx, dbsqlc.ChangeEmailTokensEmailParams{Email: email, UserID: row.ID, Old: row.Email}); err != nil {
				return err
			}
			return s.recordChange(ctx, tx, row.ID)
		})
		if pg.IsUniqueViolation(err, "users_email_key") {
			left = append(left, toUser(row))
			continue
		}
		if err != nil {
			return left, fmt.Errorf("normalize email of user %d: %w", row.ID, err)
		}
	}
	return left, nil
}

// checkNew checks a new account's fields, one message per field.
func checkNew(email, name, pw string) error {
	f := fields{}
	f.check("email", checkEmail(email))
	f.check("name", checkName(name))
	f.check("password", checkPassword(pw, email))
	return f.err()
}

// validateNew checks a new account's fields and hashes its password.
func (s *Service) validateNew(email, name, pw string) (string, error) {
	if err := checkNew(email, name, pw); err != nil {
		return "", err
	}
	return password.Hash(pw, s.hash)
}

// createUser inserts an account; verified is when its address counts as
// confirmed, nil until its link is opened.
func (s *Service) createUser(ctx context.Context, tx pgx.Tx, email, name, hash string, role auth.Role, verified *time.Time) (dbsqlc.User, error) {
	row, err := s.q.CreateUser(ctx, tx, dbsqlc.CreateUserParams{
		Email: email, Name: name, PasswordHash: hash, Role: string(role), Now: s.now(), VerifiedAt: verified,
	})
	if pg.IsUniqueViolation(err, "users_email_key") {
		return dbsqlc.User{}, errEmailTaken()
	}
	if err != nil {
		return dbsqlc.User{}, fmt.Errorf("create user: %w", err)
	}
	return row, s.recordChange(ctx, tx, row.ID)
}

// Promote makes the user with this email an admin, from a command: the
// activity log records the command line as the actor. It keeps SetRole's
// rules (checkRole) but not its refusal of a change that changes nothing,
// so a script may run it again: promoting an admin changes nothing.
func (s *Service) Promote(ctx context.Context, email string) (auth.User, error) {
	return s.setRoleByEmail(ctx, email, auth.RoleAdmin)
}

// Demote takes admin rights from the user with this email, from a command:
// the operator's way back from a wrong promotion, under the same rules and
// as idempotent as Promote.
func (s *Service) Demote(ctx context.Context, email string) (auth.User, error) {
	return s.setRoleByEmail(ctx, email, auth.RoleMember)
}

func (s *Service) setRoleByEmail(ctx context.Context, email string, role auth.Role) (auth.User, error) {
	var u auth.User
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Found by email, then locked by id with the admins.
		found, err := s.q.GetUserByEmail(ctx, tx, normalizeEmail(email))
		if errors.Is(err, pgx.ErrNoRows) {
			return auth.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("set role of %s: %w", email, err)
		}
		locked, err := s.lockUsers(ctx, tx, found.ID)
		if err != nil {
			return fmt.Errorf("set role of %s: %w", email, err)
		}
		row, ok := locked.rows[found.ID]
		if !ok {
			return auth.ErrNotFound
		}
		if err := locked.checkRole(row, role); err != nil {
			return err
		}
		if row.Role != string(role) {
			if row, err = s.changeRole(ctx, tx, activity.CommandLine, row.ID, role); err != nil {
				return err
			}
		}
		u = toUser(row)
		return nil
	})
	return u, err
}

// SetRole makes user id an admin or a member; only an admin may. Unlike
// Promote it refuses, with ErrRoleConflict, a change that changes nothing
// (the admin acts on a list that may be out of date, and is told so); an
// admin cannot take their own rights (ErrSelf), so nobody locks themselves
// out. The actor's row is read again, locked with the user's, so two
// admins taking each other's rights at once cannot leave the shop without
// one: the second finds itself a member and is refused.
func (s *Service) SetRole(ctx context.Context, actor auth.User, id auth.UserID, role auth.Role) (auth.User, error) {
	if !actor.IsAdmin() {
		return auth.User{}, auth.ErrForbidden
	}
	if actor.ID == id && role != auth.RoleAdmin {
		return auth.User{}, ErrSelf.WithMessage("you cannot take away your own admin rights; another admin can")
	}
	var u auth.User
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		locked, err := s.lockUsers(ctx, tx, int64(actor.ID), int64(id))
		if err != nil {
			return fmt.Errorf("set role of %d: %w", id, err)
		}
		row, found := locked.rows[int64(id)]
		switch {
		case !toUser(locked.rows[int64(actor.ID)]).IsAdmin():
			return auth.ErrForbidden
		case !found:
			return auth.ErrNotFound
		case row.Role == string(role) && role == auth.RoleAdmin:
			return ErrRoleConflict.WithMessage(mail.ShownAddress(row.Email) + " is already an admin")
		case row.Role == string(role):
			return ErrRoleConflict.WithMessage(mail.ShownAddress(row.Email) + " is not an admin")
		}
		if err := locked.checkRole(row, role); err != nil {
			return err
		}
		if row, err = s.changeRole(ctx, tx, actor.Actor(), row.ID, role); err != nil {
			return err
		}
		u = toUser(row)
		return nil
	})
	return u, err
}

// lockedUsers are users locked by lockUsers, by id, with the number of the
// shop's active admins while the locks hold.
type lockedUsers struct {
	rows         map[int64]dbsqlc.User
	activeAdmins int
}

// lockUsers locks the users of ids, and every active admin with them, for
// a change of role or status: the rules of such changes (checkRole,
// checkLastAdmin) then read users that no other change alters until commit.
func (s *Service) lockUsers(ctx context.Context, tx pgx.Tx, ids ...int64) (lockedUsers, error) {
	rows, err := s.q.LockUsersAndAdmins(ctx, tx, ids)
	if err != nil {
		return lockedUsers{}, fmt.Errorf("lock users: %w", err)
	}
	l := lockedUsers{rows: make(map[int64]dbsqlc.User, len(ids))}
	for _, r := range rows {
		if toUser(r).IsAdmin() {
			l.activeAdmins++
		}
		if slices.Contains(ids, r.ID) {
			l.rows[r.ID] = r
		}
	}
	return l, nil
}

// checkRole refuses what no change of role may do, whoever asks: make an
// admin of a disabled account (ErrRoleConflict), which could not use the
// rights, or take the last active admin's (checkLastAdmin).
func (l lockedUsers) checkRole(row dbsqlc.User, role auth.Role) error {
	if role == auth.RoleAdmin && row.DisabledAt != nil {
		return ErrRoleConflict.WithMessage(mail.ShownAddress(row.Email) + " is disabled; enable the account before making it an admin")
	}
	if role != auth.RoleAdmin {
		return l.checkLastAdmin(row)
	}
	return nil
}

// checkLastAdmin refuses, with ErrLastAdmin, to take the rights of row
// when it is the shop's last active admin.
func (l lockedUsers) checkLastAdmin(row dbsqlc.User) error {
	if toUser(row).IsAdmin() && l.activeAdmins <= 1 {
		return ErrLastAdmin.WithMessage(mail.ShownAddress(row.Email) + " is the shop's last active admin; make another account an admin first")
	}
	return nil
}

// changeRole sets user id's role and ends their sessions and tokens, so the
// change takes effect at once and new rights come with new session ids
// (fixation cannot carry over); the feed tells the modules that copy roles,
// and the activity log records who made the change. The caller has locked
// the user (lockUsers) and checked the change with checkRole.
func (s *Service) changeRole(ctx context.Context, tx pgx.Tx, actor activity.Actor, id int64, role auth.Role) (dbsqlc.User, error) {
	row, err := s.q.UpdateUserRole(ctx, tx, dbsqlc.UpdateUserRoleParams{Role: string(role), Now: s.now(), ID: id})
	if err != nil {
		return dbsqlc.User{}, fmt.Errorf("set role of %d: %w", id, err)
	}
	if _, err := s.q.DeleteUserSessions(ctx, tx, id); err != nil {
		return dbsqlc.User{}, fmt.Errorf("set role of %d: end sessions: %w", id, err)
	}
	if err := s.recordChange(ctx, tx, id); err != nil {
		return dbsqlc.User{}, err
	}
	action := activity.UserPromote
	if role != auth.RoleAdmin {
		action = activity.UserDemote
	}
	return row, s.recordAction(ctx, tx, activity.Record{Actor: actor, Action: action, SubjectID: id, SubjectLabel: row.Email})
}

// ChangeName sets the user's display name.
func (s *Service) ChangeName(ctx context.Context, id auth.UserID, name string) (auth.User, error) {
	name = normalizeName(name)
	f := fields{}
	f.check("name", checkName(name))
	if err := f.err(); err != nil {
		return auth.User{}, err
	}
	var u auth.User
	err := s.userTx(ctx, id, "change name", func(tx pgx.Tx, row dbsqlc.User) error {
		if row.Name != name {
			var err error
			if row, err = s.q.UpdateUserName(ctx, tx, dbsqlc.UpdateUserNameParams{Name: name, Now: s.now(), ID: row.ID}); err != nil {
				return fmt.Errorf("change name: %w", err)
			}
			if err := s.recordChange(ctx, tx, row.ID); err != nil {
				return err
			}
		}
		u = toUser(row)
		return nil
	})
	return u, err
}

// MaxDisableReason bounds the reason an admin gives for disabling an
// account, in characters.
const MaxDisableReason = 500

// Disable disables a user for a reason, which the user reads when signing
// in; only an admin may, never on their own account. It ends every
// session and token of the user in the same transaction. Disabling a
// disabled account changes nothing: it keeps its first reason, which the
// returned user carries.
func (s *Service) Disable(ctx context.Context, actor auth.User, id auth.UserID, reason string) (auth.User, error) {
	if !actor.IsAdmin() {
		return auth.User{}, auth.ErrForbidden
	}
	if actor.ID == id {
		return auth.User{}, ErrSelf
	}
	reason = strings.TrimSpace(text.Lines(reason))
	f := fields{}
	switch {
	case reason == "":
		f.check("reason", "give the reason; the user reads it when signing in")
	case utf8.RuneCountInString(reason) > MaxDisableReason:
		f.check("reason", fmt.Sprintf("must be at most %d characters", MaxDisableReason))
	case text.CheckShown(reason) != nil:
		f.check("reason", text.CheckShown(reason).Error())
	}
	if err := f.err(); err != nil {
		return auth.User{}, err
	}
	return s.setDisabled(ctx, actor, id, true, reason)
}

// Enable lets a disabled user sign in again; only an admin may.
// Idempotent.
func (s *Service) Enable(ctx context.Context, actor auth.User, id auth.UserID) (auth.User, error) {
	if !actor.IsAdmin() {
		return auth.User{}, auth.ErrForbidden
	}
	return s.setDisabled(ctx, actor, id, false, "")
}

// setDisabled changes the account only when it is not already so: no
// change, no feed entry. As in SetRole, the actor's row is read again,
// locked with the user's and the admins (lockUsers): a form sent by an
// admin demoted or disabled a moment ago is refused (auth.ErrForbidden),
// and two admins disabling each other at once cannot leave none, since
// the second finds itself disabled. An actor who is still an active admin
// keeps the shop one, so no disable takes the last (ErrSelf refuses the
// actor's own).
func (s *Service) setDisabled(ctx context.Context, actor auth.User, id auth.UserID, disabled bool, reason string) (auth.User, error) {
	var u auth.User
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		locked, err := s.lockUsers(ctx, tx, int64(actor.ID), int64(id))
		if err != nil {
			return fmt.Errorf("set disabled of %d: %w", id, err)
		}
		row, found := locked.rows[int64(id)]
		switch {
		case !toUser(locked.rows[int64(actor.ID)]).IsAdmin():
			return auth.ErrForbidden
		case !found:
			return auth.ErrNotFound
		}
		if (row.DisabledAt != nil) != disabled {
			if row, err = s.q.SetUserDisabled(ctx, tx, dbsqlc.SetUserDisabledParams{Disabled: disabled, Reason: reason, Now: s.now(), ID: row.ID}); err != nil {
				return fmt.Errorf("set disabled: %w", err)
			}
			if disabled {
				if _, err := s.q.DeleteUserSessions(ctx, tx, row.ID); err != nil {
					return fmt.Errorf("set disabled: end sessions: %w", err)
				}
			}
			if err := s.recordChange(ctx, tx, row.ID); err != nil {
				return err
			}
			action := activity.UserEnable
			if disabled {
				action = activity.UserDisable
			}
			if err := s.recordAction(ctx, tx, activity.Record{Actor: actor.Actor(), Action: action,
				SubjectID: row.ID, SubjectLabel: row.Email, Reason: reason}); err != nil {
				return err
			}
		}
		u = toUser(row)
		return nil
	})
	return u, err
}

// ListUsers finds users whose email or name contains query, whatever its
// case, accents and Unicode form, page by page; hasNext reports whether
// another page follows. Admins only.
func (s *Service) ListUsers(ctx context.Context, actor auth.User, query string, page, perPage int) (users []auth.User, hasNext bool, err error) {
	if !actor.IsAdmin() {
		return nil, false, auth.ErrForbidden
	}
	query = strings.TrimSpace(query)
	if len([]rune(query)) > maxSearchQuery {
		query = string([]rune(query)[:maxSearchQuery])
	}
	page, perPage = max(page, 1), min(max(perPage, 1), 100)
	rows, err := s.q.SearchUsers(ctx, s.pool, dbsqlc.SearchUsersParams{
		Query: query, Address: addressQuery(query), Off: int32((page - 1) * perPage), Lim: int32(perPage + 1),
	})
	if err != nil {
		return nil, false, fmt.Errorf("list users: %w", err)
	}
	hasNext = len(rows) > perPage
	if hasNext {
		rows = rows[:perPage]
	}
	users = make([]auth.User, 0, len(rows))
	for _, r := range rows {
		users = append(users, toUser(r))
	}
	return users, hasNext, nil
}

// User returns one user, disabled or not.
func (s *Service) User(ctx context.Context, id auth.UserID) (auth.User, error) {
	row, err := s.q.GetUser(ctx, s.pool, int64(id))
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.User{}, auth.ErrNotFound
	}
	if err != nil {
		return auth.User{}, fmt.Errorf("get user %d: %w", id, err)
	}
	return toUser(row), nil
}

// MaxChanges bounds one page of the change feed.
const MaxChanges = 1000

// UserChanges returns the change feed after seq, with each user's current
// state.
func (s *Service) UserChanges(ctx context.Context, after int64, limit int) ([]auth.UserChange, error) {
	limit = min(max(limit, 1), MaxChanges)
	rows, err := s.q.ListUserChanges(ctx, s.pool, dbsqlc.ListUserChangesParams{After: max(after, 0), Lim: int32(limit)})
	if err != nil {
		return nil, fmt.Errorf("list user changes: %w", err)
	}
	out := make([]auth.UserChange, 0, len(rows))
	for _, r := range rows {
		out = append(out, auth.UserChange{Seq: r.AuthUserChange.Seq, User: toUser(r.User)})
	}
	return out, nil
}

// userTx runs fn in a transaction with the row of user id, locked, or
// fails with auth.ErrNotFound when there is none; op names the change in
// errors. The lock makes fn's row the one it writes over: two partial
// edits at once (email topics named by two requests) merge one after the
// other, and neither writes back what the other changed.
func (s *Service) userTx(ctx context.Context, id auth.UserID, op string, fn func(tx pgx.Tx, row dbsqlc.User) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		row, err := s.q.GetUserForUpdate(ctx, tx, int64(id))
		if errors.Is(err, pgx.ErrNoRows) {
			return auth.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		return fn(tx, row)
	})
}
