package view

import (
	"context"
	"strconv"
)

// Nav is what the header shows about the visitor. A platform middleware puts
// an empty one in every request's context; modules fill their parts (auth the
// user, orders and catalog the counts), so the layout needs no module
// imports.
type Nav struct {
	SignedIn  bool
	UserName  string
	Admin     bool
	CartCount int
	// Unread counts the user's unread notifications, no further than
	// one past BadgeMax.
	Unread int
	// WantAlerts counts the listings that met the user's want list and
	// that the user has not looked at yet, no further than one past
	// BadgeMax.
	WantAlerts int
	// CSRFToken is rendered in every form as a hidden field.
	CSRFToken string
}

type navKey struct{}

// WithNav returns ctx carrying n.
func WithNav(ctx context.Context, n *Nav) context.Context {
	return context.WithValue(ctx, navKey{}, n)
}

// NavFrom returns the request's Nav, or an empty one.
func NavFrom(ctx context.Context) *Nav {
	if n, ok := ctx.Value(navKey{}).(*Nav); ok {
		return n
	}
	return &Nav{}
}

// BadgeMax is the largest count a header badge spells out; it shows a
// larger one as "99+", so a count it shows need not go further than one
// past it.
const BadgeMax = 99

// badge is how a header badge shows count n.
func badge(n int) string {
	if n > BadgeMax {
		return strconv.Itoa(BadgeMax) + "+"
	}
	return strconv.Itoa(n)
}
