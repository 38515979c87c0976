// Package activity is the admins' activity log (the audit trail): who
// disabled an account, hid a listing, cancelled an order, and why; and,
// beside what admins do, each change of an account's sign-in address,
// which its member makes (an admin tracing a taken-over account looks for
// it here). Each module keeps the entries of the actions it performs in a
// table of its own schema (<module>.admin_actions), written in the
// transaction of the action itself, so an action that fails or is refused
// records nothing and one that commits is always recorded. The admin's Activity page reads
// every module's log through Log: the module's own in the process, or
// another process's over its internal endpoint in a split shop, where each
// module has its own database.
package activity

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/text"
	"github.com/bookstore/bookstore/platform/web"
)

// Action is what an admin (or, for UserChangeEmail, a member) did,
// "<subject kind>.<verb>".
type Action string

// The actions the log records. A new one goes here, in Actions, in the
// OpenAPI document's enum (a test ties them) and in the Activity page's
// labels (orders' pages/labels.go). UserChangeEmail is a member's own
// change of their address, the member its actor, its subject label
// AddressChange's.
const (
	UserDisable     Action = "user.disable"
	UserEnable      Action = "user.enable"
	UserPromote     Action = "user.promote"
	UserDemote      Action = "user.demote"
	UserChangeEmail Action = "user.change_email"
	ListingHide     Action = "listing.hide"
	ListingUnhide   Action = "listing.unhide"
	OrderCancel     Action = "order.cancel"
	ReviewHide      Action = "review.hide"
	ReviewUnhide    Action = "review.unhide"
	ProviderAdd     Action = "provider.add"
	ProviderEdit    Action = "provider.edit"
	JobRetry        Action = "job.retry"
	JobCancel       Action = "job.cancel"
)

// Actions are every Action, in the order the page's filter offers them.
var Actions = []Action{UserDisable, UserEnable, UserPromote, UserDemote, UserChangeEmail, ListingHide, ListingUnhide, OrderCancel,
	ReviewHide, ReviewUnhide, ProviderAdd, ProviderEdit, JobRetry, JobCancel}

// SubjectKind is the kind of thing the action changes: "user" for
// "user.disable".
func (a Action) SubjectKind() string {
	kind, _, _ := strings.Cut(string(a), ".")
	return kind
}

// Actor is who acted: an admin (or a member changing their own address)
// by id, with the name they had then (a
// later rename does not rewrite history), or a command run on the server
// (ID 0), which has no account.
type Actor struct {
	ID   int64
	Name string
}

// CommandLine is the actor of `bookstore user` commands: whoever could run
// the binary against the shop's database.
var CommandLine = Actor{Name: "command line (bookstore user)"}

// Record is one action as a module's service writes it with the action's
// own transaction.
type Record struct {
	Actor  Actor
	Action Action
	// SubjectID and SubjectLabel name what was acted on, the label as
	// people know it then (the account's email, the listing's title,
	// "order #12"), so the entry still reads when the subject changes.
	SubjectID    int64
	SubjectLabel string
	// Reason is the one the admin gave, "" for actions that take none.
	Reason string
}

// addressArrow separates the old and the new address in the label of a
// UserChangeEmail.
const addressArrow = " → "

// AddressChange is the subject label of a UserChangeEmail: the account's
// old and new address, as stored, so that a search for either finds it.
func AddressChange(was, is string) string { return was + addressArrow + is }

// Addresses are the addresses an account's label names: its one address,
// or the old and the new of an AddressChange.
func Addresses(label string) []string { return strings.Split(label, addressArrow) }

// Entry is a recorded action, as the page and the API list it.
type Entry struct {
	// Module is the module that recorded it; IDs are unique only within
	// one.
	Module string    `json:"module"`
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	// ActorID is nil for a command run on the server.
	ActorID      *int64 `json:"actor_id"`
	ActorName    string `json:"actor_name"`
	Action       Action `json:"action"`
	SubjectKind  string `json:"subject_kind"`
	SubjectID    int64  `json:"subject_id"`
	SubjectLabel string `json:"subject_label"`
	Reason       string `json:"reason"`
}

// Params are the parameters of a module's insert into its log. Each
// module's sqlc code has a type of these very fields
// (dbsqlc.RecordAdminActionParams), which Params converts to, so the
// modules share this one mapping and the compiler keeps them alike.
type Params struct {
	ActorID      *int64
	ActorName    string
	Action       string
	SubjectKind  string
	SubjectID    int64
	SubjectLabel string
	Reason       string
}

// Params returns the insert's parameters of r.
func (r Record) Params() Params {
	p := Params{ActorName: r.Actor.Name, Action: string(r.Action), SubjectKind: r.Action.SubjectKind(),
		SubjectID: r.SubjectID, SubjectLabel: r.SubjectLabel, Reason: r.Reason}
	if r.Actor.ID != 0 {
		p.ActorID = &r.Actor.ID
	}
	return p
}

// Row is a row of a module's log, which each module's sqlc type
// (dbsqlc.AdminAction) converts to, as Params.
type Row struct {
	ID           int64
	At           time.Time
	ActorID      *int64
	ActorName    string
	Action       string
	SubjectKind  string
	SubjectID    int64
	SubjectLabel string
	Reason       string
}

// Entry returns the row as the page lists it (LocalLog sets Module).
func (r Row) Entry() Entry {
	return Entry{ID: r.ID, At: r.At, ActorID: r.ActorID, ActorName: r.ActorName, Action: Action(r.Action),
		SubjectKind: r.SubjectKind, SubjectID: r.SubjectID, SubjectLabel: r.SubjectLabel, Reason: r.Reason}
}

// MaxListed bounds the entries one log lists at once, so the page reaches
// only the newest of a long history (as the jobs page does).
const MaxListed = 10_000

// MaxText bounds the text filter, in characters.
const MaxText = 100

// Filter selects the entries a log lists, newest first.
type Filter struct {
	// Action is one of Actions, or "" for every action.
	Action Action
	// Text is found (any case) in the actor's name or the subject's label;
	// "" finds every entry.
	Text string
	// Limit is how many entries to list, 1 to MaxListed.
	Limit int
}

// QueryFilter is the filter a query asks for (action, q), the page's, the
// API's and another process's alike; its limit is set apart. Search words
// are trimmed, then counted (Validate), as the catalog's are.
func QueryFilter(v url.Values) Filter {
	return Filter{Action: Action(v.Get("action")), Text: strings.TrimSpace(v.Get("q"))}
}

// Validate returns one message per bad field ("action", "q", "limit").
func (f Filter) Validate() error {
	fields := map[string]string{}
	if f.Action != "" && !slices.Contains(Actions, f.Action) {
		fields["action"] = "choose one of the actions offered"
	}
	if utf8.RuneCountInString(f.Text) > MaxText {
		fields["q"] = fmt.Sprintf("must be at most %d characters", MaxText)
	} else if err := text.CheckLine(f.Text); err != nil {
		fields["q"] = err.Error()
	}
	if f.Limit < 1 || f.Limit > MaxListed {
		fields["limit"] = fmt.Sprintf("list 1 to %d entries", MaxListed)
	}
	if len(fields) > 0 {
		return apperr.ErrInvalid.WithFields(fields)
	}
	return nil
}

// ListFunc lists the entries of one module's log that f selects, newest
// first; f is valid.
type ListFunc func(ctx context.Context, f Filter) ([]Entry, error)

// Log is one module's log as the admin's Activity page reads it: in the
// process, or over another process's internal endpoint.
type Log interface {
	// Name labels the log when it cannot be read.
	Name() string
	// List returns the newest entries that f selects, newest first; an
	// invalid filter is apperr.Invalid.
	List(ctx context.Context, f Filter) ([]Entry, error)
}

// AsLog contributes a Log to the admin's Activity page: constructor
// returns one.
func AsLog(constructor any) fx.Option {
	return fx.Provide(fx.Annotate(constructor, fx.As(new(Log)), fx.ResultTags(`group:"activity_logs"`)))
}

// Logs are every module's log, for the admin's page.
type Logs struct {
	fx.In

	All []Log `group:"activity_logs"`
}

// LocalLog is the log of a module the process runs.
type LocalLog struct {
	module string
	list   ListFunc
}

// NewLocal returns module's log, read by list.
func NewLocal(module string, list ListFunc) *LocalLog { return &LocalLog{module: module, list: list} }

// Name implements Log.
func (l *LocalLog) Name() string { return l.module }

// List implements Log.
func (l *LocalLog) List(ctx context.Context, f Filter) ([]Entry, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	entries, err := l.list(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list %s activity: %w", l.module, err)
	}
	for i := range entries {
		entries[i].Module = l.module
	}
	return entries, nil
}

// Local contributes the log of module, which list reads from the module's
// service S, to the admin's Activity page, and serves it to the other
// processes of a split shop.
func Local[S any](module config.Module, list func(S) ListFunc) fx.Option {
	newLog := func(s S) *LocalLog { return NewLocal(string(module), list(s)) }
	return fx.Options(AsLog(newLog), web.AsRoutes(func(s S) web.Routes { return Routes(newLog(s)) }))
}

func logPath(module string) string { return "/internal/v1/" + module + "/activity" }

// Routes serves l to the process of a split shop that serves the admin's
// Activity page.
func Routes(l *LocalLog) web.Routes {
	return func(r chi.Router) {
		r.Get(logPath(l.module), func(w http.ResponseWriter, r *http.Request) {
			v := r.URL.Query()
			f := QueryFilter(v)
			f.Limit, _ = strconv.Atoi(v.Get("limit")) // a malformed limit is 0, which List refuses
			entries, err := l.List(r.Context(), f)
			if err != nil {
				web.Error(w, r, err)
				return
			}
			web.JSON(w, http.StatusOK, listAnswer{Entries: entries})
		})
	}
}

type listAnswer struct {
	Entries []Entry `json:"entries"`
}

// RemoteLog is the log of a module another process of a split shop runs.
type RemoteLog struct{ rpc *rpc.Client }

// NewRemote returns the log of the module served through c.
func NewRemote(c *rpc.Client) *RemoteLog { return &RemoteLog{rpc: c} }

// Name implements Log.
func (l *RemoteLog) Name() string { return l.rpc.Module() }

// List implements Log.
func (l *RemoteLog) List(ctx context.Context, f Filter) ([]Entry, error) {
	v := url.Values{"limit": {strconv.Itoa(f.Limit)}}
	if f.Action != "" {
		v.Set("action", string(f.Action))
	}
	if f.Text != "" {
		v.Set("q", f.Text)
	}
	var a listAnswer
	if err := l.rpc.Call(ctx, http.MethodGet, logPath(l.rpc.Module())+"?"+v.Encode(), nil, &a); err != nil {
		return nil, err
	}
	return a.Entries, nil
}
