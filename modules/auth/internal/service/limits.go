package service

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/bookstore/bookstore/modules/auth/internal/dbsqlc"
	"github.com/bookstore/bookstore/platform/text"
)

// Limits bound attempts in each Window. Every count lives in Postgres
// (auth.attempts), so the limits hold across replicas, and nothing grows in
// memory.
//
// Guessing is throttled without locking the owner out: a wrong password
// counts against the account only from the address that sent it, so
// strangers guessing from elsewhere never block the owner's sign-in (or
// password change) from their own address. An address is an IPv4 address
// or an IPv6 /64, the block one subscriber usually holds, so hopping
// addresses inside it earns nothing.
type Limits struct {
	Window time.Duration
	// SignInPerAddress bounds sign-in attempts from one address, whatever
	// the account: one client trying many accounts.
	SignInPerAddress int
	// SignInPerAccountAddress bounds sign-in attempts at one account from
	// one address; a successful sign-in clears it.
	SignInPerAccountAddress int
	// PasswordChecksPerAccount bounds change-password attempts of one
	// account, which only a holder of one of its sessions can make.
	PasswordChecksPerAccount int
	SignUpPerAddress         int
	SignUpPerAccount         int
	// ResendPerAccount bounds verification emails one account asks for.
	ResendPerAccount int
	// ResetPerAddress and ResetPerAccount bound password-reset emails asked
	// for from one address and to one email, so the form mails nobody
	// without end; both answer alike whether the email has an account.
	ResetPerAddress int
	ResetPerAccount int
	// EmailChangePerAccount bounds the changes of address one account
	// asks for, each of which mails the new address and the old.
	EmailChangePerAccount int
}

// DefaultLimits stop online guessing while leaving room for a family
// behind one address.
var DefaultLimits = Limits{
	Window:                   15 * time.Minute,
	SignInPerAddress:         50,
	SignInPerAccountAddress:  10,
	PasswordChecksPerAccount: 10,
	SignUpPerAddress:         10,
	SignUpPerAccount:         5,
	ResendPerAccount:         3,
	ResetPerAddress:          10,
	ResetPerAccount:          3,
	EmailChangePerAccount:    3,
}

// limiter is one kind of counted attempt.
type limiter struct {
	kind   string
	limit  int
	window time.Duration
}

// key is what a limiter counts under: a hash, so emails and addresses are
// never stored.
func (l limiter) key(parts ...string) []byte {
	h := sha256.Sum256([]byte(l.kind + "\x00" + strings.Join(parts, "\x00")))
	return h[:]
}

// limitCheck is one attempt to count; an empty part (no client address,
// as from a command) skips it.
type limitCheck struct {
	l     limiter
	parts []string
}

func check(l limiter, parts ...string) limitCheck { return limitCheck{l: l, parts: parts} }

// allow counts an attempt against every check; the longest wait wins.
func (s *Service) allow(ctx context.Context, checks ...limitCheck) error {
	now := s.now()
	var wait time.Duration
	for _, c := range checks {
		if c.l.limit <= 0 || hasEmpty(c.parts) {
			continue
		}
		row, err := s.q.HitAttempt(ctx, s.pool, dbsqlc.HitAttemptParams{KeyHash: c.l.key(c.parts...), Now: now, Expired: now.Add(-c.l.window)})
		if err != nil {
			return fmt.Errorf("count %s attempt: %w", c.l.kind, err)
		}
		if int(row.Count) > c.l.limit {
			wait = max(wait, row.WindowStart.Add(c.l.window).Sub(now))
		}
	}
	if wait > 0 {
		mins := int((wait + time.Minute - 1) / time.Minute)
		msg := fmt.Sprintf("too many attempts; please wait %d %s and try again", mins, text.Plural(mins, "minute", "minutes"))
		return ErrRateLimited.WithMessage(msg).WithRetryAfter(wait)
	}
	return nil
}

// reset forgets a check's count, e.g. after a successful sign-in.
func (s *Service) reset(ctx context.Context, c limitCheck) error {
	if err := s.q.ResetAttempts(ctx, s.pool, c.l.key(c.parts...)); err != nil {
		return fmt.Errorf("reset %s attempts: %w", c.l.kind, err)
	}
	return nil
}

// DeleteExpiredAttempts removes counters whose window has passed; a
// periodic job calls it, which bounds the table.
func (s *Service) DeleteExpiredAttempts(ctx context.Context) (int64, error) {
	n, err := s.q.DeleteExpiredAttempts(ctx, s.pool, s.now().Add(-s.longestWindow))
	if err != nil {
		return 0, fmt.Errorf("delete expired attempts: %w", err)
	}
	return n, nil
}

func hasEmpty(parts []string) bool {
	for _, p := range parts {
		if p == "" {
			return true
		}
	}
	return false
}

// addressKey groups a client address for counting: IPv4 as is, IPv6 by
// its /64. Anything unparsable is counted as given.
func addressKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return a.String()
	}
	return p.String()
}
