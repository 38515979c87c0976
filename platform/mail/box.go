package mail

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/rpc"
	"github.com/bookstore/bookstore/platform/web"
)

// Box is one process's outbox as the admin's Outbox page reads it: the
// process's own, or another's over its internal endpoint. In the monolith
// one box holds every module's emails; in a split shop each module's
// database has its own, so the page asks each.
type Box interface {
	// Name labels the box when it cannot be read.
	Name() string
	// List returns up to limit emails older than before, newest first.
	List(ctx context.Context, before *Cursor, limit int) ([]Email, error)
}

// AsBox contributes a Box to the admin's page: constructor returns one.
func AsBox(constructor any) fx.Option {
	return fx.Provide(fx.Annotate(constructor, fx.As(new(Box)), fx.ResultTags(`group:"mail_boxes"`)))
}

// Boxes are every outbox of the shop, for the admin's page.
type Boxes struct {
	fx.In

	All []Box `group:"mail_boxes"`
}

// LocalBox is the process's own outbox, holding the emails of the modules
// it runs (all of them in the monolith).
type LocalBox struct {
	pool    *pgxpool.Pool
	modules []string
	// reveal shows stored emails' secrets: the process sends no email, so
	// an admin passing a link on is the only way it reaches its user.
	reveal bool
}

// NewLocalBox returns the outbox in pool of the modules cfg runs; a split
// process lists only its own modules' emails, should processes share a
// database. The process's own --smtp-url decides whether its stored
// emails' secrets show, on its page and on the page another process of a
// split shop builds from it.
func NewLocalBox(pool *pgxpool.Pool, cfg config.Config) *LocalBox {
	b := &LocalBox{pool: pool, reveal: cfg.SMTPURL == ""}
	if cfg.Split() {
		for _, m := range cfg.Modules {
			b.modules = append(b.modules, string(m))
		}
	}
	return b
}

// Name implements Box.
func (b *LocalBox) Name() string { return "local" }

// List implements Box.
func (b *LocalBox) List(ctx context.Context, before *Cursor, limit int) ([]Email, error) {
	return list(ctx, b.pool, b.modules, before, limit, b.reveal)
}

const outboxPath = "/internal/v1/mail/outbox"

// BoxRoutes serves the process's outbox to the process of a split shop
// that serves the admin's Outbox page.
func BoxRoutes(b *LocalBox) web.Routes {
	return func(r chi.Router) {
		r.Get(outboxPath, func(w http.ResponseWriter, r *http.Request) {
			before, err := ParseCursor(r.URL.Query())
			limit, lerr := strconv.Atoi(r.URL.Query().Get("limit"))
			if err == nil && lerr != nil {
				err = apperr.ErrBadRequest.WithMessage("limit must be a number")
			}
			var emails []Email
			if err == nil {
				emails, err = b.List(r.Context(), before, limit)
			}
			if err != nil {
				web.Error(w, r, err)
				return
			}
			web.JSON(w, http.StatusOK, listAnswer{Emails: emails})
		})
	}
}

type listAnswer struct {
	Emails []Email `json:"emails"`
}

// RemoteBox is the outbox of another process of a split shop.
type RemoteBox struct{ rpc *rpc.Client }

// NewRemoteBox returns the outbox served through c.
func NewRemoteBox(c *rpc.Client) *RemoteBox { return &RemoteBox{rpc: c} }

// Name implements Box.
func (b *RemoteBox) Name() string { return b.rpc.Module() }

// List implements Box.
func (b *RemoteBox) List(ctx context.Context, before *Cursor, limit int) ([]Email, error) {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	before.addTo(q)
	var a listAnswer
	if err := b.rpc.Call(ctx, http.MethodGet, outboxPath+"?"+q.Encode(), nil, &a); err != nil {
		return nil, err
	}
	return a.Emails, nil
}

// ParseCursor reads the before and before_id parameters of a page's link;
// none means the first page.
func ParseCursor(q url.Values) (*Cursor, error) {
	at, id := q.Get("before"), q.Get("before_id")
	if at == "" && id == "" {
		return nil, nil
	}
	t, err1 := time.Parse(time.RFC3339Nano, at)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil {
		return nil, apperr.ErrBadRequest.WithMessage("before must be a time and before_id a number, as the next-page link gives them")
	}
	return &Cursor{At: t, ID: n}, nil
}

// addTo sets c's parameters in q (none for a nil c).
func (c *Cursor) addTo(q url.Values) {
	if c != nil {
		q.Set("before", c.At.Format(time.RFC3339Nano))
		q.Set("before_id", strconv.FormatInt(c.ID, 10))
	}
}

// Query is the query string of the page after c.
func (c *Cursor) Query() string {
	q := url.Values{}
	c.addTo(q)
	return q.Encode()
}

// Page is one page of every outbox, merged newest first. Next is the
// cursor of the following page, nil on the last; Unreadable names the
// boxes that could not be read (a process down), whose emails are missing.
type Page struct {
	Emails     []Email
	Next       *Cursor
	Unreadable []string
}

// ListAll reads a page of limit emails from every box: each box's newest
// limit before the cursor, merged, holds the page's emails whichever box
// they sit in.
func ListAll(ctx context.Context, boxes []Box, before *Cursor, limit int) Page {
	limit = min(max(limit, 1), MaxPage)
	var p Page
	for _, b := range boxes {
		emails, err := b.List(ctx, before, limit+1)
		if err != nil {
			p.Unreadable = append(p.Unreadable, fmt.Sprintf("%s: %v", b.Name(), err))
			continue
		}
		p.Emails = append(p.Emails, emails...)
	}
	slices.SortFunc(p.Emails, func(a, b Email) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	if len(p.Emails) > limit {
		p.Emails = p.Emails[:limit]
		last := p.Emails[limit-1]
		p.Next = &Cursor{At: last.CreatedAt, ID: last.ID}
	}
	return p
}

// Segment is a run of an email's body: plain text, or a link.
type Segment struct {
	Text string
	Link bool
}

// Segments splits a plain-text body into text and http(s) links, so a page
// shows the links clickable and the rest as text.
func Segments(body string) []Segment {
	var out []Segment
	for body != "" {
		i := strings.Index(body, "http://")
		if j := strings.Index(body, "https://"); j >= 0 && (i < 0 || j < i) {
			i = j
		}
		if i < 0 {
			return append(out, Segment{Text: body})
		}
		if i > 0 {
			out = append(out, Segment{Text: body[:i]})
		}
		end := strings.IndexAny(body[i:], " \t\r\n")
		if end < 0 {
			end = len(body) - i
		}
		out = append(out, Segment{Text: body[i : i+end], Link: true})
		body = body[i+end:]
	}
	return out
}
