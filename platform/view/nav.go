package view

import "context"

// Nav is what the header shows about the visitor. A platform middleware puts
// an empty one in every request's context; modules fill their parts (auth the
// user, orders and catalog the counts), so the layout needs no module
// imports.
type Nav struct {
	SignedIn  bool
	UserName  string
	Admin     bool
	CartCount int
	Unread    int
	// WantAlerts counts the listings that met the user's want list and
	// that the user has not looked at yet.
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
