package pages

import (
	"net/http"

	"github.com/bookstore/bookstore/modules/auth"
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
}

func (h *handler) listUsers(w http.ResponseWriter, r *http.Request) {
	actor, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	q := r.URL.Query().Get("q")
	page := view.PageParam(r.URL.Query())
	users, hasNext, err := h.svc.ListUsers(r.Context(), actor, q, page, UsersPerPage)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if web.PastTheEnd(w, r, "page", page, len(users)) {
		return
	}
	web.Render(w, r, http.StatusOK, view.Page{Title: "Users · Admin", Body: adminUsersView(usersPage{
		Query: q, Users: users, Pager: view.NewPager(r.URL, page, hasNext), Self: actor.ID, Path: r.URL.RequestURI(),
	})})
}

func (h *handler) setDisabled(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
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
		u, err := h.svc.SetDisabled(r.Context(), actor, auth.UserID(id), disabled)
		if err != nil {
			web.Error(w, r, err)
			return
		}
		// Said of the account as it now is, which a form sent twice leaves
		// as the first made it. The catalog learns of the change from the
		// accounts' feed, every few seconds.
		msg := u.Email + " can sign in; their listings come back to the shop within seconds."
		if disabled {
			msg = u.Email + " is disabled and signed out everywhere; their listings leave the shop within seconds."
		}
		web.Redirect(w, r, "success", msg, web.LocalPath(r.PostForm.Get("next"), "/admin/users"))
	}
}
