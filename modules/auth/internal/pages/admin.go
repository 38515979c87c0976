package pages

import (
	"net/http"
	"net/url"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

// UsersPerPage is the length of a page of the users list.
const UsersPerPage = 25

func (h *handler) adminIndex(w http.ResponseWriter, r *http.Request) {
	web.Render(w, r, http.StatusOK, view.Page{Title: "Admin", Body: adminIndexView()})
}

// usersPage is the users list's data.
type usersPage struct {
	Query string
	Users []auth.User
	Pager view.Pager
	Self  auth.UserID
	// Path is this page's address, where an action sends the admin back.
	Path string
	// DisableID is the user whose disable form was refused: it is shown
	// open, with the reason typed and its error.
	DisableID     auth.UserID
	Reason, Error string
}

func (h *handler) listUsers(w http.ResponseWriter, r *http.Request) {
	h.renderUsers(w, r, http.StatusOK, r.URL, usersPage{})
}

// renderUsers shows the list at list (the page's address, or the one a
// row's form came from), searched and paged.
func (h *handler) renderUsers(w http.ResponseWriter, r *http.Request, status int, list *url.URL, p usersPage) {
	actor, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.Query = list.Query().Get("q")
	page := view.PageParam(list.Query())
	var hasNext bool
	p.Users, hasNext, err = h.svc.ListUsers(r.Context(), actor, p.Query, page, UsersPerPage)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	lenOf := func(n int) (int, error) {
		users, _, err := h.svc.ListUsers(r.Context(), actor, p.Query, n, UsersPerPage)
		return len(users), err
	}
	if status == http.StatusOK && web.PastTheEnd(w, r, "page", page, len(p.Users), lenOf) {
		return
	}
	p.Pager, p.Self, p.Path = view.NewPager(list, page, hasNext), actor.ID, list.RequestURI()
	web.Render(w, r, status, view.Page{Title: "Users · Admin", Body: adminUsersView(p)})
}

// disable disables an account for the reason typed; a refused reason
// brings the list back with the form open.
func (h *handler) disable(w http.ResponseWriter, r *http.Request) {
	h.userAction(w, r, func(actor auth.User, id auth.UserID) (auth.User, error) {
		return h.svc.Disable(r.Context(), actor, id, r.PostForm.Get("reason"))
	}, disabledMessage)
}

func (h *handler) enable(w http.ResponseWriter, r *http.Request) {
	h.userAction(w, r, func(actor auth.User, id auth.UserID) (auth.User, error) {
		return h.svc.Enable(r.Context(), actor, id)
	}, disabledMessage)
}

func (h *handler) promote(w http.ResponseWriter, r *http.Request) {
	h.userAction(w, r, func(actor auth.User, id auth.UserID) (auth.User, error) {
		return h.svc.SetRole(r.Context(), actor, id, auth.RoleAdmin)
	}, func(u auth.User) string {
		return mail.ShownAddress(u.Email) + " is now an admin and was signed out everywhere; the admin pages are theirs when they sign in again."
	})
}

func (h *handler) demote(w http.ResponseWriter, r *http.Request) {
	h.userAction(w, r, func(actor auth.User, id auth.UserID) (auth.User, error) {
		return h.svc.SetRole(r.Context(), actor, id, auth.RoleMember)
	}, func(u auth.User) string {
		return mail.ShownAddress(u.Email) + " is no longer an admin and was signed out everywhere."
	})
}

// disabledMessage is said of the account as it now is, which a form sent
// twice leaves as the first made it. The catalog learns of the change
// from the accounts' feed, every few seconds.
func disabledMessage(u auth.User) string {
	if u.Disabled {
		return mail.ShownAddress(u.Email) + " is disabled (" + u.DisabledReason + ") and signed out everywhere; their listings leave the shop within seconds."
	}
	return mail.ShownAddress(u.Email) + " can sign in; their listings come back to the shop within seconds."
}

// userAction runs a row's action on the user of the path and goes back to
// the list the row was on, saying done of the changed user.
func (h *handler) userAction(w http.ResponseWriter, r *http.Request, act func(auth.User, auth.UserID) (auth.User, error), done func(auth.User) string) {
	actor, err := auth.RequireUser(r.Context())
	if err == nil {
		err = web.ParseForm(r)
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	id, err := web.PathID(r, "id", auth.ErrNotFound)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	back := web.ListBack(r, "/admin/users")
	u, err := act(actor, auth.UserID(id))
	if e := apperr.As(err); e != nil && e.Fields["reason"] != "" {
		h.renderUsers(w, r, http.StatusUnprocessableEntity, back, usersPage{DisableID: auth.UserID(id), Reason: r.PostForm.Get("reason"), Error: e.Fields["reason"]})
		return
	}
	if e := apperr.As(err); e != nil && e.Kind == apperr.Conflict {
		// Refused by what the account is now (already an admin, your own
		// rights): said above the list the admin came from, as the jobs
		// page says a refused retry.
		web.Redirect(w, r, "error", e.Message, back.RequestURI())
		return
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.Redirect(w, r, "success", done(u), back.RequestURI())
}
